/**
 * Note signers and verifiers, and verifier-key parsing (c2sp.org/signed-note §Signatures and
 * §Signature types).
 */
import { cosignatureV1Verifier } from './cosignature.ts';
import { ecdsaKeyId, ecdsaP256Verifier } from './ecdsa-p256.ts';
import { ed25519Verifier } from './ed25519.ts';
import { NoteError } from './errors.ts';
import { SignatureType, decodeVerifierKey } from './key-format.ts';
import type { NoteVerifier } from './signer-types.ts';

export { ed25519Signer, generateEd25519Key, vkeyOf } from './ed25519.ts';
export { isValidKeyName, keyId } from './key-format.ts';
export type { NoteSigner, NoteVerifier } from './signer-types.ts';

/**
 * Parses a verifier key `<name>+<hex8 key ID>+<base64(type ‖ key)>` (signed-note §Verifier
 * keys), splitting on the first two `+` only. Supported types: 0x01 Ed25519 (32-byte key),
 * 0x02 ECDSA P-256 (DER SPKI; key ID = SHA-256(SPKI)[:4]), 0x04 Ed25519 cosignature/v1
 * (c2sp.org/tlog-cosignature). Strict: the key ID must match the key, the base64 must be
 * canonical, and the key must be valid. Throws `NoteError` `MALFORMED_KEY` or
 * `UNKNOWN_KEY_TYPE`.
 */
export function parseVerifierKey(vkey: string): NoteVerifier {
  const k = decodeVerifierKey(vkey);
  let verifier: NoteVerifier;
  switch (k.type) {
    case SignatureType.ed25519:
      verifier = ed25519Verifier(k.name, k.key);
      break;
    case SignatureType.ecdsaSha256:
      if (ecdsaKeyId(k.key) !== k.keyId) {
        throw new NoteError('MALFORMED_KEY', 'vkey: key ID does not match the key');
      }
      verifier = ecdsaP256Verifier(k.name, k.key);
      break;
    case SignatureType.cosignatureV1:
      verifier = cosignatureV1Verifier(k.name, k.key);
      break;
    default:
      throw new NoteError(
        'UNKNOWN_KEY_TYPE',
        `vkey: unsupported signature type 0x${k.type.toString(16)}`,
      );
  }
  if (verifier.keyId !== k.keyId) {
    throw new NoteError('MALFORMED_KEY', 'vkey: key ID does not match the key');
  }
  return verifier;
}
