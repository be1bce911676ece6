import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeHash } from '../../../src/core/merkle/index.ts';
import {
  TileError,
  entryBundleWidth,
  hashTileWidth,
  locateNode,
  subtreeRootOf,
  tilePath,
  tilesChanged,
  tilesForSize,
} from '../../../src/core/tiles/index.ts';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof TileError ? e.code : `untyped ${String(e)}`;
  }
  return undefined;
}

describe('when laying out tiles (C2SP tlog-tiles "Partial Tiles")', () => {
  it('sizes tiles as ⌊s / 256^l⌋ mod 256 for the partial one', () => {
    expect(hashTileWidth(0, 273, 70000)).toBe(112);
    expect(hashTileWidth(0, 272, 70000)).toBe(256);
    expect(hashTileWidth(0, 274, 70000)).toBe(0);
    expect(hashTileWidth(1, 1, 70000)).toBe(17);
    expect(hashTileWidth(2, 0, 70000)).toBe(1);
    expect(hashTileWidth(3, 0, 70000)).toBe(0);
    expect(hashTileWidth(63, 0, Number.MAX_SAFE_INTEGER)).toBe(0);
    expect(hashTileWidth(6, 0, Number.MAX_SAFE_INTEGER)).toBe(31);
    expect(entryBundleWidth(273, 70000)).toBe(112);
    expect(entryBundleWidth(0, 0)).toBe(0);
  });

  it('serves a tree of 256 as one full level-0 tile and tile/1/000.p/1', () => {
    expect(tilesForSize(256).map(tilePath)).toEqual(['tile/0/000', 'tile/1/000.p/1']);
    expect(tilesForSize(255).map(tilePath)).toEqual(['tile/0/000.p/255']);
    expect(tilesForSize(0)).toEqual([]);
    expect(tilesForSize(65536).map(tilePath).slice(-2)).toEqual(['tile/1/000', 'tile/2/000.p/1']);
  });

  it('rejects hostile sizes and coordinates as INVALID_TILE', () => {
    for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53]) {
      expect(codeOf(() => tilesForSize(bad))).toBe('INVALID_TILE');
      expect(codeOf(() => hashTileWidth(0, 0, bad))).toBe('INVALID_TILE');
      expect(codeOf(() => hashTileWidth(0, bad, 10))).toBe('INVALID_TILE');
    }
    expect(codeOf(() => hashTileWidth(64, 0, 10))).toBe('INVALID_TILE');
    expect(codeOf(() => tilesChanged(10, 9))).toBe('INVALID_TILE');
    expect(codeOf(() => locateNode({ level: -1, index: 0 }))).toBe('INVALID_TILE');
    expect(codeOf(() => locateNode({ level: 0, index: -1 }))).toBe('INVALID_TILE');
    expect(codeOf(() => locateNode({ level: 0, index: 0.5 }))).toBe('INVALID_TILE');
  });

  it('lists exactly the new or wider tiles when the log grows', () => {
    fc.assert(
      fc.property(fc.nat(200_000), fc.nat(200_000), (a, b) => {
        const [oldSize, newSize] = a <= b ? [a, b] : [b, a];
        const before = new Map(
          tilesForSize(oldSize).map((t) => [`${t.level}/${t.index}`, t.width]),
        );
        const changed = tilesChanged(oldSize, newSize);
        for (const t of changed)
          expect(t.width).toBeGreaterThan(before.get(`${t.level}/${t.index}`) ?? 0);
        // Old tiles plus the changed ones give exactly the new tile set.
        for (const t of changed) before.set(`${t.level}/${t.index}`, t.width);
        const after = new Map(tilesForSize(newSize).map((t) => [`${t.level}/${t.index}`, t.width]));
        expect(before).toEqual(after);
      }),
      { numRuns: 300 },
    );
    expect(tilesChanged(255, 256).map(tilePath)).toEqual(['tile/0/000', 'tile/1/000.p/1']);
    expect(tilesChanged(7, 7)).toEqual([]);
  });
});

describe('when locating nodes in tiles', () => {
  it('maps levels 0..7 into tile level 0 and 8.. into tile level 1', () => {
    expect(locateNode({ level: 0, index: 300 })).toEqual({
      tileLevel: 0,
      tileIndex: 1,
      offset: 44,
      height: 0,
    });
    expect(locateNode({ level: 3, index: 37 })).toEqual({
      tileLevel: 0,
      tileIndex: 1,
      offset: 40,
      height: 3,
    });
    expect(locateNode({ level: 8, index: 5 })).toEqual({
      tileLevel: 1,
      tileIndex: 0,
      offset: 5,
      height: 0,
    });
    expect(locateNode({ level: 15, index: 1 })).toEqual({
      tileLevel: 1,
      tileIndex: 0,
      offset: 128,
      height: 7,
    });
    expect(locateNode({ level: 16, index: 0 })).toEqual({
      tileLevel: 2,
      tileIndex: 0,
      offset: 0,
      height: 0,
    });
  });

  it('keeps every run inside one tile', () => {
    fc.assert(
      fc.property(fc.nat(52), fc.nat(2 ** 40), (level, index) => {
        fc.pre(index * 2 ** level <= Number.MAX_SAFE_INTEGER);
        const loc = locateNode({ level, index });
        expect(loc.offset + 2 ** loc.height).toBeLessThanOrEqual(256);
        expect(loc.offset % 2 ** loc.height).toBe(0);
      }),
    );
  });

  it('hashes a run pairwise into its subtree root', () => {
    const h = Array.from({ length: 4 }, (_, i) => new Uint8Array(32).fill(i));
    expect(subtreeRootOf([h[0]!])).toEqual(h[0]);
    expect(subtreeRootOf(h)).toEqual(nodeHash(nodeHash(h[0]!, h[1]!), nodeHash(h[2]!, h[3]!)));
    expect(codeOf(() => subtreeRootOf([]))).toBe('MALFORMED_TILE');
    expect(codeOf(() => subtreeRootOf(h.slice(0, 3)))).toBe('MALFORMED_TILE');
    expect(codeOf(() => subtreeRootOf([new Uint8Array(31)]))).toBe('MALFORMED_TILE');
  });
});
