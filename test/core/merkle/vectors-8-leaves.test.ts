import { describe, expect, it } from 'vitest';
import { fromBase64, fromHex, toHex } from '../../../src/core/bytes.ts';
import {
  CompactRange,
  MerkleError,
  consistencyProof,
  inclusionProof,
  leafHash,
  nodeKey,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/core/merkle/index.ts';
import probes from '../../vectors/rfc6962-probes.json' with { type: 'json' };
import vectors from '../../vectors/rfc6962-8-leaves.json' with { type: 'json' };
import { buildTree, flipBit, hexList, mapReader } from './helpers.ts';

// Section B: the classic 8-leaf tree (transparency-dev/merkle testonly/constants.go).
const leaves = vectors.leaf_hashes.map(fromHex);
const roots = Object.fromEntries(Object.entries(vectors.roots).map(([n, h]) => [n, fromHex(h)]));
const root = (n: number): Uint8Array => roots[String(n)]!;
const { nodes } = buildTree(leaves);

function table(t: Record<string, string[]>): { a: number; n: number; proof: Uint8Array[] }[] {
  return Object.entries(t).map(([key, proof]) => {
    const [a, n] = key.split(',').map(Number) as [number, number];
    return { a, n, proof: proof.map(fromHex) };
  });
}
const inclusion = table(vectors.inclusion);
const consistency = table(vectors.consistency);

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof MerkleError ? e.code : `untyped: ${String(e)}`;
  }
  return undefined;
}

describe('when building the 8-leaf tree', () => {
  it('hashes the leaf inputs to the published leaf hashes', () => {
    expect(vectors.leaf_inputs_hex.map((d) => toHex(leafHash(fromHex(d))))).toEqual(
      vectors.leaf_hashes,
    );
  });

  it('computes the published roots for sizes 0..8', () => {
    const range = CompactRange.empty();
    for (let n = 0; n <= 8; n++) {
      expect(toHex(rootFromLeafHashes(leaves.slice(0, n)))).toBe(vectors.roots[String(n) as '0']);
      expect(toHex(range.root())).toBe(toHex(root(n)));
      if (n < 8) range.append(leaves[n]!);
    }
  });

  it('reports the published internal node hashes through the visitor', () => {
    const expected: Record<string, string> = {
      '1/0': 'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
      '1/1': '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '1/2': '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      '1/3': 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      '2/0': 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      '2/1': '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
      '3/0': vectors.roots['8'],
    };
    for (const [key, hex] of Object.entries(expected)) expect(toHex(nodes.get(key)!)).toBe(hex);
    for (let i = 0; i < 8; i++)
      expect(toHex(nodes.get(nodeKey({ level: 0, index: i }))!)).toBe(vectors.leaf_hashes[i]);
    // 8 leaves + 4 + 2 + 1 interior nodes, nothing else.
    expect(nodes.size).toBe(15);
  });
});

describe('when proving inclusion in the 8-leaf tree', () => {
  it('has all 36 (index, size) pairs', () => {
    expect(inclusion).toHaveLength(36);
  });

  it.each(inclusion)('generates the proof of leaf $a in size $n', async ({ a, n, proof }) => {
    const got = await inclusionProof(a, n, mapReader(nodes, n));
    expect(hexList(got)).toEqual(hexList(proof));
  });

  it.each(inclusion)('verifies the proof of leaf $a in size $n', ({ a, n, proof }) => {
    expect(() => verifyInclusion(leaves[a]!, a, n, proof, root(n))).not.toThrow();
  });

  it.each(inclusion.filter((v) => v.proof.length > 0))(
    'rejects every bit flip, a wrong index, an extra and a missing hash for leaf $a in size $n',
    ({ a, n, proof }) => {
      for (let k = 0; k < proof.length; k++) {
        for (const bit of [0, 7, 100, 255]) {
          const bad = proof.map((h, i) => (i === k ? flipBit(h, bit) : h));
          expect(codeOf(() => verifyInclusion(leaves[a]!, a, n, bad, root(n)))).toBe(
            'ROOT_MISMATCH',
          );
        }
      }
      expect(codeOf(() => verifyInclusion(leaves[a]!, a ^ 1, n, proof, root(n)))).toMatch(
        /^(ROOT_MISMATCH|WRONG_PROOF_SIZE|INVALID_INDEX)$/,
      );
      expect(codeOf(() => verifyInclusion(leaves[a]!, a, n, [...proof, root(n)], root(n)))).toBe(
        'WRONG_PROOF_SIZE',
      );
      expect(codeOf(() => verifyInclusion(leaves[a]!, a, n, proof.slice(1), root(n)))).toBe(
        'WRONG_PROOF_SIZE',
      );
      expect(codeOf(() => verifyInclusion(leaves[a]!, a, n, proof, flipBit(root(n), 3)))).toBe(
        'ROOT_MISMATCH',
      );
    },
  );
});

describe('when proving consistency in the 8-leaf tree', () => {
  it('has all 36 (size1, size2) pairs with 0 < size1 ≤ size2 ≤ 8', () => {
    expect(consistency).toHaveLength(36);
  });

  it.each(consistency)('generates the proof from $a to $n', async ({ a, n, proof }) => {
    const got = await consistencyProof(a, n, mapReader(nodes, n));
    expect(hexList(got)).toEqual(hexList(proof));
  });

  it.each(consistency)('verifies the proof from $a to $n', ({ a, n, proof }) => {
    expect(() => verifyConsistency(a, n, proof, root(a), root(n))).not.toThrow();
  });

  it.each(consistency.filter((v) => v.proof.length > 0))(
    'rejects bit flips, swapped roots, an extra and a missing hash from $a to $n',
    ({ a, n, proof }) => {
      for (let k = 0; k < proof.length; k++) {
        const bad = proof.map((h, i) => (i === k ? flipBit(h, 5) : h));
        expect(codeOf(() => verifyConsistency(a, n, bad, root(a), root(n)))).toBe('ROOT_MISMATCH');
      }
      expect(codeOf(() => verifyConsistency(a, n, proof, root(n), root(a)))).toBe('ROOT_MISMATCH');
      expect(codeOf(() => verifyConsistency(a, n, [...proof, root(n)], root(a), root(n)))).toBe(
        'WRONG_PROOF_SIZE',
      );
      expect(codeOf(() => verifyConsistency(a, n, proof.slice(0, -1), root(a), root(n)))).toBe(
        'WRONG_PROOF_SIZE',
      );
      expect(codeOf(() => verifyConsistency(a, n, proof, root(a), flipBit(root(n), 0)))).toBe(
        'ROOT_MISMATCH',
      );
      expect(codeOf(() => verifyConsistency(a, n, proof, flipBit(root(a), 0), root(n)))).toBe(
        'ROOT_MISMATCH',
      );
    },
  );

  it('accepts an empty proof from size 0 (C2SP tlog-witness) and nothing else', async () => {
    for (let n = 0; n <= 8; n++) {
      expect(await consistencyProof(0, n, mapReader(nodes, n))).toEqual([]);
      expect(() => verifyConsistency(0, n, [], root(0), root(n))).not.toThrow();
      expect(codeOf(() => verifyConsistency(0, n, [root(n)], root(0), root(n)))).toBe(
        'WRONG_PROOF_SIZE',
      );
    }
    expect(codeOf(() => verifyConsistency(0, 3, [], root(1), root(3)))).toBe('ROOT_MISMATCH');
  });

  it('rejects two different roots for one size as INCONSISTENT_ROOTS', () => {
    expect(codeOf(() => verifyConsistency(5, 5, [], root(5), root(6)))).toBe('INCONSISTENT_ROOTS');
    expect(codeOf(() => verifyConsistency(5, 5, [root(5)], root(5), root(5)))).toBe(
      'WRONG_PROOF_SIZE',
    );
  });
});

describe('when running the published transparency-dev/merkle probes', () => {
  it.each(probes.inclusion)('inclusion: $desc', (p) => {
    const run = () => {
      verifyInclusion(
        fromBase64(p.leafHash),
        p.leafIdx,
        p.treeSize,
        p.proof.map(fromBase64),
        fromBase64(p.root),
      );
    };
    if (p.wantErr) expect(run).toThrow(MerkleError);
    else expect(run).not.toThrow();
  });

  it.each(probes.consistency)('consistency: $desc', (p) => {
    const run = () => {
      verifyConsistency(
        p.size1,
        p.size2,
        p.proof.map(fromBase64),
        fromBase64(p.root1),
        fromBase64(p.root2),
      );
    };
    if (p.wantErr) expect(run).toThrow(MerkleError);
    else expect(run).not.toThrow();
  });
});
