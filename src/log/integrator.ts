/**
 * The integrator: grows the Merkle tree (RFC 9162 §2.1.1) over sequenced leaves and keeps the
 * C2SP tlog-tiles hash tiles up to date. It holds the compact range (frontier) of the tree and
 * the right-edge tile of every tile level; a batch is planned on copies and applied only once
 * the store has committed it, so a failed write leaves memory as it was.
 */
import { CompactRange, type NodeHasher } from '../core/merkle/compact-range.ts';
import type { NodeId } from '../core/merkle/node-id.ts';
import { TILE_HEIGHT, TILE_WIDTH } from '../core/tiles/layout.ts';
import { StorageError } from '../storage/errors.ts';
import type { LevelStore, StoreOp } from '../storage/level-store.ts';
import type { TreeState } from '../storage/tree-state.ts';

const HASH = 32;

/** The right-most (growing) tile of one tile level. */
interface EdgeTile {
  index: number;
  width: number;
  bytes: Uint8Array; // TILE_WIDTH * HASH bytes; the first width * HASH are set
}

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
      const bytes = new Uint8Array(TILE_WIDTH * HASH);
      if (width > 0) {
        const stored = await store.tile(level, index);
        if (stored === undefined || stored.length < width * HASH) {
          throw new StorageError(
            'STORE_CORRUPT',
            `tile ${level}/${index} holds ${stored ? stored.length / HASH : 0} hashes, the tree state needs ${width}`,
          );
        }
        bytes.set(stored.subarray(0, width * HASH));
      }
      edges[level] = { index, width, bytes };
    }
    return new Integrator(store, range, edges);
  }

  /** Plans appending `leafHashes` to the tree: the new state and the tile writes. */
  plan(leafHashes: readonly Uint8Array[]): IntegrationPlan {
    const range = this.range.clone();
    const edges = this.edges.map((e) => ({ ...e, bytes: e.bytes.slice(0, TILE_WIDTH * HASH) }));
    const dirty = new Set<EdgeTile>();
    const ops: StoreOp[] = [];
    const visit = (id: NodeId, hash: Uint8Array): void => {
      if (id.level % TILE_HEIGHT !== 0) return;
      const level = id.level / TILE_HEIGHT;
      let edge = edges[level];
      if (edge === undefined) {
        edge = { index: 0, width: 0, bytes: new Uint8Array(TILE_WIDTH * HASH) };
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
        ops.push(this.store.tileOp(level, edge.index, edge.bytes.slice()));
        dirty.delete(edge);
        edges[level] = {
          index: edge.index + 1,
          width: 0,
          bytes: new Uint8Array(TILE_WIDTH * HASH),
        };
      }
    };
    for (const h of leafHashes) range.append(h, visit);
    edges.forEach((edge, level) => {
      if (dirty.has(edge))
        ops.push(this.store.tileOp(level, edge.index, edge.bytes.slice(0, edge.width * HASH)));
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
