/**
 * Serving Merkle nodes from C2SP tlog-tiles: the hash of any complete subtree is the root of a
 * power-of-two run of hashes inside one tile, so RFC 9162 proofs can be built from tiles alone.
 */
import type { NodeId, NodeReader } from '../merkle/index.ts';
import { TileError } from './errors.ts';
import { hashTileWidth, locateNode, subtreeRootOf, type TileRef } from './layout.ts';
import { decodeHashTile } from './tile.ts';

/** Fetches the bytes of a hash tile, or `undefined` when it is not available. */
export type TileFetcher = (
  ref: TileRef,
) => Promise<Uint8Array | undefined> | Uint8Array | undefined;

/**
 * A {@link NodeReader} over the hash tiles of the tree of `treeSize` leaves: each tile is
 * fetched once per call, at its width for `treeSize`, and every requested node is recomputed
 * from it with {@link subtreeRootOf}. Works for proofs in any tree of size ≤ `treeSize`. Throws
 * `MISSING_TILE` for a node outside the tree or a tile the fetcher lacks, and `MALFORMED_TILE`
 * for tile bytes of the wrong size.
 */
export function tileNodeReader(treeSize: number, fetch: TileFetcher): NodeReader {
  return async (ids: readonly NodeId[]) => {
    const located = ids.map((id) => {
      const loc = locateNode(id);
      const width = hashTileWidth(loc.tileLevel, loc.tileIndex, treeSize);
      if (loc.offset + 2 ** loc.height > width) {
        throw new TileError(
          'MISSING_TILE',
          `node ${id.level}/${id.index} is not in a tree of size ${treeSize}`,
          {
            evidence: { level: id.level, index: id.index, treeSize },
          },
        );
      }
      return { ...loc, width, key: `${loc.tileLevel}/${loc.tileIndex}` };
    });
    const wanted = new Map<string, TileRef>();
    for (const l of located) {
      wanted.set(l.key, { kind: 'hash', level: l.tileLevel, index: l.tileIndex, width: l.width });
    }
    const tiles = new Map<string, Uint8Array[]>();
    await Promise.all(
      [...wanted].map(async ([key, ref]) => {
        const bytes = await fetch(ref);
        if (bytes === undefined) {
          throw new TileError('MISSING_TILE', `tile ${key} (width ${ref.width}) is not available`, {
            evidence: { ...ref },
          });
        }
        tiles.set(key, decodeHashTile(bytes, ref.width));
      }),
    );
    return located.map((l) =>
      subtreeRootOf(tiles.get(l.key)!.slice(l.offset, l.offset + 2 ** l.height)),
    );
  };
}
