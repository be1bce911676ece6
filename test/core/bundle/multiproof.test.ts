import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BundleError,
  buildMultiproof,
  multiproofRanges,
  rootFromMultiproof,
} from '../../../src/core/bundle/index.ts';
import { toHex } from '../../../src/core/bytes.ts';
import { inclusionProof, type NodeId } from '../../../src/core/merkle/index.ts';
import { ReferenceTree, refLeafHash } from '../merkle/rfc6962-reference.ts';

function leafHashes(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => refLeafHash(Uint8Array.of(i >> 8, i & 0xff, 7)));
}

function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The multiproof straight from its definition, hashed by the naive reference. */
function naiveProof(
  t: ReferenceTree,
  set: ReadonlySet<number>,
  a: number,
  b: number,
): Uint8Array[] {
  let any = false;
  for (let i = a; i < b; i++) if (set.has(i)) any = true;
  if (!any) return [t.mth(a, b)];
  if (b - a === 1) return [];
  const k = split(b - a);
  return [...naiveProof(t, set, a, a + k), ...naiveProof(t, set, a + k, b)];
}

function reader(t: ReferenceTree) {
  return (ids: readonly NodeId[]) =>
    ids.map((id) => t.mth(id.index * 2 ** id.level, (id.index + 1) * 2 ** id.level));
}

async function check(n: number, indices: number[]): Promise<void> {
  const leaves = leafHashes(n);
  const t = new ReferenceTree(leaves);
  const hashes = await buildMultiproof(indices, n, reader(t));
  expect(hashes).toEqual(naiveProof(t, new Set(indices), 0, n));
  expect(hashes.length).toBe(multiproofRanges(indices, n).length);
  const disclosed = indices.map((index) => ({ index, hash: leaves[index]! }));
  expect(rootFromMultiproof(n, disclosed, hashes)).toEqual(t.mth(0, n));
}

describe('when proving several leaves at once', () => {
  it('matches the naive definition for every subset of trees up to 9 leaves', async () => {
    for (let n = 1; n <= 9; n++) {
      for (let mask = 1; mask < 2 ** n; mask++) {
        const indices = [...Array(n).keys()].filter((i) => mask & (2 ** i));
        await check(n, indices);
      }
    }
  });

  it('matches the naive definition for random subsets of trees up to 300 leaves', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: 300 })
          .chain((n) =>
            fc.tuple(
              fc.constant(n),
              fc.uniqueArray(fc.nat(n - 1), { minLength: 1, maxLength: 40 }),
            ),
          ),
        async ([n, raw]) =>
          check(
            n,
            [...raw].sort((a, b) => a - b),
          ),
      ),
      { numRuns: 300 },
    );
  });

  it('carries the hashes of the RFC 9162 inclusion path, in tree order, for one leaf', async () => {
    for (const n of [1, 2, 3, 5, 8, 13, 64, 100, 257]) {
      const t = new ReferenceTree(leafHashes(n));
      for (let m = 0; m < n; m += Math.max(1, Math.floor(n / 7))) {
        const hashes = await buildMultiproof([m], n, reader(t));
        const path = await inclusionProof(m, n, reader(t));
        expect(path).toEqual(t.path(m, 0, n));
        expect(new Set(hashes.map(toHex))).toEqual(new Set(path.map(toHex)));
        expect(hashes.length).toBe(path.length);
      }
    }
  });
});

describe('when a multiproof is tampered with', () => {
  const n = 77;
  const leaves = leafHashes(n);
  const t = new ReferenceTree(leaves);
  const indices = [3, 40, 41, 76];
  const disclosed = indices.map((index) => ({ index, hash: leaves[index]! }));

  it('rejects a missing hash and a left-over hash', async () => {
    const hashes = await buildMultiproof(indices, n, reader(t));
    expect(() => rootFromMultiproof(n, disclosed, hashes.slice(1))).toThrow(BundleError);
    expect(() => rootFromMultiproof(n, disclosed, [...hashes, hashes[0]!])).toThrow(/left over/);
  });

  it('leads to another root for a changed leaf, hash or index', async () => {
    const hashes = await buildMultiproof(indices, n, reader(t));
    const root = t.mth(0, n);
    const otherLeaf = disclosed.map((d, i) => (i === 1 ? { ...d, hash: leaves[5]! } : d));
    expect(rootFromMultiproof(n, otherLeaf, hashes)).not.toEqual(root);
    const moved = disclosed.map((d, i) => (i === 0 ? { ...d, index: 2 } : d));
    expect(rootFromMultiproof(n, moved, hashes)).not.toEqual(root);
    const swapped = [...hashes];
    [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!];
    expect(rootFromMultiproof(n, disclosed, swapped)).not.toEqual(root);
  });

  it('rejects indices out of order or beyond the tree', () => {
    expect(() => multiproofRanges([5, 3], n)).toThrow(RangeError);
    expect(() => multiproofRanges([n], n)).toThrow(RangeError);
  });
});
