/**
 * A simulated meter: a profile, a key that signs for it (its own, or its collection platform's),
 * a cumulative register and a sequence number, turning each interval into a signed reading.
 */
import { OBIS_ACTIVE_EXPORT, OBIS_ACTIVE_IMPORT } from '../../src/core/reading/obis.ts';
import { QualityFlag, type Reading } from '../../src/core/reading/reading.ts';
import { utf8 } from '../../src/core/bytes.ts';
import type { EvOptions, Profile, ProfileKind } from '../profiles/index.ts';
import { sessionsBetween } from '../profiles/index.ts';
import type { SimKey } from './keys.ts';
import { sessionRecord } from './ocmf-record.ts';

/** How a meter's readings reach the node (DESIGN.md, users table). */
export const COLLECTION_MODES = ['device', 'platform', 'relay'] as const;

/**
 * - `device`: the meter signs and publishes on its own topic;
 * - `platform`: a collection platform signs for the (legacy) meter and publishes batches;
 * - `relay`: the meter signs, a platform relays its readings unchanged in batches.
 */
export type CollectionMode = (typeof COLLECTION_MODES)[number];

/** One signed reading ready to publish, with what the simulator knows about it. */
export interface OutgoingReading {
  readonly meterId: string;
  /** Native sequence number, or the OCMF pagination number (`T<n>`). */
  readonly sequence: number;
  readonly format: 'cose' | 'ocmf';
  readonly bytes: Uint8Array;
  readonly obis: string;
  readonly intervalStart: number;
  readonly intervalEnd: number;
  readonly energyWh: number;
  readonly registerWh: number;
}

/** Hours from 2020-01-01T00:00:00Z: the register's starting point grows at the rated power. */
const REGISTER_EPOCH = 1_577_836_800;

/** A meter of the fleet. */
export class SimMeter {
  /** Register value, Wh, after the last reading produced. */
  registerWh: number;

  constructor(
    readonly meterId: string,
    readonly kind: ProfileKind,
    readonly mode: CollectionMode,
    readonly profile: Profile,
    /** The key that signs this meter's readings: its own, or the platform's in `platform` mode. */
    readonly key: SimKey,
    runStart: number,
    /** For EV chargers: the session model. */
    readonly ev?: EvOptions,
  ) {
    // A register that starts at rated power × hours since 2020 is always above what any earlier
    // run of the same meter can have reached, so later runs continue without going backwards.
    this.registerWh = Math.floor(
      (profile.ratedCapacityW * Math.max(0, runStart - REGISTER_EPOCH)) / 3600,
    );
  }

  /** The OBIS code of the register it reports. */
  get obis(): string {
    return this.profile.direction === 'export' ? OBIS_ACTIVE_EXPORT : OBIS_ACTIVE_IMPORT;
  }

  /**
   * The readings of the interval `[start, end)`: one native reading, or for an EV charger one
   * OCMF record per session that ends in `(start, end]` and started at or after `runStart`.
   */
  readingsFor(start: number, end: number, runStart: number): OutgoingReading[] {
    if (this.ev !== undefined) return this.#sessionRecords(start, end, runStart);
    const energyWh = this.profile.energyWh(start, end);
    this.registerWh += energyWh;
    const reading: Reading = {
      meterId: this.meterId,
      sequence: Math.floor(end / (end - start)),
      intervalStart: start,
      intervalEnd: end,
      obis: this.obis,
      registerWh: this.registerWh,
      energyWh,
      quality: QualityFlag.CLOCK_SYNCED,
    };
    return [this.#outgoing(reading, this.key.signReading(reading))];
  }

  /** Signs `reading` with this meter's key (for faults that alter a reading). */
  sign(reading: Reading): Uint8Array {
    return this.key.signReading(reading);
  }

  #outgoing(r: Reading, bytes: Uint8Array): OutgoingReading {
    return {
      meterId: r.meterId,
      sequence: r.sequence,
      format: 'cose',
      bytes,
      obis: r.obis,
      intervalStart: r.intervalStart,
      intervalEnd: r.intervalEnd,
      energyWh: r.energyWh,
      registerWh: r.registerWh,
    };
  }

  #sessionRecords(start: number, end: number, runStart: number): OutgoingReading[] {
    const ev = this.ev!;
    const out: OutgoingReading[] = [];
    for (const s of sessionsBetween(runStart, end, ev)) {
      if (s.end <= start || s.end > end) continue;
      const first = this.registerWh;
      const at = (t: number): number => first + Math.round((ev.powerW * (t - s.start)) / 3600);
      const points = [{ t: s.start, registerWh: first }];
      const step = end - start;
      for (let t = (Math.floor(s.start / step) + 1) * step; t < s.end; t += step) {
        points.push({ t, registerWh: at(t) });
      }
      points.push({ t: s.end, registerWh: at(s.end) });
      this.registerWh = at(s.end);
      const text = sessionRecord(
        { meterId: this.meterId, gatewayId: `${this.meterId}-gw`, pagination: s.number, points },
        this.key,
      );
      out.push({
        meterId: this.meterId,
        sequence: s.number,
        format: 'ocmf',
        bytes: utf8(text),
        obis: OBIS_ACTIVE_IMPORT,
        intervalStart: s.start,
        intervalEnd: s.end,
        energyWh: this.registerWh - first,
        registerWh: this.registerWh,
      });
    }
    return out;
  }
}
