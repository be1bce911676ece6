import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../../src/core/bytes.ts';
import {
  CompactRange,
  MerkleError,
  consistencyProof,
  inclusionProof,
  leafHash,
  nodeHash,
  nodeKey,
  rangeNodes,
  verifyConsistency,
  verifyInclusion,
  type NodeId,
} from '../../../src/core/merkle/index.ts';
import { buildTree, flipBit, mapReader, sameHashes } from './helpers.ts';

const MAX = 3000;
const leaves = Array.from({ length: MAX }, (_, i) => leafHash(utf8(`reading ${i}`)));
const { nodes, roots } = buildTree(leaves);

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof MerkleError) return e.code;
    throw e;
  }
  return undefined;
}

const sizeAndIndex = fc
  .integer({ min: 1, max: MAX })
  .chain((size) => fc.record({ size: fc.constant(size), index: fc.nat(size - 1) }));

const twoSizes = fc
  .tuple(fc.integer({ min: 0, max: MAX }), fc.integer({ min: 0, max: MAX }))
  .map(([a, b]) => ({ m: Math.min(a, b), n: Math.max(a, b) }));

describe('when a single bit of an inclusion check changes', () => {
  it('rejects any flipped bit in a proof hash, the leaf hash or the root', async () => {
    await fc.assert(
      fc.asyncProperty(sizeAndIndex, fc.nat(255), fc.nat(), async ({ size, index }, bit, pick) => {
        const proof = await inclusionProof(index, size, mapReader(nodes, size));
        const leaf = leaves[index]!;
        expect(
          codeOf(() => verifyInclusion(leaf, index, size, proof, roots[size]!)),
        ).toBeUndefined();
        if (proof.length > 0) {
          const k = pick % proof.length;
          const bad = proof.map((h, i) => (i === k ? flipBit(h, bit) : h));
          expect(codeOf(() => verifyInclusion(leaf, index, size, bad, roots[size]!))).toBe(
            'ROOT_MISMATCH',
          );
        }
        expect(
          codeOf(() => verifyInclusion(flipBit(leaf, bit), index, size, proof, roots[size]!)),
        ).toBe('ROOT_MISMATCH');
        expect(
          codeOf(() => verifyInclusion(leaf, index, size, proof, flipBit(roots[size]!, bit))),
        ).toBe('ROOT_MISMATCH');
      }),
      { numRuns: 300 },
    );
  });

  it('rejects any flipped bit of the index', async () => {
    await fc.assert(
      fc.asyncProperty(sizeAndIndex, fc.nat(52), async ({ size, index }, b) => {
        const proof = await inclusionProof(index, size, mapReader(nodes, size));
        const other = index < 2 ** 31 && b < 31 ? index ^ (1 << b) : index + 2 ** b;
        expect(
          codeOf(() => verifyInclusion(leaves[index]!, other, size, proof, roots[size]!)),
        ).toMatch(/^(ROOT_MISMATCH|WRONG_PROOF_SIZE|INVALID_INDEX)$/);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a proof checked against the checkpoint of another size, unless it is that size’s proof', async () => {
    await fc.assert(
      fc.asyncProperty(sizeAndIndex, fc.nat(12), async ({ size, index }, b) => {
        const other = size ^ (1 << b);
        fc.pre(other > index && other <= MAX);
        const proof = await inclusionProof(index, size, mapReader(nodes, size));
        const code = codeOf(() =>
          verifyInclusion(leaves[index]!, index, other, proof, roots[other]!),
        );
        if (code === undefined) {
          const real = await inclusionProof(index, other, mapReader(nodes, other));
          expect(sameHashes(proof, real)).toBe(true);
        } else {
          expect(code).toMatch(/^(ROOT_MISMATCH|WRONG_PROOF_SIZE)$/);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('binds the tree size through the checkpoint, not the proof (RFC 9162 §2.1.3.2)', async () => {
    // Leaf 0 has the same path shape in trees of 5 and 7 leaves, so the verifier reproduces the
    // size-5 root under either size: callers must take the size from the signed checkpoint.
    const proof = await inclusionProof(0, 5, mapReader(nodes, 5));
    expect(codeOf(() => verifyInclusion(leaves[0]!, 0, 7, proof, roots[5]!))).toBeUndefined();
    expect(codeOf(() => verifyInclusion(leaves[0]!, 0, 7, proof, roots[7]!))).toBe('ROOT_MISMATCH');
  });
});

describe('when a single bit of a consistency check changes', () => {
  it('rejects any flipped bit in a proof hash or either root', async () => {
    await fc.assert(
      fc.asyncProperty(
        twoSizes,
        fc.nat(255),
        fc.nat(),
        fc.boolean(),
        async ({ m, n }, bit, pick, first) => {
          const proof = await consistencyProof(m, n, mapReader(nodes, n));
          expect(
            codeOf(() => verifyConsistency(m, n, proof, roots[m]!, roots[n]!)),
          ).toBeUndefined();
          if (proof.length > 0) {
            const k = pick % proof.length;
            const bad = proof.map((h, i) => (i === k ? flipBit(h, bit) : h));
            expect(codeOf(() => verifyConsistency(m, n, bad, roots[m]!, roots[n]!))).toBe(
              'ROOT_MISMATCH',
            );
          }
          const r1 = first ? flipBit(roots[m]!, bit) : roots[m]!;
          const r2 = first ? roots[n]! : flipBit(roots[n]!, bit);
          const code = codeOf(() => verifyConsistency(m, n, proof, r1, r2));
          if (m === 0 && n > 0 && !first) {
            // The empty tree is a prefix of every tree: nothing binds root2.
            expect(code).toBeUndefined();
          } else {
            expect(code).toMatch(/^(ROOT_MISMATCH|INCONSISTENT_ROOTS)$/);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects a proof checked against the checkpoints of other sizes, unless it is their proof', async () => {
    await fc.assert(
      fc.asyncProperty(twoSizes, fc.nat(12), fc.boolean(), async ({ m, n }, b, first) => {
        const m2 = first ? m ^ (1 << b) : m;
        const n2 = first ? n : n ^ (1 << b);
        fc.pre(m2 <= n2 && n2 <= MAX);
        const proof = await consistencyProof(m, n, mapReader(nodes, n));
        const code = codeOf(() => verifyConsistency(m2, n2, proof, roots[m2]!, roots[n2]!));
        if (code === undefined) {
          const real = await consistencyProof(m2, n2, mapReader(nodes, n2));
          expect(sameHashes(proof, real)).toBe(true);
        } else {
          expect(code).toMatch(/^(ROOT_MISMATCH|WRONG_PROOF_SIZE)$/);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('when a log grows', () => {
  it('proves consistency between any two of its published sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 0, max: MAX }), { minLength: 2, maxLength: 8 }),
        async (raw) => {
          const sizes = [...raw].sort((a, b) => a - b);
          for (let i = 0; i < sizes.length; i++) {
            for (let j = i; j < sizes.length; j++) {
              const [m, n] = [sizes[i]!, sizes[j]!];
              const proof = await consistencyProof(m, n, mapReader(nodes, n));
              verifyConsistency(m, n, proof, roots[m]!, roots[n]!);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('when restoring a CompactRange from stored hashes', () => {
  it('round-trips and keeps appending like the original', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MAX - 64 }),
        fc.integer({ min: 1, max: 64 }),
        (size, more) => {
          const stored = rangeNodes(0, size).map((id) => nodes.get(nodeKey(id))!);
          const restored = CompactRange.fromHashes(size, stored);
          expect(restored.size).toBe(size);
          expect(restored.root()).toEqual(roots[size]);
          const again = CompactRange.fromHashes(restored.size, restored.hashes);
          expect(again.hashes).toEqual(restored.hashes);
          const seen: string[] = [];
          for (let i = size; i < size + more; i++) {
            again.append(leaves[i]!, (id, h) => {
              expect(h).toEqual(nodes.get(nodeKey(id)));
              seen.push(nodeKey(id));
            });
            expect(again.root()).toEqual(roots[i + 1]);
          }
          // Every node completed inside [size, size + more) was reported exactly once.
          const want = [...nodes.keys()].filter((k) => {
            const [level, index] = k.split('/').map(Number) as [number, number];
            const end = (index + 1) * 2 ** level;
            return end > size && end <= size + more;
          });
          expect([...seen].sort()).toEqual(want.sort());
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('when the tree is close to 2^53 leaves', () => {
  // With every leaf equal, every perfect subtree of height L has the same hash u[L], so proofs
  // for astronomically large trees can be built and checked exactly.
  const u: Uint8Array[] = [leafHash(utf8('same'))];
  for (let l = 1; l <= 54; l++) u.push(nodeHash(u[l - 1]!, u[l - 1]!));
  const bigReader = (size: number) => (ids: readonly NodeId[]) =>
    ids.map((id) => {
      expect((id.index + 1) * 2 ** id.level).toBeLessThanOrEqual(size);
      return u[id.level]!;
    });
  const bigRoot = (size: number) =>
    CompactRange.fromHashes(
      size,
      rangeNodes(0, size).map((id) => u[id.level]!),
    ).root();
  const bigSize = fc.oneof(
    fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    fc.integer({ min: Number.MAX_SAFE_INTEGER - 1000, max: Number.MAX_SAFE_INTEGER }),
    fc.nat(52).map((k) => 2 ** k),
  );

  it('builds and verifies inclusion proofs', async () => {
    await fc.assert(
      fc.asyncProperty(bigSize, fc.double({ min: 0, max: 1, noNaN: true }), async (size, f) => {
        const index = Math.min(size - 1, Math.floor(f * size));
        const proof = await inclusionProof(index, size, bigReader(size));
        verifyInclusion(u[0]!, index, size, proof, bigRoot(size));
        const extra = [...proof, u[0]!];
        expect(codeOf(() => verifyInclusion(u[0]!, index, size, extra, bigRoot(size)))).toBe(
          'WRONG_PROOF_SIZE',
        );
      }),
      { numRuns: 200 },
    );
  });

  it('builds and verifies consistency proofs', async () => {
    await fc.assert(
      fc.asyncProperty(bigSize, fc.double({ min: 0, max: 1, noNaN: true }), async (n, f) => {
        const m = Math.floor(f * n);
        const proof = await consistencyProof(m, n, bigReader(n));
        verifyConsistency(m, n, proof, bigRoot(m), bigRoot(n));
      }),
      { numRuns: 200 },
    );
  });

  it('appends up to the last safe size and then refuses', () => {
    const last = Number.MAX_SAFE_INTEGER;
    const range = CompactRange.fromHashes(
      last - 1,
      rangeNodes(0, last - 1).map((id) => u[id.level]!),
    );
    const visited: NodeId[] = [];
    range.append(u[0]!, (id) => visited.push(id));
    expect(range.size).toBe(last);
    expect(range.root()).toEqual(bigRoot(last));
    expect(visited[0]).toEqual({ level: 0, index: last - 1 });
    expect(codeOf(() => range.append(u[0]!))).toBe('INVALID_SIZE');
  });
});
