import { describe, expect, it } from 'vitest';
import { utf8 } from '../../../src/core/bytes.ts';
import {
  CompactRange,
  inclusionProof,
  leafHash,
  verifyInclusion,
} from '../../../src/core/merkle/index.ts';
import {
  TILE_HEIGHT,
  TileError,
  encodeHashTile,
  tileNodeReader,
  tilePath,
  tilesForSize,
  type TileRef,
} from '../../../src/core/tiles/index.ts';

const SIZE = 1000;
const levelHashes: Uint8Array[][] = [[], []];
const range = CompactRange.empty();
for (let i = 0; i < SIZE; i++) {
  range.append(leafHash(utf8(`e${i}`)), (id, h) => {
    if (id.level % TILE_HEIGHT === 0) levelHashes[id.level / TILE_HEIGHT]![id.index] = h;
  });
}
const store = new Map(
  tilesForSize(SIZE).map((t) => [
    tilePath(t),
    encodeHashTile(levelHashes[t.level]!.slice(t.index * 256, t.index * 256 + t.width)),
  ]),
);

async function codeOf(f: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await f();
  } catch (e) {
    return e instanceof TileError ? e.code : `untyped ${String(e)}`;
  }
  return undefined;
}

describe('when building proofs from tiles', () => {
  it('fetches each tile once per proof and verifies', async () => {
    const fetched: string[] = [];
    const read = tileNodeReader(SIZE, async (ref: TileRef) => {
      fetched.push(tilePath(ref));
      return store.get(tilePath(ref));
    });
    const proof = await inclusionProof(517, SIZE, read);
    verifyInclusion(leafHash(utf8('e517')), 517, SIZE, proof, range.root());
    expect(new Set(fetched).size).toBe(fetched.length);
    expect(fetched.sort()).toEqual(['tile/0/002', 'tile/0/003.p/232', 'tile/1/000.p/3']);
  });

  it('reports a tile the store lacks as MISSING_TILE', async () => {
    const read = tileNodeReader(SIZE, (ref) =>
      ref.level === 1 ? undefined : store.get(tilePath(ref)),
    );
    expect(await codeOf(() => inclusionProof(517, SIZE, read))).toBe('MISSING_TILE');
  });

  it('reports tile bytes of the wrong width as MALFORMED_TILE', async () => {
    const read = tileNodeReader(SIZE, (ref) => store.get(tilePath(ref))!.slice(32));
    expect(await codeOf(() => inclusionProof(3, SIZE, read))).toBe('MALFORMED_TILE');
  });

  it('refuses nodes outside the tree it serves', async () => {
    const read = tileNodeReader(SIZE, (ref) => store.get(tilePath(ref)));
    expect(await codeOf(async () => read([{ level: 0, index: SIZE }]))).toBe('MISSING_TILE');
    expect(await codeOf(async () => read([{ level: 10, index: 0 }]))).toBe('MISSING_TILE');
    expect(await codeOf(async () => read([{ level: 3, index: 125 }]))).toBe('MISSING_TILE');
    expect(await read([{ level: 3, index: 124 }])).toHaveLength(1); // [992, 1000)
  });
});
