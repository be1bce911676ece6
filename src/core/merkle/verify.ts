/**
 * Verifying RFC 9162 §2.1.3.2 inclusion proofs and §2.1.4.2 consistency proofs, as in
 * transparency-dev/merkle `proof/verify.go`. Every failure is a {@link MerkleError} carrying
 * the evidence.
 */
import { bytesEqual, toHex } from '../bytes.ts';
import { bitLength, isPowerOfTwo, popcount, shiftRight, trailingZeros, xor } from './bit-math.ts';
import { requireHash, requireHashList, requireIndex, requireSize } from './checks.ts';
import { MerkleError } from './errors.ts';
import { EMPTY_ROOT, nodeHash } from './hash.ts';

/** Sizes of the lower (below the right border) and upper parts of an inclusion proof. */
function decompose(index: number, size: number): { inner: number; border: number } {
  const inner = bitLength(xor(index, size - 1));
  return { inner, border: popcount(shiftRight(index, inner)) };
}

function bit(n: number, i: number): number {
  return shiftRight(n, i) % 2;
}

function chainInner(seed: Uint8Array, proof: readonly Uint8Array[], index: number): Uint8Array {
  let h = seed;
  proof.forEach((p, i) => {
    h = bit(index, i) === 0 ? nodeHash(h, p) : nodeHash(p, h);
  });
  return h;
}

// Like chainInner, but only the hashes to the left of the path count: this yields the hash of
// the same subtree as it was in the older, smaller tree.
function chainInnerRight(
  seed: Uint8Array,
  proof: readonly Uint8Array[],
  index: number,
): Uint8Array {
  let h = seed;
  proof.forEach((p, i) => {
    if (bit(index, i) === 1) h = nodeHash(p, h);
  });
  return h;
}

function chainBorderRight(seed: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  let h = seed;
  for (const p of proof) h = nodeHash(p, h);
  return h;
}

function wrongProofSize(expected: number, proof: readonly Uint8Array[], extra: object): never {
  throw new MerkleError(
    'WRONG_PROOF_SIZE',
    `proof has ${proof.length} hashes, expected ${expected}`,
    {
      evidence: { ...extra, expected, got: proof.length, proof: proof.map(toHex) },
    },
  );
}

/**
 * The root that an RFC 9162 §2.1.3.2 inclusion proof leads to, for leaf hash `leafHash` at
 * `index` in a tree of `size` leaves. Throws `INVALID_SIZE`, `INVALID_INDEX` (`index ≥ size`),
 * `INVALID_HASH` or `WRONG_PROOF_SIZE`.
 */
export function rootFromInclusionProof(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
): Uint8Array {
  requireSize(size);
  requireIndex(index, size);
  requireHash(leafHash, 'leafHash');
  requireHashList(proof, 'proof');
  const { inner, border } = decompose(index, size);
  if (proof.length !== inner + border) wrongProofSize(inner + border, proof, { index, size });
  const h = chainInner(leafHash, proof.slice(0, inner), index);
  return chainBorderRight(h, proof.slice(inner));
}

/**
 * Verifies an RFC 9162 §2.1.3.2 inclusion proof of `leafHash` at `index` against the root of
 * the tree of `size` leaves. Throws `ROOT_MISMATCH` (with both roots and the proof) when it
 * does not hold, and the errors of {@link rootFromInclusionProof} for malformed input.
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  requireHash(root, 'root');
  const computed = rootFromInclusionProof(leafHash, index, size, proof);
  if (!bytesEqual(computed, root)) {
    throw new MerkleError('ROOT_MISMATCH', 'inclusion proof does not lead to the expected root', {
      evidence: {
        index,
        size,
        leafHash: toHex(leafHash),
        expectedRoot: toHex(root),
        computedRoot: toHex(computed),
        proof: proof.map(toHex),
      },
    });
  }
}

/**
 * The root of the tree of `size2` leaves that an RFC 9162 §2.1.4.2 consistency proof leads to,
 * after checking that the same proof reproduces `root1` for `size1`.
 *
 * `size1 = 0` needs an empty proof and `root1 = EMPTY_ROOT` (C2SP tlog-witness); unless
 * `size2` is 0 too it yields nothing to check `root2` against, so it returns `undefined`.
 * `size1 = size2` needs an empty proof and yields `root1`. Throws `INVALID_SIZE`,
 * `INVALID_HASH`, `WRONG_PROOF_SIZE`, or `ROOT_MISMATCH` when the proof does not reproduce
 * `root1`.
 */
export function rootFromConsistencyProof(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
): Uint8Array | undefined {
  requireSize(size1, 'size1');
  requireSize(size2, 'size2');
  if (size2 < size1) {
    throw new MerkleError('INVALID_SIZE', 'size2 is smaller than size1', {
      evidence: { size1, size2 },
    });
  }
  requireHash(root1, 'root1');
  requireHashList(proof, 'proof');
  const sizes = { size1, size2 };
  if (size1 === 0) {
    if (proof.length !== 0) wrongProofSize(0, proof, sizes);
    if (!bytesEqual(root1, EMPTY_ROOT)) {
      throw new MerkleError('ROOT_MISMATCH', 'the root of the empty tree is SHA-256("")', {
        evidence: {
          ...sizes,
          which: 'root1',
          expectedRoot: toHex(EMPTY_ROOT),
          computedRoot: toHex(root1),
        },
      });
    }
    // Every tree extends the empty one; only another empty tree has a root to compare.
    return size2 === 0 ? root1 : undefined;
  }
  if (size1 === size2) {
    if (proof.length !== 0) wrongProofSize(0, proof, sizes);
    return root1;
  }

  const decomposed = decompose(size1 - 1, size2);
  const shift = trailingZeros(size1);
  const inner = decomposed.inner - shift;
  // The proof starts with the hash of the largest perfect subtree ending at size1, unless that
  // subtree is the whole old tree, whose root the verifier already has.
  const seedKnown = isPowerOfTwo(size1);
  const start = seedKnown ? 0 : 1;
  const expected = start + inner + decomposed.border;
  if (proof.length !== expected) wrongProofSize(expected, proof, sizes);
  const seed = seedKnown ? root1 : proof[0]!;
  const rest = proof.slice(start);
  const mask = shiftRight(size1 - 1, shift);

  const hash1 = chainBorderRight(
    chainInnerRight(seed, rest.slice(0, inner), mask),
    rest.slice(inner),
  );
  if (!bytesEqual(hash1, root1)) {
    throw new MerkleError('ROOT_MISMATCH', 'consistency proof does not reproduce the old root', {
      evidence: {
        ...sizes,
        which: 'root1',
        expectedRoot: toHex(root1),
        computedRoot: toHex(hash1),
        proof: proof.map(toHex),
      },
    });
  }
  return chainBorderRight(chainInner(seed, rest.slice(0, inner), mask), rest.slice(inner));
}

/**
 * Verifies an RFC 9162 §2.1.4.2 consistency proof between the tree of `size1` leaves with root
 * `root1` and the tree of `size2` leaves with root `root2`.
 *
 * `size1 = 0` is valid only with an empty proof (C2SP tlog-witness) and `root1 = EMPTY_ROOT`;
 * `size1 = size2` needs an empty proof and equal roots, else `INCONSISTENT_ROOTS` (two different
 * trees of one size). A proof that fails is `ROOT_MISMATCH` (evidence names `root1` or `root2`);
 * malformed input is `INVALID_SIZE`, `INVALID_HASH` or `WRONG_PROOF_SIZE`.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  requireHash(root2, 'root2');
  const computed = rootFromConsistencyProof(size1, size2, proof, root1);
  if (computed === undefined) return;
  if (bytesEqual(computed, root2)) return;
  if (size1 === size2) {
    throw new MerkleError('INCONSISTENT_ROOTS', `two different roots for tree size ${size1}`, {
      evidence: { size1, size2, root1: toHex(root1), root2: toHex(root2) },
    });
  }
  throw new MerkleError('ROOT_MISMATCH', 'consistency proof does not lead to the new root', {
    evidence: {
      size1,
      size2,
      which: 'root2',
      expectedRoot: toHex(root2),
      computedRoot: toHex(computed),
      root1: toHex(root1),
      proof: proof.map(toHex),
    },
  });
}
