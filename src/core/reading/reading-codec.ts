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
