/**
 * The native meter reading (docs/formats.md, "Native signed reading"): the fields, their CBOR
 * map keys, the quality flag bits and the validity rules shared by encoder and decoder.
 */
import { ReadingError } from './errors.ts';
import { isValidObis } from './obis.ts';

/** One interval reading of one meter register. All energies in Wh, all times Unix seconds UTC. */
export interface Reading {
  /** Meter id: 1–64 characters of `A–Z a–z 0–9 . _ : -`, starting with a letter or digit. */
  readonly meterId: string;
  /** Monotonic per-meter sequence number, 0 ≤ n ≤ 2^53 − 1. */
  readonly sequence: number;
  /** Interval start, Unix seconds (UTC), inclusive. */
  readonly intervalStart: number;
  /** Interval end, Unix seconds (UTC), exclusive; greater than `intervalStart`. */
  readonly intervalEnd: number;
  /** OBIS code of the register, e.g. `1-0:1.8.0` (import) or `1-0:2.8.0` (export). */
  readonly obis: string;
  /** Register (meter index) value at `intervalEnd`, in Wh. */
  readonly registerWh: number;
  /** Energy measured during the interval, in Wh. */
  readonly energyWh: number;
  /** Quality flags, a bitmask of {@link QualityFlag}. */
  readonly quality: number;
}

/** CBOR map keys of the reading payload (docs/formats.md, payload key table). */
export const ReadingKey = {
  meterId: 1,
  sequence: 2,
  intervalStart: 3,
  intervalEnd: 4,
  obis: 5,
  registerWh: 6,
  energyWh: 7,
  quality: 8,
} as const satisfies Record<keyof Reading, number>;

/** A field name of {@link Reading}. */
export type ReadingField = keyof typeof ReadingKey;

/** Field names in key order. */
export const READING_FIELDS: readonly ReadingField[] = [
  'meterId',
  'sequence',
  'intervalStart',
  'intervalEnd',
  'obis',
  'registerWh',
  'energyWh',
  'quality',
];

/** Quality flag bits (docs/formats.md, flag table). */
export const QualityFlag = {
  /** The meter clock was synchronised during the interval. */
  CLOCK_SYNCED: 0x01,
  /** The value is estimated or substituted, not measured. */
  ESTIMATED: 0x02,
  /** The meter reported an error condition during the interval. */
  METER_ERROR: 0x04,
} as const;

/** All defined quality bits; any other bit is refused. */
export const QUALITY_MASK =
  QualityFlag.CLOCK_SYNCED | QualityFlag.ESTIMATED | QualityFlag.METER_ERROR;

const METER_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** True when `s` is a valid meter id (see {@link Reading.meterId}). */
export function isValidMeterId(s: unknown): s is string {
  return typeof s === 'string' && METER_ID_RE.test(s);
}

function invalid(field: ReadingField, reason: string, value?: unknown): never {
  throw new ReadingError('INVALID_FIELD', `${field}: ${reason}`, {
    evidence: { field, key: ReadingKey[field], reason, value: describe(value) },
  });
}

function describe(value: unknown): unknown {
  if (typeof value === 'string') return value.length > 80 ? `${value.slice(0, 80)}…` : value;
  if (
    typeof value === 'number' ||
    typeof value === 'boolean' ||
    value === null ||
    value === undefined
  )
    return value;
  if (typeof value === 'bigint') return value.toString();
  return Object.prototype.toString.call(value);
}

function checkUint(field: ReadingField, v: unknown): void {
  if (typeof v === 'bigint') invalid(field, 'integer above 2^53 - 1 or below -(2^53 - 1)', v);
  if (typeof v !== 'number') invalid(field, 'not an unsigned integer', v);
  if (!Number.isSafeInteger(v)) invalid(field, 'not an integer', v);
  if (v < 0) invalid(field, 'negative', v);
}

/**
 * Checks every field of a reading against the format rules, throwing `INVALID_FIELD` with
 * the field name in `evidence.field`. Used by both {@link encodeReading} and
 * {@link decodeReading}, so only valid readings are ever produced or accepted.
 */
export function validateReading(r: {
  readonly [K in ReadingField]: unknown;
}): asserts r is Reading {
  if (typeof r.meterId !== 'string') invalid('meterId', 'not a text string', r.meterId);
  if (!isValidMeterId(r.meterId))
    invalid('meterId', 'not 1-64 characters of [A-Za-z0-9._:-]', r.meterId);
  checkUint('sequence', r.sequence);
  checkUint('intervalStart', r.intervalStart);
  checkUint('intervalEnd', r.intervalEnd);
  if ((r.intervalEnd as number) <= (r.intervalStart as number)) {
    invalid('intervalEnd', 'interval end is not after its start', r.intervalEnd);
  }
  if (typeof r.obis !== 'string') invalid('obis', 'not a text string', r.obis);
  if (!isValidObis(r.obis)) invalid('obis', 'not an OBIS code A-B:C.D.E[*F]', r.obis);
  checkUint('registerWh', r.registerWh);
  checkUint('energyWh', r.energyWh);
  checkUint('quality', r.quality);
  if (((r.quality as number) & ~QUALITY_MASK) !== 0 || (r.quality as number) > QUALITY_MASK) {
    invalid('quality', 'unknown quality flag bits', r.quality);
  }
}
