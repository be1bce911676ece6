/**
 * Ed25519 signing with `node:crypto` (OpenSSL) for the server's hot paths (DESIGN.md decision
 * 9): checkpoints and receipt roots are signed once per batch. Ed25519 is deterministic
 * (RFC 8032 §5.1.6), so the signatures are byte-identical to the core's `@noble` signer's.
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import type { NoteSigner } from '../core/note/index.ts';

/** PKCS #8 prefix of an Ed25519 private key (RFC 8410 §7), followed by the 32-byte seed. */
const PKCS8_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

/** A `node:crypto` Ed25519 private key from a 32-byte seed (RFC 8410 PKCS #8). */
export function ed25519KeyObject(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes');
  const der = new Uint8Array(PKCS8_ED25519_PREFIX.length + 32);
  der.set(PKCS8_ED25519_PREFIX);
  der.set(seed, PKCS8_ED25519_PREFIX.length);
  return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
}

/** `signer` (an Ed25519 note signer for `seed`) signing through OpenSSL instead. */
export function opensslNoteSigner(signer: NoteSigner, seed: Uint8Array): NoteSigner {
  const key = ed25519KeyObject(seed);
  return {
    name: signer.name,
    keyId: signer.keyId,
    sign: (message) => {
      const s = sign(null, message, key);
      return new Uint8Array(s.buffer, s.byteOffset, s.length);
    },
  };
}
