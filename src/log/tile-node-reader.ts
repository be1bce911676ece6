/**
 * Reads Merkle node hashes out of stored hash tiles, for proof generation. Only perfect
 * subtrees are ever asked for (core/merkle proof-nodes), so each node is the root of a
 * power-of-two run inside one tile (C2SP tlog-tiles: tile level L holds tree level 8L).
 * Decoded tiles are kept in a small LRU cache; a cached tile that is too short (a right-edge
 * tile that has grown since) is read again.
 */
import type { NodeId } from '../core/merkle/node-id.ts';
import { locateNode, subtreeRootOf } from '../core/tiles/layout.ts';
import { StorageError } from '../storage/errors.ts';
import type { LevelStore } from '../storage/level-store.ts';

const HASH = 32;

/** Node-hash reader over the tiles of one store. */
export class TileNodeReader {
  private readonly cache = new Map<string, Uint8Array[]>();

  constructor(
    private readonly store: LevelStore,
    private readonly maxTiles = 4096,
  ) {}

  /** Hashes of the given perfect-subtree nodes, in order. */
  read(ids: readonly NodeId[]): Uint8Array[] {
    return ids.map((id) => this.node(id));
  }

  private node(id: NodeId): Uint8Array {
    const loc = locateNode(id);
    const count = 2 ** loc.height;
    const hashes = this.tile(loc.tileLevel, loc.tileIndex, loc.offset + count);
    const run = hashes.slice(loc.offset, loc.offset + count);
    return count === 1 ? run[0]! : subtreeRootOf(run);
  }

  private tile(level: number, index: number, need: number): Uint8Array[] {
    const key = `${level}/${index}`;
    let hashes = this.cache.get(key);
    if (hashes !== undefined && hashes.length >= need) {
      this.cache.delete(key);
      this.cache.set(key, hashes);
      return hashes;
    }
    const bytes = this.store.tileSync(level, index);
    if (bytes === undefined || bytes.length < need * HASH) {
      throw new StorageError(
        'STORE_CORRUPT',
        `tile ${level}/${index} has fewer than ${need} hashes`,
      );
    }
    hashes = [];
    for (let o = 0; o < bytes.length; o += HASH) hashes.push(bytes.subarray(o, o + HASH));
    this.cache.set(key, hashes);
    if (this.cache.size > this.maxTiles) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
    return hashes;
  }
}
