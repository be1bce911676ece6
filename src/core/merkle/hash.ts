/**
 * RFC 9162 §2.1.1 hashing as plain functions over the core's {@link nobleHasher} (the contract
 * and the prefixes are in `hasher.ts`): leaf hash `SHA-256(0x00 ‖ d)`, interior node hash
 * `SHA-256(0x01 ‖ left ‖ right)`, empty tree `SHA-256("")`.
 */
import { HASH_SIZE, nobleHasher } from './hasher.ts';

export { HASH_SIZE };

/** MTH({}) = SHA-256() — RFC 9162 §2.1.1. */
export const EMPTY_ROOT: Uint8Array = nobleHasher.sha256(new Uint8Array(0));

/** MTH({d}) = SHA-256(0x00 ‖ d) — RFC 9162 §2.1.1 (`nobleHasher.leafHash`). */
export const leafHash: (data: Uint8Array) => Uint8Array = nobleHasher.leafHash;

/**
 * SHA-256(0x01 ‖ left ‖ right) — RFC 9162 §2.1.1 (`nobleHasher.nodeHash`). Both inputs must be
 * 32 bytes.
 */
export const nodeHash: (left: Uint8Array, right: Uint8Array) => Uint8Array = nobleHasher.nodeHash;

/** SHA-256 of arbitrary bytes (`nobleHasher.sha256` of one part). */
export function sha256Bytes(data: Uint8Array): Uint8Array {
  return nobleHasher.sha256(data);
}
