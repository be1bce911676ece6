/**
 * The Merkle Tree Hash of RFC 9162 §2.1.1 over a whole list of leaf hashes.
 */
import { bitLength } from './bit-math.ts';
import { requireHashList, requireSize } from './checks.ts';
import { CompactRange } from './compact-range.ts';
import { MerkleError } from './errors.ts';

/**
 * MTH(D[0:n]) of RFC 9162 §2.1.1, given the leaf hashes `SHA-256(0x00 ‖ d)` of the entries.
 * Returns `EMPTY_ROOT` (SHA-256 of the empty string) for an empty list.
 */
export function rootFromLeafHashes(leafHashes: readonly Uint8Array[]): Uint8Array {
  requireHashList(leafHashes, 'leafHashes');
  const range = CompactRange.empty();
  for (const h of leafHashes) range.append(h);
  return range.root();
}

/**
 * The largest power of two strictly smaller than `n` (RFC 9162 §2.1.1's `k`), for `n ≥ 2`.
 * Throws `INVALID_SIZE` otherwise.
 */
export function largestPowerOfTwoLessThan(n: number): number {
  requireSize(n, 'n');
  if (n < 2) {
    throw new MerkleError('INVALID_SIZE', 'n must be at least 2', { evidence: { n } });
  }
  return 2 ** (bitLength(n - 1) - 1);
}
