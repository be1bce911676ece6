import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../../src/core/bytes.ts';
import {
  CompactRange,
  EMPTY_ROOT,
  MerkleError,
  largestPowerOfTwoLessThan,
  leafHash,
  nodeKey,
  rangeNodes,
  type NodeId,
} from '../../../src/core/merkle/index.ts';
import { ReferenceTree } from './rfc6962-reference.ts';

const leaves = Array.from({ length: 40 }, (_, i) => leafHash(utf8(`m${i}`)));
const ref = new ReferenceTree(leaves);

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof MerkleError ? e.code : `untyped ${String(e)}`;
  }
  return undefined;
}

describe('when appending to a CompactRange', () => {
  it('starts empty with the empty-tree root', () => {
    const r = CompactRange.empty();
    expect(r.size).toBe(0);
    expect(r.hashes).toEqual([]);
    expect(toHex(r.root())).toBe(toHex(EMPTY_ROOT));
  });

  it('keeps one hash per one bit of the size, largest subtree first', () => {
    const r = CompactRange.empty();
    for (let n = 1; n <= leaves.length; n++) {
      r.append(leaves[n - 1]!);
      const want = rangeNodes(0, n).map((id) => {
        const begin = id.index * 2 ** id.level;
        return toHex(ref.mth(begin, begin + 2 ** id.level));
      });
      expect(r.hashes.map(toHex)).toEqual(want);
      expect(toHex(r.root())).toBe(toHex(ref.mth(0, n)));
    }
  });

  it('visits the leaf, then each completed node bottom-up', () => {
    const r = CompactRange.empty();
    for (let i = 0; i < 7; i++) r.append(leaves[i]!);
    const seen: [NodeId, string][] = [];
    r.append(leaves[7]!, (id, h) => seen.push([id, toHex(h)]));
    expect(seen).toEqual([
      [{ level: 0, index: 7 }, toHex(leaves[7]!)],
      [{ level: 1, index: 3 }, toHex(ref.mth(6, 8))],
      [{ level: 2, index: 1 }, toHex(ref.mth(4, 8))],
      [{ level: 3, index: 0 }, toHex(ref.mth(0, 8))],
    ]);
  });

  it('clones independently', () => {
    const a = CompactRange.empty();
    for (let i = 0; i < 5; i++) a.append(leaves[i]!);
    const b = a.clone();
    b.append(leaves[5]!);
    expect(a.size).toBe(5);
    expect(toHex(a.root())).toBe(toHex(ref.mth(0, 5)));
    expect(toHex(b.root())).toBe(toHex(ref.mth(0, 6)));
  });

  it('does not share state with the caller’s arrays', () => {
    const leaf = leaves[0]!.slice();
    const r = CompactRange.empty();
    r.append(leaf);
    leaf.fill(0);
    expect(toHex(r.root())).toBe(toHex(leaves[0]!));
    const stored = [ref.mth(0, 4), ref.mth(4, 5)].map((h) => h.slice());
    const s = CompactRange.fromHashes(5, stored);
    stored[0]!.fill(0);
    expect(toHex(s.root())).toBe(toHex(ref.mth(0, 5)));
  });
});

describe('when restoring a CompactRange from hashes', () => {
  it('rejects the wrong number of hashes', () => {
    expect(codeOf(() => CompactRange.fromHashes(5, [ref.mth(0, 4)]))).toBe('WRONG_HASH_COUNT');
    expect(codeOf(() => CompactRange.fromHashes(0, [ref.mth(0, 4)]))).toBe('WRONG_HASH_COUNT');
    expect(codeOf(() => CompactRange.fromHashes(4, [ref.mth(0, 2), ref.mth(2, 4)]))).toBe(
      'WRONG_HASH_COUNT',
    );
  });

  it('rejects hashes that are not 32 bytes', () => {
    expect(codeOf(() => CompactRange.fromHashes(1, [new Uint8Array(31)]))).toBe('INVALID_HASH');
    expect(codeOf(() => CompactRange.fromHashes(1, [new Uint8Array(33)]))).toBe('INVALID_HASH');
    expect(codeOf(() => CompactRange.fromHashes(1, ['00'.repeat(32)] as never))).toBe(
      'INVALID_HASH',
    );
  });

  it('rejects sizes that are not safe non-negative integers', () => {
    for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53, '3']) {
      expect(codeOf(() => CompactRange.fromHashes(bad as number, []))).toBe('INVALID_SIZE');
    }
  });

  it('rejects a leaf hash that is not 32 bytes on append', () => {
    const r = CompactRange.empty();
    expect(codeOf(() => r.append(new Uint8Array(0)))).toBe('INVALID_HASH');
    expect(r.size).toBe(0);
  });
});

describe('when splitting trees per RFC 9162 §2.1.1', () => {
  it('finds the largest power of two below n', () => {
    const cases: [number, number][] = [
      [2, 1],
      [3, 2],
      [4, 2],
      [5, 4],
      [8, 4],
      [9, 8],
      [2 ** 40 + 1, 2 ** 40],
      [Number.MAX_SAFE_INTEGER, 2 ** 52],
    ];
    for (const [n, k] of cases) expect(largestPowerOfTwoLessThan(n)).toBe(k);
    expect(codeOf(() => largestPowerOfTwoLessThan(1))).toBe('INVALID_SIZE');
    expect(codeOf(() => largestPowerOfTwoLessThan(0))).toBe('INVALID_SIZE');
  });

  it('covers [begin, end) with maximal aligned subtrees', () => {
    expect(rangeNodes(0, 0)).toEqual([]);
    expect(rangeNodes(0, 13).map(nodeKey)).toEqual(['3/0', '2/2', '0/12']);
    // transparency-dev/merkle Decompose example: (0b110, 0b11101) → sizes 2,8; 8,4,1.
    expect(rangeNodes(6, 29).map(nodeKey)).toEqual(['1/3', '3/1', '3/2', '2/6', '0/28']);
    expect(rangeNodes(0, Number.MAX_SAFE_INTEGER)).toHaveLength(53);
  });
});
