/**
 * Argument checks shared by the Merkle functions. Sizes, indices and hashes may come from an
 * attacker (a checkpoint, a proof, an HTTP query), so failures are typed {@link MerkleError}s.
 */
import { HASH_SIZE } from './hash.ts';
import { MerkleError } from './errors.ts';

/** Throws `INVALID_SIZE` unless `n` is a non-negative safe integer (at most 2^53 − 1). */
export function requireSize(n: unknown, name = 'size'): asserts n is number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new MerkleError('INVALID_SIZE', `${name} must be a non-negative safe integer`, {
      evidence: { [name]: String(n) },
    });
  }
}

/** Throws `INVALID_INDEX` unless `index` is a non-negative safe integer below `size`. */
export function requireIndex(index: unknown, size: number): asserts index is number {
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new MerkleError('INVALID_INDEX', `index must be an integer in [0, ${size})`, {
      evidence: { index: String(index), size },
    });
  }
}

/** Throws `INVALID_HASH` unless `h` is a 32-byte `Uint8Array`. */
export function requireHash(h: unknown, name = 'hash'): asserts h is Uint8Array {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    throw new MerkleError('INVALID_HASH', `${name} must be a ${HASH_SIZE}-byte Uint8Array`, {
      evidence: { [name]: h instanceof Uint8Array ? `${h.length} bytes` : typeof h },
    });
  }
}

/** Throws `INVALID_HASH` unless `list` is an array of 32-byte hashes. */
export function requireHashList(list: unknown, name: string): asserts list is Uint8Array[] {
  if (!Array.isArray(list)) {
    throw new MerkleError('INVALID_HASH', `${name} must be an array of hashes`, {
      evidence: { [name]: typeof list },
    });
  }
  list.forEach((h, i) => requireHash(h, `${name}[${i}]`));
}
