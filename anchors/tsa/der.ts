/**
 * Decoding attacker-supplied ASN.1 with asn1js: the whole input must be one value in DER
 * (X.690 §10: definite, minimal lengths), within asn1js's resource limits for untrusted input.
 * Time-stamp tokens, replies and certificates are DER; accepting only DER leaves one encoding
 * per value, so no field of a token can be re-encoded without the change being seen.
 */
import * as asn1js from 'asn1js';
import { bytesEqual } from '../../src/core/bytes.ts';

/** Largest time-stamp token or reply the TSA anchor reads. */
export const MAX_TOKEN_BYTES = 256 * 1024;

/**
 * Decodes `bytes` as exactly one DER value. Throws `RangeError` when it cannot, when bytes
 * follow the value, or when the input is not the value's DER encoding (asn1js itself accepts
 * BER and tolerates some inconsistent lengths; re-encoding and comparing catches both).
 */
export function decodeDer(bytes: Uint8Array): asn1js.AsnType {
  if (bytes.length === 0) throw new RangeError('empty input');
  if (bytes.length > MAX_TOKEN_BYTES) throw new RangeError('input is larger than 256 KiB');
  const { offset, result } = asn1js.fromBER(bytes, { maxDepth: 32 });
  if (offset === -1) throw new RangeError(`undecodable ASN.1: ${result.error}`);
  if (offset !== bytes.length) throw new RangeError('trailing bytes after the ASN.1 value');
  if (!bytesEqual(new Uint8Array(result.toBER(false)), bytes)) {
    throw new RangeError('not DER: the value re-encodes differently');
  }
  return result;
}
