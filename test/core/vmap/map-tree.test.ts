import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/core/bytes.ts';
import { fastSha256 } from '../../../src/node-fast/node-hasher.ts';
import {
  EMPTY_MAP_ROOT,
  mapHasherFrom,
  MapTree,
  treeHash,
  verifyAbsent,
  verifyPrefixEntries,
  verifyPresent,
} from '../../../src/core/vmap/index.ts';
import { naiveRoot } from './naive-map.ts';

describe('when the map is empty', () => {
  const tree = new MapTree();

  it('has the empty root, no entries and empty proofs', () => {
    expect(tree.root).toEqual(EMPTY_MAP_ROOT);
    expect(tree.size).toBe(0);
    expect(tree.get(Uint8Array.of(1))).toBeUndefined();
    expect(tree.pathProof(Uint8Array.of(1))).toBeUndefined();
    expect(tree.scan()).toEqual([]);
    const { value, proof } = tree.proveLookup(Uint8Array.of(1));
    expect([value, proof.length]).toEqual([undefined, 0]);
    expect(verifyAbsent(tree.root, Uint8Array.of(1), proof).value).toBeUndefined();
    expect(tree.provePrefix(Uint8Array.of(1)).hash).toEqual(EMPTY_MAP_ROOT);
  });

  it('stays empty after an empty batch', () => {
    expect(tree.update([])).toEqual(EMPTY_MAP_ROOT);
  });
});

describe('when values change', () => {
  it('replaces a value in place or in new room, and re-hashes its path', () => {
    const tree = new MapTree();
    const key = Uint8Array.of(5);
    const others = [1, 2, 3, 9].map((i) => ({ key: Uint8Array.of(i), value: Uint8Array.of(i) }));
    tree.update([...others, { key, value: Uint8Array.of(1, 2, 3) }]);
    for (const value of [Uint8Array.of(7), new Uint8Array(0), new Uint8Array(100).fill(4)]) {
      const root = tree.update([{ key, value }]);
      expect(tree.get(key)).toEqual(value);
      expect(toHex(root)).toBe(toHex(naiveRoot([...others, { key, value }])));
      expect(tree.size).toBe(5);
    }
  });

  it('lets the last set of a key in one batch win', () => {
    const tree = new MapTree();
    const key = Uint8Array.of(5);
    tree.update([
      { key, value: Uint8Array.of(1) },
      { key, value: Uint8Array.of(2) },
    ]);
    expect(tree.get(key)).toEqual(Uint8Array.of(2));
    expect(tree.size).toBe(1);
  });
});

describe('when keys nest a thousand levels deep', () => {
  // 128-byte keys with one bit set each, and the zero key: every one splits off one bit deeper.
  const zero = new Uint8Array(128);
  const keys = [
    zero,
    ...Array.from({ length: 1024 }, (_, i) => {
      const k = new Uint8Array(128);
      k[i >> 3] = 0x80 >> (i & 7);
      return k;
    }),
  ];
  const entries = keys.map((key, i) => ({ key, value: Uint8Array.of(i & 0xff) }));
  const zeroEntry = entries[0]!;

  it('builds, proves and verifies without recursion limits', () => {
    const tree = new MapTree({ hasher: mapHasherFrom(fastSha256) });
    const root = tree.update(entries);
    expect(root).toEqual(treeHash([zeroEntry, ...entries.slice(1).reverse()]));
    const deepest = tree.proveLookup(zero);
    expect(tree.pathProof(zero)!.steps).toHaveLength(1024);
    expect(verifyPresent(root, zero, Uint8Array.of(0), deepest.proof).root).toEqual(root);
    const absent = Uint8Array.from(zero);
    absent[127] = 3;
    expect(verifyAbsent(root, absent, tree.proveLookup(absent).proof).value).toBeUndefined();
  });

  it('scans a prefix in key order and its entries verify', () => {
    const tree = new MapTree();
    tree.update(entries);
    const prefix = new Uint8Array(64);
    const scanned = tree.scan(prefix);
    expect(scanned).toHaveLength(1 + 512);
    const { proof } = tree.provePrefix(prefix);
    expect(verifyPrefixEntries(tree.root, prefix, scanned, proof).entries).toHaveLength(513);
  });
});

describe('when memory is counted', () => {
  it('reports the bytes of its arrays', () => {
    const tree = new MapTree();
    tree.update(
      Array.from({ length: 1000 }, (_, i) => ({
        key: Uint8Array.of(i >> 8, i & 0xff),
        value: Uint8Array.of(1),
      })),
    );
    expect(tree.allocatedBytes).toBeGreaterThan(1000 * 100);
    expect(tree.allocatedBytes).toBeLessThan(1000 * 1000);
  });
});
