/**
 * The bundle multiproof (docs/bundle.md §Multiproof): one proof that a set of leaves sits in the
 * tree of a checkpoint. It walks the recursive decomposition of RFC 9162 §2.1.1 (split [a, b)
 * at a + the largest power of two < b − a); a subrange holding no disclosed leaf contributes one
 * hash, MTH(D[a:b]), in depth-first left-to-right order, and a disclosed leaf contributes the
 * leaf hash the verifier computes from the disclosed data. For one leaf it carries exactly the
 * hashes of the RFC 9162 §2.1.3.1 inclusion path, ordered by their position in the tree.
 */
import { nodeHash } from '../merkle/index.ts';
import { largestPowerOfTwoLessThan } from '../merkle/index.ts';
import { rangeNodes } from '../merkle/index.ts';
import type { NodeId, NodeReader } from '../merkle/index.ts';
import { EMPTY_ROOT } from '../merkle/index.ts';
import { BundleError } from './errors.ts';

/** A leaf range `[begin, end)`. */
export interface LeafRange {
  readonly begin: number;
  readonly end: number;
}

function checkIndices(indices: readonly number[], treeSize: number): void {
  if (!Number.isSafeInteger(treeSize) || treeSize < 0) {
    throw new RangeError('multiproof: tree size must be a non-negative safe integer');
  }
  indices.forEach((x, i) => {
    if (!Number.isSafeInteger(x) || x < 0 || x >= treeSize) {
      throw new RangeError(`multiproof: index ${x} is not below tree size ${treeSize}`);
    }
    if (i > 0 && x <= indices[i - 1]!) {
      throw new RangeError('multiproof: indices must be strictly increasing');
    }
  });
}

/** Position of the first of the sorted `indices` that is ≥ `x` (binary search). */
function firstAtOrAfter(indices: readonly number[], x: number): number {
  let lo = 0;
  let hi = indices.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (indices[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** True when some index of the sorted `indices` lies in [begin, end). */
function holds(indices: readonly number[], begin: number, end: number): boolean {
  const k = firstAtOrAfter(indices, begin);
  return k < indices.length && indices[k]! < end;
}

/**
 * The ranges whose MTH the multiproof of `indices` (strictly increasing, each below
 * `treeSize`) carries, in proof order. Throws `RangeError` for bad arguments.
 */
export function multiproofRanges(indices: readonly number[], treeSize: number): LeafRange[] {
  checkIndices(indices, treeSize);
  const out: LeafRange[] = [];
  const walk = (begin: number, end: number): void => {
    if (!holds(indices, begin, end)) {
      out.push({ begin, end });
      return;
    }
    if (end - begin === 1) return;
    const k = largestPowerOfTwoLessThan(end - begin);
    walk(begin, begin + k);
    walk(begin + k, end);
  };
  if (treeSize > 0) walk(0, treeSize);
  return out;
}

/**
 * Builds the multiproof of `indices` in the tree of `treeSize` leaves, reading perfect-subtree
 * hashes with `read` (a store or C2SP tlog-tiles): each carried range is cut into its perfect
 * subtrees (largest first) and folded right to left, as RFC 9162 §2.1.1 hashes a right edge.
 */
export async function buildMultiproof(
  indices: readonly number[],
  treeSize: number,
  read: NodeReader,
): Promise<Uint8Array[]> {
  const ranges = multiproofRanges(indices, treeSize);
  const parts = ranges.map((r) => rangeNodes(r.begin, r.end));
  const ids: NodeId[] = parts.flat();
  const hashes = ids.length === 0 ? [] : await read(ids);
  if (hashes.length !== ids.length) {
    throw new RangeError('multiproof: the node reader returned the wrong number of hashes');
  }
  let at = 0;
  return parts.map((p) => {
    const own = hashes.slice(at, at + p.length);
    at += p.length;
    let h = own[own.length - 1]!;
    for (let i = own.length - 2; i >= 0; i--) h = nodeHash(own[i]!, h);
    return h;
  });
}

/**
 * Recomputes the root of the tree of `treeSize` leaves from the disclosed leaves (index and
 * RFC 9162 leaf hash, strictly increasing indices below `treeSize`) and the multiproof
 * `hashes`, consuming them in proof order. Throws {@link BundleError} `PROOF_MISMATCH` when a
 * hash is missing or left over (or is not 32 bytes); the caller compares the root with the
 * checkpoint's. `hashNode` is RFC 9162 §2.1.1's node hash (a host may pass a faster equal one).
 */
export function rootFromMultiproof(
  treeSize: number,
  leaves: readonly { readonly index: number; readonly hash: Uint8Array }[],
  hashes: readonly Uint8Array[],
  hashNode: (left: Uint8Array, right: Uint8Array) => Uint8Array = nodeHash,
): Uint8Array {
  const indices = leaves.map((l) => l.index);
  checkIndices(indices, treeSize);
  if (treeSize === 0) {
    if (hashes.length !== 0) {
      throw new BundleError('PROOF_MISMATCH', 'an empty tree has no proof hashes');
    }
    return EMPTY_ROOT;
  }
  let next = 0;
  const take = (): Uint8Array => {
    const h = hashes[next++];
    if (h === undefined) {
      throw new BundleError('PROOF_MISMATCH', 'the multiproof has too few hashes', {
        evidence: { got: hashes.length },
      });
    }
    if (h.length !== 32) {
      throw new BundleError('PROOF_MISMATCH', `proof hash ${next - 1} is not 32 bytes`);
    }
    return h;
  };
  const walk = (begin: number, end: number): Uint8Array => {
    const k0 = firstAtOrAfter(indices, begin);
    if (k0 >= indices.length || indices[k0]! >= end) return take();
    if (end - begin === 1) return leaves[k0]!.hash;
    const k = largestPowerOfTwoLessThan(end - begin);
    const left = walk(begin, begin + k);
    return hashNode(left, walk(begin + k, end));
  };
  const root = walk(0, treeSize);
  if (next !== hashes.length) {
    throw new BundleError('PROOF_MISMATCH', 'the multiproof has hashes left over', {
      evidence: { used: next, got: hashes.length },
    });
  }
  return root;
}
