/**
 * ECDSA signatures between the two encodings verifiers meet: the DER `ECDSA-Sig-Value` of OCMF
 * records (RFC 3279 §2.2.3, SEC 1 §C.5) and the fixed-length `r ‖ s` of COSE (RFC 9053 §2.1)
 * and WebCrypto (W3C Web Cryptography API §23.4 "ECDSA": IEEE P1363 form, each integer
 * big-endian and left-padded to the size of the curve's order).
 */
import type { OcmfCurve } from './curves.ts';
import { parseDerEcdsaSignature } from './signature.ts';

function bigintBytes(v: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n) throw new RangeError(`integer does not fit in ${length} bytes`);
  return out;
}

/**
 * The `r ‖ s` form of `(r, s)` on `curve`: two big-endian integers of `curve.byteLength`
 * bytes each (IEEE P1363, as WebCrypto verifies). Throws `RangeError` unless
 * 1 ≤ r, s < n (SEC 1 §4.1.4 step 1).
 */
export function ecdsaRawSignature(curve: OcmfCurve, r: bigint, s: bigint): Uint8Array {
  if (r < 1n || r >= curve.order || s < 1n || s >= curve.order) {
    throw new RangeError(`r or s outside [1, n-1] for ${curve.name}`);
  }
  const out = new Uint8Array(2 * curve.byteLength);
  out.set(bigintBytes(r, curve.byteLength), 0);
  out.set(bigintBytes(s, curve.byteLength), curve.byteLength);
  return out;
}

/**
 * The `r ‖ s` form of a DER ECDSA signature on `curve`, read as strictly as the OCMF verifier
 * reads it ({@link parseDerEcdsaSignature}: minimal DER, no trailing bytes, 1 ≤ r, s < n), so
 * that a signature WebCrypto is given is one the pure core would check too. Throws
 * `OcmfError` `MALFORMED_SIGNATURE`.
 */
export function derToRawEcdsaSignature(der: Uint8Array, curve: OcmfCurve): Uint8Array {
  const { r, s } = parseDerEcdsaSignature(der, curve);
  return ecdsaRawSignature(curve, r, s);
}
