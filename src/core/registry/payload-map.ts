/**
 * Reading and checking the deterministic CBOR payload maps of registry entries
 * (docs/registry.md): small unsigned integer keys (RFC 8949 §4.2.1 order), every key of the
 * format present, no other key, integers never floats.
 */
import { CborError, CborFloat, decodeCbor, encodeCbor } from '../cbor/index.ts';
import type { CborMap, CborValue } from '../cbor/index.ts';
import { hasLoneSurrogate } from '../note/index.ts';
import { isValidMeterId } from '../reading/index.ts';
import { invalidField, RegistryError } from './errors.ts';

/** Longest revocation reason, in UTF-16 code units. */
export const MAX_REASON_LENGTH = 500;

// C0 controls and DEL: a reason is shown on terminals and in JSON as is.
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Encodes `fields` as a deterministic CBOR map keyed by `keys` (RFC 8949 §4.2.1). */
export function encodePayloadMap<F extends string>(
  keys: Readonly<Record<F, number>>,
  fields: Readonly<Record<F, CborValue>>,
): Uint8Array {
  const m: CborMap = new Map();
  for (const f of Object.keys(keys) as F[]) m.set(keys[f], fields[f]);
  return encodeCbor(m);
}

/**
 * Decodes a payload map with exactly the keys in `keys`. Throws `MALFORMED_ENTRY` for CBOR
 * that the strict decoder refuses (the {@link CborError} is the cause), a non-map, an unknown
 * or a missing key, and `INVALID_FIELD` for a float anywhere at the top level.
 */
export function decodePayloadMap<F extends string>(
  bytes: Uint8Array,
  keys: Readonly<Record<F, number>>,
): Record<F, CborValue> {
  let value: CborValue;
  try {
    value = decodeCbor(bytes);
  } catch (e) {
    if (!(e instanceof CborError)) throw e;
    throw new RegistryError('MALFORMED_ENTRY', `payload is not strict CBOR: ${e.message}`, {
      cause: e,
      evidence: { cborCode: e.code },
    });
  }
  if (!(value instanceof Map)) {
    throw new RegistryError('MALFORMED_ENTRY', 'payload is not a CBOR map', { evidence: {} });
  }
  const fieldByKey = new Map<unknown, F>(
    (Object.keys(keys) as F[]).map((f) => [keys[f], f] as const),
  );
  for (const k of value.keys()) {
    if (!fieldByKey.has(k)) {
      throw new RegistryError('MALFORMED_ENTRY', `unknown payload key ${JSON.stringify(k)}`, {
        evidence: { key: k },
      });
    }
  }
  const out = {} as Record<F, CborValue>;
  for (const [k, f] of fieldByKey) {
    if (!value.has(k as number)) {
      throw new RegistryError('MALFORMED_ENTRY', `missing payload key ${String(k)} (${f})`, {
        evidence: { key: k, field: f },
      });
    }
    const v = value.get(k as number);
    if (v instanceof CborFloat) invalidField(f, 'floats are not accepted');
    out[f] = v;
  }
  return out;
}

/** Checks a signer id: a text string of the meter id syntax (`[A-Za-z0-9][A-Za-z0-9._:-]{0,63}`). */
export function checkSignerId(field: string, v: unknown): asserts v is string {
  if (typeof v !== 'string') invalidField(field, 'not a text string');
  if (!isValidMeterId(v))
    invalidField(field, 'not 1-64 characters of [A-Za-z0-9._:-] starting with a letter or digit');
}

/** Checks an unsigned integer within the safe range (0 ≤ n ≤ 2^53 − 1). */
export function checkUint(field: string, v: unknown): asserts v is number {
  if (typeof v === 'bigint') invalidField(field, 'integer above 2^53 - 1');
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) invalidField(field, 'not an integer');
  if (v < 0) invalidField(field, 'negative');
}

/** Checks a positive integer within the safe range (1 ≤ n ≤ 2^53 − 1). */
export function checkPositiveInt(field: string, v: unknown): asserts v is number {
  checkUint(field, v);
  if (v === 0) invalidField(field, 'not positive');
}

/** Checks free text: 1–{@link MAX_REASON_LENGTH} characters, no control characters. */
export function checkText(field: string, v: unknown): asserts v is string {
  if (typeof v !== 'string') invalidField(field, 'not a text string');
  if (v.length === 0) invalidField(field, 'empty');
  if (v.length > MAX_REASON_LENGTH)
    invalidField(field, `longer than ${MAX_REASON_LENGTH} characters`);
  if (hasControl(v)) invalidField(field, 'contains control characters');
  if (hasLoneSurrogate(v)) invalidField(field, 'not valid Unicode (lone surrogate)');
}
