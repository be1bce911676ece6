/**
 * CBOR encoding of the reading payload (docs/formats.md, payload key table): a map with small
 * unsigned integer keys, deterministically encoded (RFC 8949 §4.2.1).
 */
import { CborError, CborFloat, decodeCbor, encodeCbor } from '../cbor/index.ts';
import type { CborMap, CborValue } from '../cbor/index.ts';
import { ReadingError } from './errors.ts';
import { READING_FIELDS, ReadingKey, validateReading } from './reading.ts';
import type { Reading, ReadingField } from './reading.ts';

const KEY_TO_FIELD: ReadonlyMap<unknown, ReadingField> = new Map(
  READING_FIELDS.map((f) => [ReadingKey[f], f]),
);

/**
 * Deterministic CBOR bytes of a reading: `{1: meterId, 2: sequence, 3: intervalStart,
 * 4: intervalEnd, 5: obis, 6: registerWh, 7: energyWh, 8: quality}`. Throws
 * {@link ReadingError} `INVALID_FIELD` for a reading that breaks the format rules.
 */
export function encodeReading(reading: Reading): Uint8Array {
  validateReading(reading);
  const m: CborMap = new Map();
  for (const f of READING_FIELDS) m.set(ReadingKey[f], reading[f]);
  return encodeCbor(m);
}

/**
 * Decodes and validates a reading payload. Throws {@link ReadingError} only:
 * `MALFORMED_READING` for CBOR that is refused (the {@link CborError} is the cause), a
 * non-map, an unknown key or a missing key; `INVALID_FIELD` (with `evidence.field`) for wrong
 * types or values, floats and NaN included.
 */
export function decodeReading(bytes: Uint8Array): Reading {
  const canonical = decodeCanonicalReading(bytes);
  if (canonical !== undefined) {
    validateReading(canonical);
    return canonical;
  }
  return decodeReadingCbor(bytes);
}

/**
 * {@link decodeReading} through the general strict CBOR decoder only (the tests check that
 * both give the same reading or the same error on any input).
 */
export function decodeReadingCbor(bytes: Uint8Array): Reading {
  let value: CborValue;
  try {
    value = decodeCbor(bytes);
  } catch (e) {
    if (e instanceof CborError) {
      throw new ReadingError('MALFORMED_READING', `payload is not strict CBOR: ${e.message}`, {
        cause: e,
        evidence: { cborCode: e.code },
      });
    }
    throw e;
  }
  if (!(value instanceof Map)) {
    throw new ReadingError('MALFORMED_READING', 'payload is not a CBOR map', { evidence: {} });
  }
  for (const key of value.keys()) {
    if (!KEY_TO_FIELD.has(key)) {
      throw new ReadingError('MALFORMED_READING', `unknown payload key ${String(key)}`, {
        evidence: { key },
      });
    }
  }
  const fields: Partial<Record<ReadingField, CborValue>> = {};
  for (const f of READING_FIELDS) {
    if (!value.has(ReadingKey[f])) {
      throw new ReadingError('MALFORMED_READING', `missing payload key ${ReadingKey[f]} (${f})`, {
        evidence: { key: ReadingKey[f], field: f },
      });
    }
    const v = value.get(ReadingKey[f]);
    if (v instanceof CborFloat) {
      throw new ReadingError('INVALID_FIELD', `${f}: floats are not accepted`, {
        evidence: { field: f, key: ReadingKey[f], reason: 'float', value: String(v.value) },
      });
    }
    fields[f] = v;
  }
  const r = fields as Record<ReadingField, unknown>;
  validateReading(r);
  return {
    meterId: r.meterId,
    sequence: r.sequence,
    intervalStart: r.intervalStart,
    intervalEnd: r.intervalEnd,
    obis: r.obis,
    registerWh: r.registerWh,
    energyWh: r.energyWh,
    quality: r.quality,
  };
}

/**
 * The one encoding {@link encodeReading} writes, read without the general decoder: a map of 8
 * (0xa8) whose keys are 1 to 8 in order, each text value (keys 1, 5) a short ASCII string
 * and each other value an unsigned integer below 2^32, every length and integer in its
 * shortest form (RFC 8949 §4.2.1). For such bytes the general decoder gives the same fields;
 * anything else (another order, other types, longer forms, trailing bytes, non-ASCII text,
 * larger integers) returns undefined, for the general decoder to decode or refuse.
 */
function decodeCanonicalReading(b: Uint8Array): Record<ReadingField, unknown> | undefined {
  if (b.length < 17 || b[0] !== 0xa8) return undefined;
  at = 1;
  if (!key(b, 1)) return undefined;
  const meterId = ascii(b);
  if (meterId === undefined || !key(b, 2)) return undefined;
  const sequence = uint(b);
  if (sequence < 0 || !key(b, 3)) return undefined;
  const intervalStart = uint(b);
  if (intervalStart < 0 || !key(b, 4)) return undefined;
  const intervalEnd = uint(b);
  if (intervalEnd < 0 || !key(b, 5)) return undefined;
  const obis = ascii(b);
  if (obis === undefined || !key(b, 6)) return undefined;
  const registerWh = uint(b);
  if (registerWh < 0 || !key(b, 7)) return undefined;
  const energyWh = uint(b);
  if (energyWh < 0 || !key(b, 8)) return undefined;
  const quality = uint(b);
  if (quality < 0 || at !== b.length) return undefined;
  return { meterId, sequence, intervalStart, intervalEnd, obis, registerWh, energyWh, quality };
}

/** Where {@link decodeCanonicalReading} reads next (it runs to its end without yielding). */
let at = 0;

/** The key `k` (a one-byte unsigned integer) next. */
function key(b: Uint8Array, k: number): boolean {
  return at < b.length && b[at++] === k;
}

/** An unsigned integer (major type 0) below 2^32 in its shortest form next, or −1. */
function uint(b: Uint8Array): number {
  const n = b.length;
  if (at >= n) return -1;
  const ib = b[at++]!;
  if (ib < 24) return ib;
  if (ib === 0x18) {
    if (at + 1 > n || b[at]! < 24) return -1;
    return b[at++]!;
  }
  if (ib === 0x19) {
    if (at + 2 > n) return -1;
    const v = (b[at]! << 8) | b[at + 1]!;
    at += 2;
    return v < 0x100 ? -1 : v;
  }
  if (ib === 0x1a) {
    if (at + 4 > n) return -1;
    const v = ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
    at += 4;
    return v < 0x10000 ? -1 : v;
  }
  return -1;
}

/** A text string (major type 3) of at most 255 ASCII bytes in its shortest form next, or undefined. */
function ascii(b: Uint8Array): string | undefined {
  const n = b.length;
  if (at >= n) return undefined;
  const ib = b[at++]!;
  let len: number;
  if (ib >= 0x60 && ib < 0x78) len = ib - 0x60;
  else if (ib === 0x78 && at < n && b[at]! >= 24) len = b[at++]!;
  else return undefined;
  if (at + len > n) return undefined;
  let s = '';
  for (let i = at; i < at + len; i++) {
    const c = b[i]!;
    if (c >= 0x80) return undefined;
    s += String.fromCharCode(c);
  }
  at += len;
  return s;
}
