/**
 * Reads Merkle node hashes out of stored hash tiles, for proof generation on the server. Only
 * perfect subtrees are ever asked for (core/merkle proof-nodes), so each node is the root of a
 * power-of-two run inside one tile (C2SP tlog-tiles: tile level L holds tree level 8L).
 *
 * Decoded tiles are kept in an LRU cache together with the levels hashed up inside them, so a
 * hot tile costs nothing after its first use; a cached tile that is too short (a right-edge tile
 * that has grown since) is read again. The node hash function is injected so that the server
 * can use `node:crypto` (DESIGN.md decision 9); `core/tiles/node-reader.ts` is the pure
 * equivalent used by verifiers and mirrors.
 */
import { nodeHash as coreNodeHash } from '../core/merkle/hash.ts';
import type { NodeId } from '../core/merkle/node-id.ts';
import { locateNode, TILE_HEIGHT, TILE_WIDTH } from '../core/tiles/layout.ts';
import { StorageError } from '../storage/errors.ts';
import type { LevelStore } from '../storage/level-store.ts';
import { interiorOffset, TILE_INTERIOR_NODES } from './integrator.ts';

const HASH = 32;

/** A tile and the levels hashed up inside it: `levels[h][j]` is the node of height h, index j. */
interface CachedTile {
  readonly levels: Uint8Array[][];
}

/** Node-hash reader over the tiles of one store. */
export class TileNodeReader {
  private readonly cache = new Map<string, CachedTile>();

  constructor(
    private readonly store: LevelStore,
    private readonly hashNode: (l: Uint8Array, r: Uint8Array) => Uint8Array = coreNodeHash,
    private readonly maxTiles = 8192,
  ) {}

  /** Hashes of the given perfect-subtree nodes, in order. */
  read(ids: readonly NodeId[]): Uint8Array[] {
    return ids.map((id) => {
      const loc = locateNode(id);
      const tile = this.tile(loc.tileLevel, loc.tileIndex, loc.offset + 2 ** loc.height);
      return this.level(tile, loc.height)[loc.offset / 2 ** loc.height]!;
    });
  }

  private level(tile: CachedTile, height: number): Uint8Array[] {
    for (let h = tile.levels.length; h <= height; h++) {
      const below = tile.levels[h - 1]!;
      const up: Uint8Array[] = [];
      for (let j = 0; j + 1 < below.length; j += 2)
        up.push(this.hashNode(below[j]!, below[j + 1]!));
      tile.levels.push(up);
    }
    return tile.levels[height]!;
  }

  private tile(level: number, index: number, need: number): CachedTile {
    const key = `${level}/${index}`;
    const cached = this.cache.get(key);
    if (cached !== undefined && cached.levels[0]!.length >= need) {
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const bytes = this.store.tileSync(level, index);
    if (bytes === undefined || bytes.length < need * HASH) {
      throw new StorageError(
        'STORE_CORRUPT',
        `tile ${level}/${index} has fewer than ${need} hashes`,
      );
    }
    const hashes: Uint8Array[] = [];
    const width = Math.min(TILE_WIDTH, bytes.length / HASH);
    for (let j = 0; j < width; j++) hashes.push(bytes.subarray(j * HASH, (j + 1) * HASH));
    const tile: CachedTile = { levels: [hashes] };
    if (bytes.length === (TILE_WIDTH + TILE_INTERIOR_NODES) * HASH) {
      // A full tile stored with its interior nodes: no hashing needed.
      for (let h = 1; h < TILE_HEIGHT; h++) {
        const start = (TILE_WIDTH + interiorOffset(h)) * HASH;
        const level: Uint8Array[] = [];
        for (let j = 0; j < 2 ** (TILE_HEIGHT - h); j++) {
          level.push(bytes.subarray(start + j * HASH, start + (j + 1) * HASH));
        }
        tile.levels.push(level);
      }
    }
    this.cache.delete(key);
    this.cache.set(key, tile);
    if (this.cache.size > this.maxTiles)
      this.cache.delete(this.cache.keys().next().value as string);
    return tile;
  }
}
