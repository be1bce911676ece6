/**
 * The fleet: which meters exist, how each one's readings travel, and which keys the node must
 * register. Built from a spec such as `pv-rooftop:2@device,household:3@platform,ev:1`.
 */
import {
  evProfile,
  householdProfile,
  isProfileKind,
  sequence,
  hashText,
  solarProfile,
  windProfile,
  type EvOptions,
  type Profile,
  type ProfileKind,
  type Site,
} from '../profiles/index.ts';
import { SimulatorError } from '../errors.ts';
import { simKey, type SimKey, type SimKeyType } from './keys.ts';
import { COLLECTION_MODES, SimMeter, type CollectionMode } from './meter.ts';

/** `count` meters of one kind, collected one way. */
export interface FleetGroup {
  readonly kind: ProfileKind;
  readonly count: number;
  readonly mode: CollectionMode;
}

/** The fleet of `npm run demo` and the default of `wattproof-sim run`. */
export const DEFAULT_FLEET =
  'pv-rooftop:2@device,pv-rooftop:1@relay,pv-utility:1@device,wind:1@relay,household:2@device,household:3@platform,ev:1@device';

/** Frankfurt am Main: the default site. */
export const DEFAULT_SITE: Site = { latitude: 50.11, longitude: 8.68 };

const SHORT: Record<ProfileKind, string> = {
  'pv-rooftop': 'pv',
  'pv-utility': 'pvu',
  wind: 'wind',
  household: 'home',
  ev: 'ev',
};

function bad(message: string): never {
  throw new SimulatorError('INVALID_OPTION', message);
}

/** Parses `kind[:count][@mode]` items separated by commas. Throws `INVALID_OPTION`. */
export function parseFleet(spec: string): FleetGroup[] {
  const groups: FleetGroup[] = [];
  for (const item of spec.split(',').map((s) => s.trim())) {
    const m = /^([a-z-]+)(?::(\d{1,5}))?(?:@([a-z]+))?$/.exec(item);
    if (m === null) bad(`--fleet: "${item}" is not kind[:count][@mode]`);
    const [, kind, count = '1', mode = 'device'] = m;
    if (!isProfileKind(kind))
      bad(`--fleet: unknown meter kind "${kind}" (pv-rooftop, pv-utility, wind, household, ev)`);
    if (!(COLLECTION_MODES as readonly string[]).includes(mode)) {
      bad(`--fleet: unknown mode "${mode}" (device, platform, relay)`);
    }
    if (kind === 'ev' && mode === 'platform') {
      bad('--fleet: an EV charger signs its own OCMF records: use ev@device or ev@relay');
    }
    const n = Number(count);
    if (n < 1 || n > 10_000) bad(`--fleet: count of ${kind} must be 1-10000`);
    groups.push({ kind, count: n, mode: mode as CollectionMode });
  }
  if (groups.length === 0) bad('--fleet is empty');
  return groups;
}

/** A signer to register with the node (docs/registry.md, key registration). */
export interface Registration {
  readonly signerId: string;
  readonly mode: 'device' | 'platform';
  readonly keyType: SimKeyType;
  readonly publicKey: Uint8Array;
  readonly meters: readonly string[];
  readonly ratedCapacityW: number;
}

/** What builds a fleet. */
export interface FleetOptions {
  readonly seed: number;
  /** Prefix of every meter and platform id: keeps runs apart on one node. */
  readonly prefix: string;
  readonly groups: readonly FleetGroup[];
  readonly site?: Site;
  /** Unix seconds: the first interval's start (sets the registers' starting values). */
  readonly runStart: number;
}

/** The meters and platforms of a run. */
export interface Fleet {
  readonly meters: readonly SimMeter[];
  /** The collection platform that signs for `platform` meters. */
  readonly platformId: string;
  /** The platform that relays device-signed readings of `relay` meters. */
  readonly relayId: string;
  readonly registrations: readonly Registration[];
}

function keyTypeOf(kind: ProfileKind): SimKeyType {
  if (kind === 'ev') return 'OCMF';
  // Household smart meters sign with a P-256 secure element; generators with Ed25519.
  if (kind === 'household') return 'P-256';
  return 'Ed25519';
}

function profileOf(
  kind: ProfileKind,
  meterId: string,
  seed: number,
  site: Site,
): { profile: Profile; ev?: EvOptions } {
  const draw = sequence(seed ^ hashText(`size:${meterId}`));
  switch (kind) {
    case 'pv-rooftop':
      return {
        profile: solarProfile({
          seed,
          meterId,
          site,
          tracking: false,
          peakW: 100 * Math.round(40 + 80 * draw()),
        }),
      };
    case 'pv-utility':
      return {
        profile: solarProfile({
          seed,
          meterId,
          site,
          tracking: true,
          peakW: 100_000 * Math.round(20 + 60 * draw()),
        }),
      };
    case 'wind':
      return {
        profile: windProfile({ seed, meterId, ratedW: 100_000 * Math.round(20 + 20 * draw()) }),
      };
    case 'household':
      return { profile: householdProfile({ seed, meterId, site }) };
    case 'ev': {
      const ev: EvOptions = { seed, meterId, site, powerW: 11_000 };
      return { profile: evProfile(ev), ev };
    }
  }
}

/** Builds the fleet. Throws `INVALID_OPTION` for a prefix that would make invalid ids. */
export function buildFleet(o: FleetOptions): Fleet {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,40}$/.test(o.prefix)) {
    bad(`--prefix must be 1-41 characters of [A-Za-z0-9._:-], starting with a letter or digit`);
  }
  const site = o.site ?? DEFAULT_SITE;
  const platformId = `${o.prefix}-hes`;
  const relayId = `${o.prefix}-relay`;
  const platformKey: SimKey = simKey(o.seed, platformId, 'Ed25519');
  const meters: SimMeter[] = [];
  const counters = new Map<ProfileKind, number>();
  for (const g of o.groups) {
    for (let i = 0; i < g.count; i++) {
      const n = (counters.get(g.kind) ?? 0) + 1;
      counters.set(g.kind, n);
      const meterId = `${o.prefix}-${SHORT[g.kind]}-${String(n).padStart(2, '0')}`;
      const { profile, ev } = profileOf(g.kind, meterId, o.seed, site);
      const key = g.mode === 'platform' ? platformKey : simKey(o.seed, meterId, keyTypeOf(g.kind));
      meters.push(new SimMeter(meterId, g.kind, g.mode, profile, key, o.runStart, ev));
    }
  }
  const registrations: Registration[] = meters
    .filter((m) => m.mode !== 'platform')
    .map((m) => ({
      signerId: m.meterId,
      mode: 'device',
      keyType: m.key.keyType,
      publicKey: m.key.publicKey,
      meters: [m.meterId],
      ratedCapacityW: m.profile.ratedCapacityW,
    }));
  const platformMeters = meters.filter((m) => m.mode === 'platform');
  if (platformMeters.length > 0) {
    registrations.push({
      signerId: platformId,
      mode: 'platform',
      keyType: 'Ed25519',
      publicKey: platformKey.publicKey,
      meters: platformMeters.map((m) => m.meterId),
      ratedCapacityW: Math.max(...platformMeters.map((m) => m.profile.ratedCapacityW)),
    });
  }
  return { meters, platformId, relayId, registrations };
}
