/**
 * Ed25519 note keys, signature type 0x01 (c2sp.org/signed-note §Ed25519 signatures, RFC 8032).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { ed25519VerifyStrict } from '../ed25519.ts';
import { NoteError } from './errors.ts';
import {
  SignatureType,
  decodeSignerKey,
  encodeSignerKey,
  encodeVerifierKey,
  isValidKeyName,
  keyId,
  withType,
} from './key-format.ts';
import type { NoteSigner, NoteVerifier } from './signer-types.ts';

/** Ed25519 public keys, seeds and signatures have fixed sizes (RFC 8032 §5.1.5). */
const ED25519_KEY_SIZE = 32;
const ED25519_SIG_SIZE = 64;

/** A decoded Ed25519 skey whose key ID has been checked. */
export interface Ed25519KeyPair {
  readonly name: string;
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
}

/**
 * Decodes an skey holding an Ed25519 seed. `types` lists the accepted type bytes; the key ID in
 * the skey must equal the ID computed over the public key with that same type byte.
 */
export function decodeEd25519SignerKey(
  skey: string,
  types: readonly number[] = [SignatureType.ed25519],
): Ed25519KeyPair {
  const k = decodeSignerKey(skey);
  if (!types.includes(k.type)) {
    throw new NoteError(
      'UNKNOWN_KEY_TYPE',
      `skey: unsupported signature type 0x${k.type.toString(16)}`,
    );
  }
  if (k.key.length !== ED25519_KEY_SIZE) {
    throw new NoteError('MALFORMED_KEY', 'skey: Ed25519 seed must be 32 bytes');
  }
  const seed = k.key.slice();
  const publicKey = ed25519.getPublicKey(seed);
  if (keyId(k.name, withType(k.type, publicKey)) !== k.keyId) {
    throw new NoteError('MALFORMED_KEY', 'skey: key ID does not match the key');
  }
  return { name: k.name, seed, publicKey };
}

/** Strict RFC 8032 verification (no ZIP-215 leniency), matching OpenSSL and Go. */
export function ed25519Verify(
  publicKey: Uint8Array,
  message: Uint8Array,
  sig: Uint8Array,
): boolean {
  if (sig.length !== ED25519_SIG_SIZE) return false;
  return ed25519VerifyStrict(sig, message, publicKey);
}

/** Ed25519 signature over `message` with a 32-byte seed (RFC 8032 §5.1.6). */
export function ed25519Sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  return ed25519.sign(message, seed);
}

/**
 * Verifier for an Ed25519 public key under `name` (signed-note §Ed25519 signatures). The key
 * must be a valid curve point.
 */
export function ed25519Verifier(name: string, publicKey: Uint8Array): NoteVerifier {
  if (!isValidKeyName(name)) throw new NoteError('MALFORMED_KEY', 'invalid key name');
  if (publicKey.length !== ED25519_KEY_SIZE || !ed25519.utils.isValidPublicKey(publicKey, false)) {
    throw new NoteError('MALFORMED_KEY', 'Ed25519 public key is not a valid 32-byte point');
  }
  const key = publicKey.slice();
  return {
    name,
    keyId: keyId(name, withType(SignatureType.ed25519, key)),
    verify: (message, sig) => ed25519Verify(key, message, sig),
  };
}

/**
 * Generates a fresh Ed25519 note key pair for `name` (signed-note §Verifier keys):
 * skey `PRIVATE+KEY+<name>+<keyid>+base64(0x01 ‖ seed)`, vkey `<name>+<keyid>+base64(0x01 ‖ pub)`.
 */
export function generateEd25519Key(name: string): { skey: string; vkey: string } {
  if (!isValidKeyName(name)) throw new NoteError('MALFORMED_KEY', 'invalid key name');
  const seed = ed25519.utils.randomSecretKey();
  const pub = withType(SignatureType.ed25519, ed25519.getPublicKey(seed));
  const id = keyId(name, pub);
  return {
    skey: encodeSignerKey(name, id, withType(SignatureType.ed25519, seed)),
    vkey: encodeVerifierKey(name, id, pub),
  };
}

/**
 * Note signer for an Ed25519 skey (type 0x01). Throws `NoteError` `MALFORMED_KEY` when the
 * skey is malformed or its key ID does not match the key.
 */
export function ed25519Signer(skey: string): NoteSigner {
  const { name, seed, publicKey } = decodeEd25519SignerKey(skey);
  return {
    name,
    keyId: keyId(name, withType(SignatureType.ed25519, publicKey)),
    sign: (message) => ed25519Sign(seed, message),
  };
}

/** The vkey matching an Ed25519 skey: `<name>+<keyid>+base64(0x01 ‖ pub)`. */
export function vkeyOf(skey: string): string {
  const { name, publicKey } = decodeEd25519SignerKey(skey);
  const pub = withType(SignatureType.ed25519, publicKey);
  return encodeVerifierKey(name, keyId(name, pub), pub);
}
