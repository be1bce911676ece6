/**
 * RFC 9162 §2.1.1 hashing: leaf hash `SHA-256(0x00 ‖ d)`, interior node hash
 * `SHA-256(0x01 ‖ left ‖ right)`, empty tree `SHA-256("")`.
 */
import { sha256 } from '@noble/hashes/sha2.js';

/** Size in bytes of every hash in the log (SHA-256). */
export const HASH_SIZE = 32;

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/** MTH({}) = SHA-256() — RFC 9162 §2.1.1. */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

/** MTH({d}) = SHA-256(0x00 ‖ d) — RFC 9162 §2.1.1. */
export function leafHash(data: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + data.length);
  buf[0] = LEAF_PREFIX;
  buf.set(data, 1);
  return sha256(buf);
}

/** SHA-256(0x01 ‖ left ‖ right) — RFC 9162 §2.1.1. Both inputs must be 32 bytes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    throw new RangeError('nodeHash: children must be 32-byte hashes');
  }
  const buf = new Uint8Array(1 + 2 * HASH_SIZE);
  buf[0] = NODE_PREFIX;
  buf.set(left, 1);
  buf.set(right, 1 + HASH_SIZE);
  return sha256(buf);
}

/** SHA-256 of arbitrary bytes (re-exported so the core has one hash import). */
export function sha256Bytes(data: Uint8Array): Uint8Array {
  return sha256(data);
}
