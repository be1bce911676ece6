/**
 * The keys of the ledger's verifiable index (docs/index.md §Keys). Every key starts with
 * `SHA-256(KEY_TAG ‖ CBOR([family, …names]))`, the names in their one canonical spelling and
 * the array in deterministic CBOR (RFC 8949 §4.2.1), so that no one can file an entry under a
 * second spelling of the same meter, signer or register. A readings key adds the UTC hour of
 * the interval start as `u16 year ‖ u8 month ‖ u8 day ‖ u8 hour`: the hours of a day, a month
 * or a year then share a key prefix, and one prefix proof of the map covers them all.
 */
import { utf8 } from '../bytes.ts';
import { encodeCbor } from '../cbor/index.ts';
import { nobleHasher, type LogHasher } from '../merkle/index.ts';
import { isValidMeterId, isValidObis } from '../reading/index.ts';
import { LedgerIndexError } from './errors.ts';

/** Domain separation of index keys: ASCII `wattproof/v1/index-key` and a zero byte. */
export const INDEX_KEY_TAG: Uint8Array = Uint8Array.from([...utf8('wattproof/v1/index-key'), 0]);

/** What a key indexes; each family's names are listed with its key function. */
export const IndexFamily = {
  /** A signer's registrations and revocations: `["signer", signerId]`. */
  signer: 'signer',
  /** A meter's flags (equivocation evidence): `["meter-flags", meterId]`. */
  meterFlags: 'meter-flags',
  /** A meter channel's readings, per UTC hour: `["readings", meterId, obis]` ‖ hour. */
  readings: 'readings',
} as const;
/** One of {@link IndexFamily}. */
export type IndexFamily = (typeof IndexFamily)[keyof typeof IndexFamily];

/** Bytes of a readings key: the 32-byte channel hash and 5 bytes of UTC hour. */
export const READINGS_KEY_SIZE = 37;

/** The earliest and latest year a readings key can name. */
const MIN_YEAR = 1970;
const MAX_YEAR = 9999;

function checkId(field: string, v: string): void {
  if (!isValidMeterId(v)) {
    throw new LedgerIndexError('INVALID_KEY_PART', `${field}: not a valid id`, {
      evidence: { field, value: String(v).slice(0, 80) },
    });
  }
}

function checkObis(v: string): void {
  // The reading's own validity rule (one spelling per value group), so that the index files
  // every reading the ledger accepts, on the channel its timeline rules use.
  if (!isValidObis(v)) {
    throw new LedgerIndexError('INVALID_KEY_PART', 'obis: not a canonical OBIS code', {
      evidence: { field: 'obis', value: String(v).slice(0, 80) },
    });
  }
}

function familyHash(names: readonly string[], hasher: LogHasher): Uint8Array {
  return hasher.sha256(INDEX_KEY_TAG, encodeCbor([...names]));
}

/** The key of a signer's registrations and revocations. */
export function signerIndexKey(signerId: string, hasher: LogHasher = nobleHasher): Uint8Array {
  checkId('signerId', signerId);
  return familyHash([IndexFamily.signer, signerId], hasher);
}

/** The key of a meter's flags. */
export function meterFlagsIndexKey(meterId: string, hasher: LogHasher = nobleHasher): Uint8Array {
  checkId('meterId', meterId);
  return familyHash([IndexFamily.meterFlags, meterId], hasher);
}

/**
 * Channel hashes computed lately, by meter id and OBIS code: every reading of a channel needs
 * its hash, and a node sees the same channels over and over. Bounded: cleared when full. The
 * hash does not depend on the hasher (every hasher gives the same bytes).
 */
const channelHashes = new Map<string, Uint8Array>();
const MAX_CACHED_CHANNELS = 100_000;

/** The 32-byte hash every readings key of a meter channel starts with. */
export function readingsChannelHash(
  meterId: string,
  obis: string,
  hasher: LogHasher = nobleHasher,
): Uint8Array {
  const id = `${meterId}\u0000${obis}`;
  const cached = channelHashes.get(id);
  if (cached !== undefined) return cached;
  checkId('meterId', meterId);
  checkObis(obis);
  const hash = familyHash([IndexFamily.readings, meterId, obis], hasher);
  if (channelHashes.size >= MAX_CACHED_CHANNELS) channelHashes.clear();
  channelHashes.set(id, hash);
  return hash;
}

/** A UTC calendar position: a year, or a month of it, or a day, or an hour of that day. */
export interface UtcPeriod {
  readonly year: number;
  /** 1–12. */
  readonly month?: number;
  /** 1–31 (requires `month`). */
  readonly day?: number;
  /** 0–23 (requires `day`). */
  readonly hour?: number;
}

let lastHour: { readonly n: number; readonly period: Required<UtcPeriod> } | undefined;

/** The UTC hour that holds `unixSeconds`. */
export function utcHourOf(unixSeconds: number): Required<UtcPeriod> {
  const n = Math.floor(unixSeconds / 3600);
  if (lastHour !== undefined && lastHour.n === n && Number.isSafeInteger(unixSeconds)) {
    return lastHour.period;
  }
  const period = hourOf(unixSeconds);
  lastHour = { n, period };
  return period;
}

function hourOf(unixSeconds: number): Required<UtcPeriod> {
  if (!Number.isSafeInteger(unixSeconds)) {
    throw new LedgerIndexError('INVALID_KEY_PART', 'time: not an integer of seconds', {
      evidence: { field: 'time', value: unixSeconds },
    });
  }
  // The proleptic Gregorian date of a day count (H. Hinnant, "chrono-compatible low-level date
  // algorithms", civil_from_days): what Date's UTC getters give, without a Date per reading.
  const hours = Math.floor(unixSeconds / 3600);
  const days = Math.floor(hours / 24);
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const period = { year, month, day, hour: hours - days * 24 };
  if (!(period.year >= MIN_YEAR && period.year <= MAX_YEAR)) {
    throw new LedgerIndexError('INVALID_KEY_PART', `time: year ${period.year} outside 1970–9999`, {
      evidence: { field: 'time', value: unixSeconds },
    });
  }
  return period;
}

function periodBytes(p: UtcPeriod): number[] {
  const ok =
    Number.isInteger(p.year) &&
    p.year >= MIN_YEAR &&
    p.year <= MAX_YEAR &&
    (p.month === undefined || (Number.isInteger(p.month) && p.month >= 1 && p.month <= 12)) &&
    (p.day === undefined ||
      (p.month !== undefined && Number.isInteger(p.day) && p.day >= 1 && p.day <= 31)) &&
    (p.hour === undefined ||
      (p.day !== undefined && Number.isInteger(p.hour) && p.hour >= 0 && p.hour <= 23)) &&
    (p.day === undefined || new Date(Date.UTC(p.year, p.month! - 1, p.day)).getUTCDate() === p.day);
  if (!ok) {
    throw new LedgerIndexError('INVALID_KEY_PART', 'period: not a UTC year[/month[/day[/hour]]]', {
      evidence: { field: 'period', value: { ...p } },
    });
  }
  const out = [p.year >>> 8, p.year & 0xff];
  if (p.month !== undefined) out.push(p.month);
  if (p.day !== undefined) out.push(p.day);
  if (p.hour !== undefined) out.push(p.hour);
  return out;
}

/**
 * The readings key of a meter channel for a UTC hour, or — for a shorter period — the prefix
 * every readings key of that year, month or day starts with.
 */
export function readingsIndexKey(
  meterId: string,
  obis: string,
  period: UtcPeriod,
  hasher: LogHasher = nobleHasher,
): Uint8Array {
  const head = readingsChannelHash(meterId, obis, hasher);
  const tail = periodBytes(period);
  const out = new Uint8Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}
