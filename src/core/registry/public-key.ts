/**
 * Public keys of registered signers (docs/registry.md §Key types): the exact form a key
 * registration carries for each key type, its validation, and the normalisation of the forms
 * operators paste in (raw, SEC 1 compressed, DER SubjectPublicKeyInfo) to that one form.
 */
import { p256 } from '@noble/curves/nist.js';
import { bytesEqual } from '../bytes.ts';
import { assertValidPublicKey, CoseAlg } from '../cose/index.ts';
import { parseOcmfPublicKey, type OcmfPublicKey } from '../ocmf/index.ts';
import { invalidField } from './errors.ts';
import type { SignerKeyType } from './signer-types.ts';

/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4): SEQUENCE, id-Ed25519, BIT STRING. */
const ED25519_SPKI_PREFIX = Uint8Array.of(
  0x30,
  0x2a,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x03,
  0x21,
  0x00,
);
const ED25519_KEY_SIZE = 32;
const P256_UNCOMPRESSED_SIZE = 65;

/**
 * Checks that `publicKey` is in the exact form a registration carries for `keyType`, throwing
 * `INVALID_FIELD` (field `publicKey`) otherwise:
 * - `Ed25519`: 32 bytes, a canonical point encoding (RFC 8032 §5.1.3);
 * - `P-256`: 65 bytes, an uncompressed SEC 1 §2.3.3 point on the curve;
 * - `OCMF`: a strict DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) of a named OCMF curve
 *   (RFC 5480 §2.1.1), as parsed by the core's OCMF key parser.
 */
export function validateSignerPublicKey(keyType: SignerKeyType, publicKey: Uint8Array): void {
  if (!(publicKey instanceof Uint8Array)) invalidField('publicKey', 'not a byte string');
  switch (keyType) {
    case 'Ed25519':
      if (publicKey.length !== ED25519_KEY_SIZE || !isValidCoseKey(CoseAlg.EdDSA, publicKey)) {
        invalidField('publicKey', 'not a valid Ed25519 public key (32 bytes, RFC 8032 §5.1.3)');
      }
      return;
    case 'P-256':
      if (
        publicKey.length !== P256_UNCOMPRESSED_SIZE ||
        publicKey[0] !== 0x04 ||
        !isValidCoseKey(CoseAlg.ES256, publicKey)
      ) {
        invalidField('publicKey', 'not a valid uncompressed P-256 point (65 bytes, SEC 1 §2.3.3)');
      }
      return;
    case 'OCMF': {
      let spki: Uint8Array;
      try {
        spki = parseOcmfPublicKey(publicKey).spki;
      } catch (e) {
        invalidField('publicKey', `not an OCMF meter key: ${(e as Error).message}`);
      }
      if (!bytesEqual(spki, publicKey)) invalidField('publicKey', 'not a DER SubjectPublicKeyInfo');
      return;
    }
    default:
      invalidField('keyType', `unknown key type ${JSON.stringify(keyType)}`);
  }
}

function isValidCoseKey(alg: (typeof CoseAlg)[keyof typeof CoseAlg], key: Uint8Array): boolean {
  try {
    assertValidPublicKey(alg, key);
    return true;
  } catch {
    return false;
  }
}

/**
 * Brings a key given in any common form to the form {@link validateSignerPublicKey} accepts,
 * then validates it:
 * - `Ed25519`: 32 raw bytes, or a DER SubjectPublicKeyInfo with id-Ed25519 (RFC 8410 §4);
 * - `P-256`: 65 (uncompressed) or 33 (compressed) SEC 1 bytes, or a DER SubjectPublicKeyInfo of
 *   id-ecPublicKey with prime256v1 (RFC 5480 §2); the result is the uncompressed point;
 * - `OCMF`: the DER SubjectPublicKeyInfo, unchanged.
 * Throws `INVALID_FIELD` for anything else.
 */
export function normalizeSignerPublicKey(keyType: SignerKeyType, key: Uint8Array): Uint8Array {
  if (!(key instanceof Uint8Array)) throw new TypeError('normalizeSignerPublicKey: expected bytes');
  let out = key;
  if (keyType === 'Ed25519' && key.length === ED25519_SPKI_PREFIX.length + ED25519_KEY_SIZE) {
    if (bytesEqual(key.subarray(0, ED25519_SPKI_PREFIX.length), ED25519_SPKI_PREFIX)) {
      out = key.slice(ED25519_SPKI_PREFIX.length);
    }
  } else if (keyType === 'P-256') {
    let point: Uint8Array = key;
    if (key[0] === 0x30) {
      let parsed: OcmfPublicKey;
      try {
        parsed = parseOcmfPublicKey(key);
      } catch (e) {
        invalidField('publicKey', `not a P-256 SubjectPublicKeyInfo: ${(e as Error).message}`);
      }
      if (parsed.curve.name !== 'secp256r1') {
        invalidField('publicKey', `a ${parsed.curve.name} key is not a P-256 key`);
      }
      point = parsed.point;
    }
    if (point.length === 33) {
      try {
        out = p256.Point.fromBytes(point).toBytes(false);
      } catch {
        invalidField('publicKey', 'not a valid compressed P-256 point (33 bytes, SEC 1 §2.3.3)');
      }
    } else {
      out = point.slice();
    }
  }
  validateSignerPublicKey(keyType, out);
  return out === key ? key.slice() : out;
}
