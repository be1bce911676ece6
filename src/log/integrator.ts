/**
 * The integrator: grows the Merkle tree (RFC 9162 §2.1.1) over sequenced leaves and keeps the
 * C2SP tlog-tiles hash tiles up to date. It holds the compact range (frontier) of the tree and
 * the right-edge tile of every tile level; a batch is planned on copies and applied only once
 * the store has committed it, so a failed write leaves memory as it was.
 */
import { CompactRange, type NodeHasher } from '../core/merkle/index.ts';
import { nodeHash as coreNodeHash } from '../core/merkle/index.ts';
import type { NodeId } from '../core/merkle/index.ts';
import { TILE_HEIGHT, TILE_WIDTH } from '../core/tiles/index.ts';
import { StorageError } from '../storage/index.ts';
import type { LevelStore, StoreOp } from '../storage/index.ts';
import type { TreeState } from '../storage/index.ts';

const HASH = 32;

/**
 * Interior nodes stored after a full tile's 256 hashes: heights 1..7 inside the tile, 128, 64,
 * …, 2 nodes (254 hashes, 8,128 bytes), so that proofs read them instead of re-hashing. The
 * public tile (C2SP tlog-tiles) is the first 8,192 bytes.
 */
export const TILE_INTERIOR_NODES = 254;

/** Offset, in hashes, of height `h` (1..7) inside the stored interior nodes. */
export function interiorOffset(h: number): number {
  return TILE_WIDTH - 2 ** (TILE_HEIGHT + 1 - h);
}

/** The right-most (growing) tile of one tile level. */
interface EdgeTile {
  index: number;
  width: number;
  /** TILE_WIDTH hashes, then TILE_INTERIOR_NODES interior hashes; set as they complete. */
  bytes: Uint8Array;
}

const EDGE_BYTES = (TILE_WIDTH + TILE_INTERIOR_NODES) * HASH;

/** Result of planning the integration of a batch. */
export interface IntegrationPlan {
  readonly state: TreeState;
  readonly ops: StoreOp[];
  /** Makes the plan the integrator's state; call once the store has committed `ops`. */
  apply(): void;
}

/** Grows the tree and its tiles. */
export class Integrator {
  private constructor(
    private readonly store: LevelStore,
    private range: CompactRange,
    private edges: EdgeTile[],
  ) {}

  /** Integrated tree size. */
  get size(): number {
    return this.range.size;
  }

  /** Root of the integrated tree. */
  root(): Uint8Array {
    return this.range.root();
  }

  /**
   * Resumes from a committed tree state, reloading the right-edge tile of each level.
   * A tile shorter than the state says is a corrupt store.
   */
  static async resume(
    store: LevelStore,
    state: TreeState | undefined,
    hashNode?: NodeHasher,
  ): Promise<Integrator> {
    if (state === undefined) return new Integrator(store, CompactRange.empty(hashNode), []);
    const range = CompactRange.fromHashes(state.size, state.frontier, hashNode);
    const edges: EdgeTile[] = [];
    // Tile level L holds the tree-level 8L nodes; there are floor(size / 256^L) of them.
    for (
      let level = 0, count = state.size;
      count > 0;
      level++, count = Math.floor(count / TILE_WIDTH)
    ) {
      const index = Math.floor(count / TILE_WIDTH);
      const width = count % TILE_WIDTH;
      const bytes = new Uint8Array(EDGE_BYTES);
      if (width > 0) {
        const stored = await store.tile(level, index);
        if (stored === undefined || stored.length < width * HASH) {
          throw new StorageError(
            'STORE_CORRUPT',
            `tile ${level}/${index} holds ${stored ? stored.length / HASH : 0} hashes, the tree state needs ${width}`,
          );
        }
        bytes.set(stored.subarray(0, width * HASH));
        fillInterior(bytes, width, hashNode ?? coreNodeHash);
      }
      edges[level] = { index, width, bytes };
    }
    return new Integrator(store, range, edges);
  }

  /** Plans appending `leafHashes` to the tree: the new state and the tile writes. */
  plan(leafHashes: readonly Uint8Array[]): IntegrationPlan {
    const range = this.range.clone();
    const edges = this.edges.map((e) => ({ ...e, bytes: e.bytes.slice() }));
    const dirty = new Set<EdgeTile>();
    // Tiles filled by this batch, written at the end: their interior nodes of heights 1..7
    // arrive (bottom-up) after the hash that fills them.
    const filled = new Map<string, EdgeTile>();
    const ops: StoreOp[] = [];
    const visit = (id: NodeId, hash: Uint8Array): void => {
      const height = id.level % TILE_HEIGHT;
      const level = (id.level - height) / TILE_HEIGHT;
      if (height !== 0) {
        const tileIndex = Math.floor((id.index * 2 ** height) / TILE_WIDTH);
        const edge =
          edges[level]?.index === tileIndex ? edges[level] : filled.get(`${level}/${tileIndex}`);
        if (edge !== undefined) {
          const pos = (id.index % 2 ** (TILE_HEIGHT - height)) + interiorOffset(height);
          edge.bytes.set(hash, (TILE_WIDTH + pos) * HASH);
        }
        return;
      }
      let edge = edges[level];
      if (edge === undefined) {
        edge = { index: 0, width: 0, bytes: new Uint8Array(EDGE_BYTES) };
        edges[level] = edge;
      }
      const index = Math.floor(id.index / TILE_WIDTH);
      const offset = id.index % TILE_WIDTH;
      if (index !== edge.index || offset !== edge.width) {
        throw new StorageError(
          'STORE_CORRUPT',
          `node ${id.level}/${id.index} does not extend tile ${level}/${edge.index} of width ${edge.width}`,
        );
      }
      edge.bytes.set(hash, offset * HASH);
      edge.width++;
      dirty.add(edge);
      if (edge.width === TILE_WIDTH) {
        dirty.delete(edge);
        filled.set(`${level}/${edge.index}`, edge);
        edges[level] = { index: edge.index + 1, width: 0, bytes: new Uint8Array(EDGE_BYTES) };
      }
    };
    for (const h of leafHashes) range.append(h, visit);
    for (const [key, tile] of filled) {
      const level = Number(key.slice(0, key.indexOf('/')));
      ops.push(this.store.tileOp(level, tile.index, tile.bytes.slice()));
    }
    edges.forEach((edge, level) => {
      if (dirty.has(edge)) {
        ops.push(this.store.tileOp(level, edge.index, edge.bytes.slice(0, edge.width * HASH)));
      }
    });
    const state: TreeState = { size: range.size, root: range.root(), frontier: [...range.hashes] };
    ops.push(this.store.treeStateOp(state));
    return {
      state,
      ops,
      apply: () => {
        this.range = range;
        this.edges = edges;
      },
    };
  }
}

/** Recomputes the interior nodes of a partial tile's complete subtrees (after a restart). */
function fillInterior(bytes: Uint8Array, width: number, hashNode: NodeHasher): void {
  let below: Uint8Array[] = [];
  for (let j = 0; j < width; j++) below.push(bytes.subarray(j * HASH, (j + 1) * HASH));
  for (let h = 1; h < TILE_HEIGHT; h++) {
    const up: Uint8Array[] = [];
    for (let j = 0; j + 1 < below.length; j += 2) {
      const node = hashNode(below[j]!, below[j + 1]!);
      bytes.set(node, (TILE_WIDTH + interiorOffset(h) + up.length) * HASH);
      up.push(node);
    }
    below = up;
  }
}
