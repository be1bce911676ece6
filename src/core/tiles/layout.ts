/**
 * Tile arithmetic of C2SP tlog-tiles ("Merkle Tree", "Partial Tiles"), with no I/O: which tiles
 * a tree has, how wide each is, and which tile holds the hashes a node is made of.
 */
import { nodeHash, type NodeId } from '../merkle/index.ts';
import { TileError } from './errors.ts';

/** Tile height: each tile is a subtree of height 8 whose leaves are its hashes. */
export const TILE_HEIGHT = 8;

/** Hashes in a full tile (2^TILE_HEIGHT), and entries in a full entry bundle. */
export const TILE_WIDTH = 256;

/** Highest tile level a tlog-tiles path may name. */
export const MAX_TILE_LEVEL = 63;

/**
 * A tile resource: hash tile `tile/<level>/<index>[.p/<width>]` or entry bundle
 * `tile/entries/<index>[.p/<width>]` (kind `entries`, level 0). `width` is 1..256; 256 is full.
 */
export type TileRef = {
  readonly kind: 'hash' | 'entries';
  readonly level: number;
  readonly index: number;
  readonly width: number;
};

function requireCoordinates(level: number, index: number, treeSize?: number): void {
  if (!Number.isInteger(level) || level < 0 || level > MAX_TILE_LEVEL) {
    throw new TileError('INVALID_TILE', 'tile level must be an integer in 0..63', {
      evidence: { level: String(level) },
    });
  }
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new TileError('INVALID_TILE', 'tile index must be a non-negative safe integer', {
      evidence: { index: String(index) },
    });
  }
  if (treeSize !== undefined && (!Number.isSafeInteger(treeSize) || treeSize < 0)) {
    throw new TileError('INVALID_TILE', 'tree size must be a non-negative safe integer', {
      evidence: { treeSize: String(treeSize) },
    });
  }
}

/** Number of hashes at tile level `level` in a tree of `treeSize` leaves: ⌊size / 256^level⌋. */
function hashesAtLevel(level: number, treeSize: number): number {
  return Math.floor(treeSize / TILE_WIDTH ** level);
}

/**
 * Width of hash tile `level`/`index` in a tree of `treeSize` leaves: 256 when full, 1..255 when
 * partial, 0 when it does not exist yet (C2SP tlog-tiles "Partial Tiles").
 */
export function hashTileWidth(level: number, index: number, treeSize: number): number {
  requireCoordinates(level, index, treeSize);
  const remaining = hashesAtLevel(level, treeSize) - index * TILE_WIDTH;
  return Math.max(0, Math.min(TILE_WIDTH, remaining));
}

/** Width of entry bundle `index` in a tree of `treeSize` leaves (same rule as level 0 tiles). */
export function entryBundleWidth(index: number, treeSize: number): number {
  return hashTileWidth(0, index, treeSize);
}

/**
 * Every hash tile of a tree of `treeSize` leaves at its current width, level by level, then by
 * index (C2SP tlog-tiles: 70,000 leaves → 273 full level-0 tiles, `tile/0/273.p/112`,
 * `tile/1/000`, `tile/1/001.p/17`, `tile/2/000.p/1`).
 */
export function tilesForSize(treeSize: number): TileRef[] {
  requireCoordinates(0, 0, treeSize);
  const tiles: TileRef[] = [];
  for (let level = 0; level <= MAX_TILE_LEVEL; level++) {
    const count = hashesAtLevel(level, treeSize);
    if (count === 0) break;
    for (let index = 0; index * TILE_WIDTH < count; index++) {
      tiles.push({
        kind: 'hash',
        level,
        index,
        width: Math.min(TILE_WIDTH, count - index * TILE_WIDTH),
      });
    }
  }
  return tiles;
}

/**
 * Every entry bundle of a tree of `treeSize` leaves at its current width, by index.
 */
export function entryBundlesForSize(treeSize: number): TileRef[] {
  return tilesForSize(treeSize)
    .filter((t) => t.level === 0)
    .map((t) => ({ ...t, kind: 'entries' as const }));
}

/**
 * The hash tiles whose content differs between tree sizes `oldSize ≤ newSize`: those that are
 * new or wider (what a log must write when it grows), in the order of {@link tilesForSize}.
 */
export function tilesChanged(oldSize: number, newSize: number): TileRef[] {
  requireCoordinates(0, 0, oldSize);
  if (newSize < oldSize) {
    throw new TileError('INVALID_TILE', 'newSize must not be smaller than oldSize', {
      evidence: { oldSize, newSize: String(newSize) },
    });
  }
  return tilesForSize(newSize).filter((t) => t.width > hashTileWidth(t.level, t.index, oldSize));
}

/**
 * Where the hashes that make node `id` live: the tile at level ⌊id.level / 8⌋ holding the
 * 2^height consecutive hashes (height = id.level mod 8) starting at `offset`, whose
 * {@link subtreeRootOf} is the node's hash (C2SP tlog-tiles "Merkle Tree").
 */
export function locateNode(id: NodeId): {
  tileLevel: number;
  tileIndex: number;
  offset: number;
  height: number;
} {
  if (
    !Number.isInteger(id.level) ||
    id.level < 0 ||
    id.level > TILE_HEIGHT * (MAX_TILE_LEVEL + 1) - 1
  ) {
    throw new TileError('INVALID_TILE', 'node level out of range', {
      evidence: { level: String(id.level) },
    });
  }
  const tileLevel = Math.floor(id.level / TILE_HEIGHT);
  const height = id.level % TILE_HEIGHT;
  const first = id.index * 2 ** height;
  if (!Number.isSafeInteger(id.index) || id.index < 0 || !Number.isSafeInteger(first)) {
    throw new TileError('INVALID_TILE', 'node index out of range', {
      evidence: { index: String(id.index) },
    });
  }
  return {
    tileLevel,
    tileIndex: Math.floor(first / TILE_WIDTH),
    offset: first % TILE_WIDTH,
    height,
  };
}

/**
 * The Merkle Tree Hash (RFC 9162 §2.1.1) of a perfect subtree given the hashes of its 2^k
 * leftmost-to-rightmost children at one level, hashed pairwise. Throws `MALFORMED_TILE` unless
 * there is a power-of-two number of 32-byte hashes.
 */
export function subtreeRootOf(hashes: readonly Uint8Array[]): Uint8Array {
  const n = hashes.length;
  if (n === 0 || (n & (n - 1)) !== 0) {
    throw new TileError(
      'MALFORMED_TILE',
      'a perfect subtree needs a power-of-two number of hashes',
      {
        evidence: { count: n },
      },
    );
  }
  let level = hashes.map((h) => {
    if (!(h instanceof Uint8Array) || h.length !== 32) {
      throw new TileError('MALFORMED_TILE', 'tile hashes are 32 bytes');
    }
    return h;
  });
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!));
    level = next;
  }
  return level[0]!;
}
