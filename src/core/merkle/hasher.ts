/**
 * The log's one hashing contract (RFC 9162 §2.1.1): SHA-256 over parts, the leaf hash
 * `SHA-256(0x00 ‖ leaf)` and the interior node hash `SHA-256(0x01 ‖ left ‖ right)`. The core's
 * implementation is {@link nobleHasher} (@noble/hashes, runs in a browser); hosts may pass an
 * equal faster one built with {@link hasherFrom} (the node's is `src/node-fast/node-hasher.ts`).
 */
import { sha256 as nobleSha256Core } from '@noble/hashes/sha2.js';

/** Size in bytes of every hash in the log (SHA-256). */
export const HASH_SIZE = 32;

/** RFC 9162 §2.1.1 domain separation byte of leaf hashes. */
export const LEAF_PREFIX: Uint8Array = Uint8Array.of(0x00);
/** RFC 9162 §2.1.1 domain separation byte of interior node hashes. */
export const NODE_PREFIX: Uint8Array = Uint8Array.of(0x01);

/** SHA-256 over the concatenation of `parts` (FIPS 180-4). */
export type Sha256 = (...parts: Uint8Array[]) => Uint8Array;

/** How the log hashes: every implementation must return the same bytes as {@link nobleHasher}. */
export interface LogHasher {
  /** SHA-256 over the concatenation of `parts`. */
  sha256(...parts: Uint8Array[]): Uint8Array;
  /** `SHA-256(0x00 ‖ leaf)` — RFC 9162 §2.1.1. */
  leafHash(leaf: Uint8Array): Uint8Array;
  /** `SHA-256(0x01 ‖ left ‖ right)` — RFC 9162 §2.1.1; throws `RangeError` unless both are 32 bytes. */
  nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array;
}

/**
 * The {@link LogHasher} of a SHA-256 function: the prefixes and the child size check are the
 * core's, only the digest is the host's. The methods do not use `this`, so they may be passed on
 * their own.
 */
export function hasherFrom(sha256: Sha256): LogHasher {
  return {
    sha256,
    leafHash: (leaf) => sha256(LEAF_PREFIX, leaf),
    nodeHash: (left, right) => {
      if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
        throw new RangeError('nodeHash: children must be 32-byte hashes');
      }
      return sha256(NODE_PREFIX, left, right);
    },
  };
}

/** The core's SHA-256 over parts (@noble/hashes). */
export const nobleSha256: Sha256 = (...parts) => {
  if (parts.length === 1) return nobleSha256Core(parts[0]!);
  const h = nobleSha256Core.create();
  for (const p of parts) h.update(p);
  return h.digest();
};

/** The core's {@link LogHasher} (@noble/hashes): the default wherever a hasher is optional. */
export const nobleHasher: LogHasher = hasherFrom(nobleSha256);
