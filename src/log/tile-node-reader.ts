/**
 * Reads Merkle node hashes out of stored hash tiles, for proof generation on the server. Only
 * perfect subtrees are ever asked for (core/merkle proof-nodes), so each node is the root of a
 * power-of-two run inside one tile (C2SP tlog-tiles: tile level L holds tree level 8L).
 *
 * A full tile is stored with its interior nodes (integrator.ts), so a node is a slice of the
 * stored bytes. For a growing right-edge tile the interior is hashed as the tile grows. The
 * cache holds at most `maxTiles` tiles, each as one byte array of at most 16,320 bytes (about
 * 32 MiB at the default bound); a cached tile that is too short (a right-edge tile that has
 * grown since) is read again. The node hash function is injected so that the server can use
 * `node:crypto` (DESIGN.md decision 9); `core/tiles/node-reader.ts` is the pure equivalent
 * used by verifiers and mirrors.
 */
import { nodeHash as coreNodeHash } from '../core/merkle/index.ts';
import type { NodeId } from '../core/merkle/index.ts';
import { locateNode, TILE_HEIGHT, TILE_WIDTH } from '../core/tiles/index.ts';
import { StorageError } from '../storage/index.ts';
import type { LevelStore } from '../storage/index.ts';
import { interiorOffset, TILE_INTERIOR_NODES } from './integrator.ts';

const HASH = 32;
/** Leaves under a node of each height in a tile, and where each height's nodes start. */
const WIDTH_AT = Array.from({ length: TILE_HEIGHT }, (_, h) => 2 ** h);
const INTERIOR_AT = WIDTH_AT.map((_, h) => (h === 0 ? 0 : TILE_WIDTH + interiorOffset(h)));
const FULL_BYTES = (TILE_WIDTH + TILE_INTERIOR_NODES) * HASH;

/** A tile's hashes followed by its interior nodes (all of them for a full tile). */
interface CachedTile {
  /** Hashes at the tile's own level. */
  readonly width: number;
  /** `width` hashes, then interior heights 1..7 at their fixed offsets (complete nodes only). */
  readonly bytes: Uint8Array;
  /** The same bytes as a Buffer (native copies of single nodes). */
  readonly buffer: Buffer;
}

function cachedTile(width: number, bytes: Uint8Array): CachedTile {
  return { width, bytes, buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

/** Node-hash reader over the tiles of one store. */
export class TileNodeReader {
  /** Tiles by `index × 64 + level` (tlog-tiles levels are below 64), least recently used first. */
  private readonly cache = new Map<number, CachedTile>();
  /** The key used last: reading it again needs no reordering. */
  private lastKey = -1;

  constructor(
    private readonly store: LevelStore,
    private readonly hashNode: (l: Uint8Array, r: Uint8Array) => Uint8Array = coreNodeHash,
    private readonly maxTiles = 2048,
  ) {}

  /** Hashes of the given perfect-subtree nodes, in order. */
  read(ids: readonly NodeId[]): Uint8Array[] {
    return ids.map((id) => {
      const loc = locateNode(id);
      const tile = this.tile(loc.tileLevel, loc.tileIndex, loc.offset + 2 ** loc.height);
      const pos =
        loc.height === 0
          ? loc.offset
          : TILE_WIDTH + interiorOffset(loc.height) + loc.offset / 2 ** loc.height;
      // A view: a cached tile's bytes are never written again (a grown tile is a new array).
      return tile.bytes.subarray(pos * HASH, (pos + 1) * HASH);
    });
  }

  /**
   * Copies the hash of perfect-subtree node (`level`, `index`) into `out` at `at`: {@link read}
   * for one node, without a node object or a view (receipts read about twenty per reading).
   */
  copyNode(level: number, index: number, out: Uint8Array, at: number): void {
    const tileLevel = (level / TILE_HEIGHT) | 0;
    const height = level - tileLevel * TILE_HEIGHT;
    const width = WIDTH_AT[height]!;
    const first = index * width;
    const offset = first % TILE_WIDTH;
    const tile = this.tile(tileLevel, (first - offset) / TILE_WIDTH, offset + width);
    const pos = height === 0 ? offset : INTERIOR_AT[height]! + offset / width;
    tile.buffer.copy(out, at, pos * HASH, (pos + 1) * HASH);
  }

  private tile(level: number, index: number, need: number): CachedTile {
    const key = index * 64 + level;
    const cached = this.cache.get(key);
    if (cached !== undefined && cached.width >= need) {
      if (key !== this.lastKey) {
        this.cache.delete(key);
        this.cache.set(key, cached);
        this.lastKey = key;
      }
      return cached;
    }
    const stored = this.store.tileSync(level, index);
    if (stored === undefined || stored.length < need * HASH) {
      throw new StorageError(
        'STORE_CORRUPT',
        `tile ${level}/${index} has fewer than ${need} hashes`,
      );
    }
    let tile: CachedTile;
    if (stored.length === FULL_BYTES) {
      tile = cachedTile(TILE_WIDTH, new Uint8Array(stored));
    } else {
      // A growing tile: hash its complete interior nodes for this cached copy. The nodes of an
      // earlier, shorter copy are complete subtrees that never change, so only the new ones
      // are hashed (the right edge grows with every batch, and receipts read it each time).
      const width = stored.length / HASH;
      const bytes = new Uint8Array(FULL_BYTES);
      const known = cached !== undefined && cached.width < width ? cached.width : 0;
      if (known > 0) bytes.set(cached!.bytes);
      bytes.set(stored);
      let below = 0; // offset (in hashes) of the level below
      let count = width;
      let done = known;
      for (let h = 1; h < TILE_HEIGHT && count >= 2; h++) {
        const at = TILE_WIDTH + interiorOffset(h);
        done = Math.floor(done / 2);
        for (let j = 2 * done; j + 1 < count; j += 2) {
          const l = bytes.subarray((below + j) * HASH, (below + j + 1) * HASH);
          const r = bytes.subarray((below + j + 1) * HASH, (below + j + 2) * HASH);
          bytes.set(this.hashNode(l, r), (at + j / 2) * HASH);
        }
        below = at;
        count = Math.floor(count / 2);
      }
      tile = cachedTile(width, bytes);
    }
    this.cache.delete(key);
    this.cache.set(key, tile);
    this.lastKey = key;
    if (this.cache.size > this.maxTiles) this.cache.delete(this.cache.keys().next().value!);
    return tile;
  }
}
