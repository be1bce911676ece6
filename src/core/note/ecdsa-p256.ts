/**
 * ECDSA P-256 note verifier keys, signature type 0x02 (c2sp.org/signed-note §Signature types),
 * as used by Rekor and transparency-dev/witness: the key is a DER SubjectPublicKeyInfo
 * (RFC 5480), the key ID is SHA-256(DER SPKI)[:4], and signatures are ASN.1 DER ECDSA
 * signatures over SHA-256 of the note text.
 */
import { p256 } from '@noble/curves/nist.js';
import { bytesEqual } from '../bytes.ts';
import { sha256Bytes } from '../merkle/index.ts';
import { NoteError } from './errors.ts';
import { isValidKeyName, readU32be } from './key-format.ts';
import type { NoteVerifier } from './signer-types.ts';

// SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING (65 bytes, 0 unused bits) }.
const P256_SPKI_PREFIX = new Uint8Array([
  0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
  0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
]);
const P256_POINT_SIZE = 65;

/** Key ID of a type 0x02 key: SHA-256(DER SPKI)[:4], big-endian (signed-note §Signature types). */
export function ecdsaKeyId(spki: Uint8Array): number {
  return readU32be(sha256Bytes(spki));
}

/**
 * Verifier for a P-256 public key in DER SPKI form. Only uncompressed points on P-256 are
 * accepted; other curves (allowed by the spec, but not recommended) are refused with
 * `UNKNOWN_KEY_TYPE`.
 */
export function ecdsaP256Verifier(name: string, spki: Uint8Array): NoteVerifier {
  if (!isValidKeyName(name)) throw new NoteError('MALFORMED_KEY', 'invalid key name');
  const prefix = spki.subarray(0, P256_SPKI_PREFIX.length);
  if (
    spki.length !== P256_SPKI_PREFIX.length + P256_POINT_SIZE ||
    !bytesEqual(prefix, P256_SPKI_PREFIX)
  ) {
    throw new NoteError('UNKNOWN_KEY_TYPE', 'ECDSA key is not an uncompressed P-256 SPKI');
  }
  const point = spki.slice(P256_SPKI_PREFIX.length);
  try {
    p256.Point.fromBytes(point).assertValidity();
  } catch (cause) {
    throw new NoteError('MALFORMED_KEY', 'ECDSA key is not a valid P-256 point', { cause });
  }
  return {
    name,
    keyId: ecdsaKeyId(spki),
    verify(message, sig) {
      try {
        // Go's ecdsa.VerifyASN1 accepts high-S signatures, so this must too.
        return p256.verify(sig, message, point, { format: 'der', lowS: false, prehash: true });
      } catch {
        return false;
      }
    },
  };
}
