/**
 * The four parts of a tagged COSE_Sign1 (RFC 9052 §4.2: `18([protected, unprotected, payload,
 * signature])`), strictly decoded and not yet checked: for the log's own structures (receipts,
 * refusal notices), which check each part by their own rules.
 */
import { CborTag, decodeCbor, type CborValue } from '../cbor/index.ts';
import { COSE_SIGN1_TAG } from './headers.ts';

/** `[protected, unprotected, payload, signature]` as decoded. */
export type Sign1Parts = readonly [CborValue, CborValue, CborValue, CborValue];

/**
 * Splits `bytes` into the parts of a tagged COSE_Sign1; calls `fail` (which throws the caller's
 * typed error) for bytes that are not strict CBOR or not a tagged four-element array.
 */
export function sign1Parts(
  bytes: Uint8Array,
  fail: (why: string, cause?: unknown) => never,
): Sign1Parts {
  let top: CborValue;
  try {
    top = decodeCbor(bytes);
  } catch (e) {
    fail('not strict CBOR', e);
  }
  if (
    !(top instanceof CborTag) ||
    top.tag !== COSE_SIGN1_TAG ||
    !Array.isArray(top.value) ||
    top.value.length !== 4
  ) {
    fail('not a tagged COSE_Sign1');
  }
  return top.value as unknown as Sign1Parts;
}
