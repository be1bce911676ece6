import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, toBase64, toHex, utf8 } from '../../../src/core/bytes.ts';
import {
  CompactRange,
  consistencyProof,
  inclusionProof,
  leafHash,
  nodeKey,
  rangeNodes,
  rootFromLeafHashes,
  sha256Bytes,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/core/merkle/index.ts';
import {
  TILE_HEIGHT,
  TILE_WIDTH,
  decodeEntryBundle,
  decodeHashTile,
  encodeEntryBundle,
  encodeHashTile,
  entryBundlesForSize,
  locateNode,
  parseTilePath,
  subtreeRootOf,
  tileNodeReader,
  tilePath,
  tilesForSize,
  type TileRef,
} from '../../../src/core/tiles/index.ts';
import vectors from '../../vectors/tiles-70000.json' with { type: 'json' };
import { mapReader } from '../merkle/helpers.ts';

// Section F: C2SP tlog-tiles' 70,000-entry example, entry i being the ASCII decimal of i.
const SIZE = vectors.treeSize;
const entries = Array.from({ length: SIZE }, (_, i) => utf8(String(i)));
const leaves = entries.map(leafHash);

// Every node hash, and the hashes at each tile level (nodes whose level is a multiple of 8),
// all reported by CompactRange's visitor as the log grows.
const nodes = new Map<string, Uint8Array>();
const levelHashes: Uint8Array[][] = [];
const range = CompactRange.empty();
for (const h of leaves) {
  range.append(h, (id, hash) => {
    nodes.set(nodeKey(id), hash);
    if (id.level % TILE_HEIGHT === 0) {
      const tileLevel = id.level / TILE_HEIGHT;
      (levelHashes[tileLevel] ??= [])[id.index] = hash;
    }
  });
}

function tileBytes(ref: TileRef): Uint8Array {
  const start = ref.index * TILE_WIDTH;
  return encodeHashTile(levelHashes[ref.level]!.slice(start, start + ref.width));
}

const tiles = tilesForSize(SIZE);
const tileByPath = new Map(tiles.map((t) => [tilePath(t), tileBytes(t)]));
const sha = (b: Uint8Array): string => toHex(sha256Bytes(b));

describe('when tiling the 70,000-entry log', () => {
  it('has the published root', () => {
    expect(toHex(range.root())).toBe(vectors.rootHex);
    expect(toBase64(range.root())).toBe(vectors.rootBase64);
  });

  it('lists the tiles the spec names', () => {
    const paths = tiles.map(tilePath);
    expect(paths).toHaveLength(vectors.tileCount);
    expect(paths.filter((p) => /^tile\/0\/\d{3}$/.test(p))).toHaveLength(273);
    expect(paths.slice(273)).toEqual([
      'tile/0/273.p/112',
      'tile/1/000',
      'tile/1/001.p/17',
      'tile/2/000.p/1',
    ]);
  });

  it('matches the accumulator over all 277 paths and tile hashes', () => {
    const lines = tiles.map((t) => utf8(`${tilePath(t)} ${sha(tileByPath.get(tilePath(t))!)}\n`));
    expect(toHex(sha256Bytes(concatBytes(...lines)))).toBe(vectors.tilesAccumulator);
  });

  it.each(Object.entries(vectors.tiles))('matches %s', (path, want) => {
    const bytes = tileByPath.get(path)!;
    expect(bytes).toHaveLength(want.length);
    expect(sha(bytes)).toBe(want.sha256);
    expect(decodeHashTile(bytes, parseTilePath(path).width)).toHaveLength(want.length / 32);
  });

  it('has MTH(entries[0:65536]) as the only hash of tile/2/000.p/1', () => {
    const [only] = decodeHashTile(tileByPath.get('tile/2/000.p/1')!, 1);
    expect(toHex(only!)).toBe(vectors.firstL2HashHex);
    expect(toHex(rootFromLeafHashes(leaves.slice(0, 65536)))).toBe(vectors.firstL2HashHex);
  });

  it('has each upper-level hash equal to the root of the full tile below it', () => {
    const l1 = decodeHashTile(tileByPath.get('tile/1/000')!);
    const l0 = decodeHashTile(tileByPath.get('tile/0/005')!);
    expect(subtreeRootOf(l0)).toEqual(l1[5]);
  });
});

describe('when bundling the 70,000 entries', () => {
  const bundles = entryBundlesForSize(SIZE);
  const bundleBytes = (ref: TileRef) =>
    encodeEntryBundle(entries.slice(ref.index * TILE_WIDTH, ref.index * TILE_WIDTH + ref.width));

  it('has 274 bundles, the last partial', () => {
    expect(bundles).toHaveLength(274);
    expect(tilePath(bundles.at(-1)!)).toBe('tile/entries/273.p/112');
  });

  it.each(Object.entries(vectors.entryBundles))('matches %s', (path, want) => {
    const ref = parseTilePath(path);
    const bytes = bundleBytes(ref);
    expect(bytes).toHaveLength(want.length);
    expect(sha(bytes)).toBe(want.sha256);
  });

  it('starts with uint16 length-prefixed entries', () => {
    expect(toHex(bundleBytes(bundles[0]!).slice(0, 6))).toBe('000130000131');
  });

  it('hashes every bundled entry to the matching level-0 tile hash', () => {
    for (const ref of [bundles[0]!, bundles[100]!, bundles.at(-1)!]) {
      const decoded = decodeEntryBundle(bundleBytes(ref), ref.width);
      const tile = decodeHashTile(tileBytes({ ...ref, kind: 'hash' }), ref.width);
      expect(decoded.map((e) => toHex(leafHash(e)))).toEqual(tile.map(toHex));
    }
  });
});

describe('when reading nodes back from the tiles', () => {
  const fetch = (ref: TileRef) => tileByPath.get(tilePath(ref));
  const completeNode = fc
    .integer({ min: 0, max: 16 })
    .chain((level) =>
      fc.record({ level: fc.constant(level), index: fc.nat(Math.floor(SIZE / 2 ** level) - 1) }),
    );

  it('reproduces any complete node with locateNode and subtreeRootOf', () => {
    fc.assert(
      fc.property(completeNode, (id) => {
        const loc = locateNode(id);
        const ref = tiles.find((t) => t.level === loc.tileLevel && t.index === loc.tileIndex)!;
        const hashes = decodeHashTile(tileBytes(ref));
        const run = hashes.slice(loc.offset, loc.offset + 2 ** loc.height);
        expect(run).toHaveLength(2 ** loc.height);
        expect(subtreeRootOf(run)).toEqual(nodes.get(nodeKey(id)));
      }),
      { numRuns: 500 },
    );
  });

  it('builds proofs from tiles that match the node store and verify', async () => {
    const fromTiles = tileNodeReader(SIZE, fetch);
    const rootAt = (n: number) =>
      CompactRange.fromHashes(
        n,
        rangeNodes(0, n).map((id) => nodes.get(nodeKey(id))!),
      ).root();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: SIZE }), fc.nat(), fc.nat(), async (n, a, b) => {
        const index = a % n;
        const m = b % (n + 1);
        const incl = await inclusionProof(index, n, fromTiles);
        expect(incl).toEqual(await inclusionProof(index, n, mapReader(nodes, n)));
        verifyInclusion(leaves[index]!, index, n, incl, rootAt(n));
        const cons = await consistencyProof(m, n, fromTiles);
        expect(cons).toEqual(await consistencyProof(m, n, mapReader(nodes, n)));
        verifyConsistency(m, n, cons, rootAt(m), rootAt(n));
      }),
      { numRuns: 150 },
    );
  });
});
