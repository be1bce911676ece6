/**
 * An Ed25519 signature that the cofactored verification equation (RFC 8032 §5.1.7, which the
 * core checks) accepts and the cofactorless one (OpenSSL's and BoringSSL's) refuses: its R
 * carries the order-2 point (0, −1). Made with the private key, as only a key holder can.
 */
import { randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes } from '../../src/core/bytes.ts';

const L = ed25519.Point.Fn.ORDER;

/** `n` as 32 little-endian bytes. */
export function le32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** The little-endian integer of `b`. */
export function leToBig(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}

/** The signature of `message` under `seed` with R + (0, −1) as its R (see the module comment). */
export function torsionSignature(seed: Uint8Array, message: Uint8Array): Uint8Array {
  const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(seed);
  const r = (leToBig(new Uint8Array(randomBytes(32))) % (L - 1n)) + 1n;
  const T = ed25519.Point.fromAffine({ x: 0n, y: ed25519.Point.Fp.ORDER - 1n });
  const R = ed25519.Point.BASE.multiply(r).add(T).toBytes();
  const k = leToBig(sha512(concatBytes(R, pointBytes, message))) % L;
  return concatBytes(R, le32((r + k * scalar) % L));
}
