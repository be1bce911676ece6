/**
 * The verifiable log: an append-only RFC 9162 Merkle tree in LevelDB, served as C2SP
 * tlog-tiles with C2SP tlog-checkpoint signed notes.
 *
 * One writer at a time: appends are queued. Each append is one atomic `sync: true` LevelDB
 * batch holding the leaf data and sequenced size (sequencer), the changed hash tiles and the
 * tree state (integrator), and the signed checkpoint of the new size — so after a crash the
 * log reopens at the last committed size, with the same root, and every checkpoint it ever
 * published is a prefix of the tree. Entries sequenced by `sequence` alone are integrated by
 * `integratePending`, or at the next open.
 */
import { utf8 } from '../core/bytes.ts';
import { nobleHasher, type LogHasher } from '../core/merkle/index.ts';
import { consistencyProof } from '../core/merkle/index.ts';
import { inclusionNodes, rehashProof } from '../core/merkle/index.ts';
import type { NoteSigner } from '../core/note/index.ts';
import { entryBundleWidth, hashTileWidth, TILE_WIDTH } from '../core/tiles/index.ts';
import { encodeEntryBundle } from '../core/tiles/index.ts';
import { StorageError } from '../storage/index.ts';
import { LevelStore, type StoreOp } from '../storage/index.ts';
import { CheckpointSigner } from './checkpoint-signer.ts';
import { LogError } from './errors.ts';
import { Integrator } from './integrator.ts';
import type { LogReadModel } from './read-model.ts';
import { Sequencer } from './sequencer.ts';
import { TileNodeReader } from './tile-node-reader.ts';

/** Largest leaf data an entry bundle can carry (uint16 length prefix, C2SP tlog-tiles). */
export const MAX_ENTRY_SIZE = 0xffff;

/** How to open a log. */
export interface MerkleLogOptions {
  /** LevelDB folder (when the log has a database of its own). */
  readonly path?: string;
  /** LevelDB block cache in bytes, when the log opens its own store. */
  readonly cacheBytes?: number;
  /** A store shared with other records of the node (instead of `path`); the log does not close it. */
  readonly store?: LevelStore;
  /** Origin line of the checkpoints; the signer's key name must equal it. */
  readonly origin: string;
  /** The log's Ed25519 note signer. */
  readonly signer: NoteSigner;
  /** The matching verifier key (`origin+keyid+base64(0x01‖pub)`). */
  readonly vkey: string;
  /**
   * RFC 9162 leaf and node hashes of the tree and its proofs; defaults to the core's
   * `nobleHasher` (`src/node-fast/node-hasher.ts` has the node's faster, equal one).
   */
  readonly hasher?: LogHasher;
}

/** `hasher.nodeHash` as a function of its own, for the tree, tile and proof code. */
function nodeHashOf(hasher: LogHasher): (l: Uint8Array, r: Uint8Array) => Uint8Array {
  return (l, r) => hasher.nodeHash(l, r);
}

/** What one committed append produced. */
export interface AppendResult {
  /** Index of the batch's first entry. */
  readonly first: number;
  /** Tree size after the batch. */
  readonly size: number;
  /** Root after the batch. */
  readonly root: Uint8Array;
  /** The checkpoint signed for `size` (a signed note). */
  readonly checkpoint: string;
}

/** A published checkpoint. */
export interface PublishedCheckpoint {
  readonly size: number;
  readonly note: Uint8Array;
}

/** The LevelDB-backed Merkle log. */
export class MerkleLog implements LogReadModel {
  /** Commits run one after another, in the order their batches were planned. */
  private commits: Promise<unknown> = Promise.resolve();
  private closed = false;
  private failure: unknown = undefined;
  private published: PublishedCheckpoint;
  private latestRoot: Uint8Array;
  /** Sequenced entries not yet in the tree, in index order. */
  private pending: Uint8Array[] = [];
  private readonly listeners = new Set<(cp: PublishedCheckpoint) => void>();
  private readonly nodes: TileNodeReader;
  /** Right-border node hashes of inclusion proofs, by tree size (the latest few sizes). */
  private readonly ephemeral = new Map<number, Map<string, Uint8Array>>();
  private readonly hashNode: (l: Uint8Array, r: Uint8Array) => Uint8Array;
  /**
   * The last path written, for the next leaf's: a fresh array of {@link inclusionPath} is never
   * written again; the shared buffer of {@link inclusionPathNow} is, by the next such call.
   */
  private lastPath:
    { size: number; index: number; inner: number; fork: number; path: Uint8Array } | undefined;
  /** The buffer {@link inclusionPathNow} writes into. */
  private pathBuf = new Uint8Array(64 * 32);

  private constructor(
    private readonly store: LevelStore,
    private readonly ownsStore: boolean,
    private readonly sequencer: Sequencer,
    private readonly integrator: Integrator,
    private readonly checkpoints: CheckpointSigner,
    /** How the tree hashes; a ledger on this log hashes its leaves the same way. */
    readonly hasher: LogHasher,
    readonly origin: string,
    readonly vkey: string,
    published: PublishedCheckpoint,
  ) {
    this.published = published;
    this.latestRoot = integrator.root();
    this.hashNode = nodeHashOf(hasher);
    this.nodes = new TileNodeReader(store, this.hashNode);
  }

  /**
   * Opens the log at `options.path` (or in `options.store`, shared with other records of the
   * node), creating it with a signed size-0 checkpoint if new, and integrating any entries that
   * were sequenced but not yet integrated.
   */
  static async open(options: MerkleLogOptions): Promise<MerkleLog> {
    const owns = options.store === undefined;
    const store =
      options.store ??
      (await LevelStore.open(
        options.path ?? '',
        options.cacheBytes === undefined ? {} : { cacheBytes: options.cacheBytes },
      ));
    try {
      const checkpoints = new CheckpointSigner(options.origin, options.signer);
      const state = await store.treeState();
      const seq = (await store.sequencedSize()) ?? state?.size ?? 0;
      const integrated = state?.size ?? 0;
      if (seq < integrated) {
        throw new StorageError(
          'STORE_CORRUPT',
          `sequenced size ${seq} is below the integrated size ${integrated}`,
        );
      }
      const hasher = options.hasher ?? nobleHasher;
      const integrator = await Integrator.resume(store, state, nodeHashOf(hasher));
      let latest = await store.latestCheckpoint();
      if (latest === undefined || latest.size < integrated) {
        // A new log, or a store whose last checkpoint went missing: sign the integrated state.
        const note = utf8(checkpoints.sign(integrated, integrator.root()));
        await store.commit([store.checkpointOp(integrated, note)], true);
        latest = { size: integrated, note };
      }
      const log = new MerkleLog(
        store,
        owns,
        new Sequencer(store, seq),
        integrator,
        checkpoints,
        hasher,
        options.origin,
        options.vkey,
        latest,
      );
      if (seq > integrated) {
        log.pending = await store.entries(integrated, seq);
        await log.integratePending();
      }
      return log;
    } catch (e) {
      if (owns) await store.close();
      throw e;
    }
  }

  /** Tree size of the latest published checkpoint. */
  get size(): number {
    return this.published.size;
  }

  /** Number of sequenced entries (integrated or not, committed or about to be). */
  get sequencedSize(): number {
    return this.sequencer.next;
  }

  /** Root of the tree at the published size. */
  publishedRoot(): Uint8Array {
    return this.latestRoot;
  }

  /** Root of the tree as planned so far (equal to the published root when no batch is in flight). */
  root(): Uint8Array {
    return this.integrator.root();
  }

  /** Calls `listener` after each new checkpoint is committed. Returns an unsubscribe function. */
  onCheckpoint(listener: (cp: PublishedCheckpoint) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Appends `entries` as one atomic, fsynced batch: leaf data, tiles, tree state, a signed
   * checkpoint, and `extraOps` (records of other parts of the node that must commit with the
   * entries). Resolves once the batch is durable.
   *
   * The batch is planned at once, on top of the batches still committing, so hashing and
   * signing overlap the previous fsync; commits themselves run strictly in order. If a commit
   * fails, the log refuses all further work (`LOG_FAILED`): batches planned after it were
   * built on it, and only a reopen knows what reached the disk.
   *
   * `leafHashes`, when given, are the entries' RFC 9162 §2.1.1 leaf hashes, made with a hasher
   * equal to this log's (the ledger has them already: they are its chain links).
   */
  async append(
    entries: readonly Uint8Array[],
    extraOps: readonly StoreOp[] = [],
    leafHashes?: readonly Uint8Array[],
  ): Promise<AppendResult> {
    this.checkUsable();
    this.checkEntries(entries);
    if (leafHashes !== undefined && leafHashes.length !== entries.length) {
      throw new RangeError(`${leafHashes.length} leaf hashes for ${entries.length} entries`);
    }
    const seq = this.sequencer.plan(entries);
    this.sequencer.committed(seq);
    let hashes = leafHashes ?? entries.map((e) => this.hasher.leafHash(e));
    if (this.pending.length > 0) {
      hashes = [...this.pending.map((e) => this.hasher.leafHash(e)), ...hashes];
    }
    this.pending = [];
    return this.integrateAndCommit(hashes, [...seq.ops, ...extraOps]);
  }

  /**
   * Sequences `entries` durably without growing the tree: resolves to the first index once the
   * leaf data is fsynced. `append`, `integratePending` or the next open adds them to the tree.
   */
  async sequence(
    entries: readonly Uint8Array[],
    extraOps: readonly StoreOp[] = [],
  ): Promise<number> {
    this.checkUsable();
    this.checkEntries(entries);
    const seq = this.sequencer.plan(entries);
    this.sequencer.committed(seq);
    this.pending.push(...entries);
    await this.inOrder(() => this.store.commit([...seq.ops, ...extraOps], true));
    return seq.first;
  }

  /**
   * Commits `ops` (records of other parts of the node) in order after every batch planned so
   * far, without a new entry or checkpoint. With no ops, resolves once those batches are durable.
   */
  async commitOps(ops: readonly StoreOp[]): Promise<void> {
    this.checkUsable();
    await this.inOrder(async () => {
      if (ops.length > 0) await this.store.commit(ops, true);
    });
  }

  /** Integrates every sequenced entry not yet in the tree, signing a checkpoint if any. */
  async integratePending(): Promise<AppendResult | undefined> {
    this.checkUsable();
    if (this.pending.length === 0) return undefined;
    const entries = this.pending;
    this.pending = [];
    return this.integrateAndCommit(
      entries.map((e) => this.hasher.leafHash(e)),
      [],
    );
  }

  /** Grows the tree by the leaves with hashes `leafHashes` and commits it with `extraOps`. */
  private async integrateAndCommit(
    leafHashes: readonly Uint8Array[],
    extraOps: StoreOp[],
  ): Promise<AppendResult> {
    const first = this.integrator.size;
    const plan = this.integrator.plan(leafHashes);
    plan.apply();
    const checkpoint = this.checkpoints.sign(plan.state.size, plan.state.root);
    const note = utf8(checkpoint);
    const ops = [...extraOps, ...plan.ops, this.store.checkpointOp(plan.state.size, note)];
    await this.inOrder(async () => {
      await this.store.commit(ops, true);
      this.latestRoot = plan.state.root;
      this.publish({ size: plan.state.size, note });
    });
    return { first, size: plan.state.size, root: plan.state.root, checkpoint };
  }

  /** Runs `commit` after every earlier one; a failure stops the log. */
  private inOrder(commit: () => Promise<void>): Promise<void> {
    const run = this.commits.then(() => {
      if (this.failure !== undefined) {
        throw new LogError('LOG_FAILED', 'an earlier commit failed; reopen the log', {
          cause: this.failure,
        });
      }
      return commit();
    });
    this.commits = run.catch((e: unknown) => {
      this.failure ??= e;
    });
    return run;
  }

  private publish(cp: PublishedCheckpoint): void {
    this.published = cp;
    for (const l of this.listeners) {
      try {
        l(cp);
      } catch {
        // A listener's failure must not undo a committed batch.
      }
    }
  }

  private checkUsable(): void {
    if (this.closed) throw new LogError('LOG_CLOSED', 'the log is closed');
    if (this.failure !== undefined) {
      throw new LogError('LOG_FAILED', 'an earlier commit failed; reopen the log', {
        cause: this.failure,
      });
    }
  }

  private checkEntries(entries: readonly Uint8Array[]): void {
    entries.forEach((e, i) => {
      if (e.length > MAX_ENTRY_SIZE) {
        throw new LogError(
          'ENTRY_TOO_LARGE',
          `entry ${i} of the batch is ${e.length} bytes; the limit is ${MAX_ENTRY_SIZE}`,
        );
      }
    });
  }

  /** RFC 9162 §2.1.3.1 inclusion proof of leaf `index` in the tree of `size` (≤ published size). */
  async inclusionProof(index: number, size: number): Promise<Uint8Array[]> {
    this.checkSize(size);
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw new LogError('OUT_OF_RANGE', `leaf index ${index} is not below tree size ${size}`);
    }
    const nodes = inclusionNodes(index, size);
    if (nodes.begin === nodes.end) return this.nodes.read(nodes.ids);
    // The right-border ("ephemeral") node is folded from several stored subtrees; every proof
    // at this size that passes it (receipts prove a whole batch at one size) shares it.
    let bySize = this.ephemeral.get(size);
    if (bySize === undefined) {
      bySize = new Map();
      this.ephemeral.set(size, bySize);
      if (this.ephemeral.size > 4) this.ephemeral.delete(this.ephemeral.keys().next().value!);
    }
    const key = `${nodes.ephem.level}/${nodes.ephem.index}`;
    let border = bySize.get(key);
    if (border === undefined) {
      // The core's fold of the right border (RFC 9162 §2.1.1), on that run of nodes alone.
      const ids = nodes.ids.slice(nodes.begin, nodes.end);
      const run = { ids, begin: 0, end: ids.length, ephem: nodes.ephem };
      border = rehashProof(run, this.nodes.read(ids), this.hashNode)[0]!;
      bySize.set(key, border);
    }
    return [
      ...this.nodes.read(nodes.ids.slice(0, nodes.begin)),
      border,
      ...this.nodes.read(nodes.ids.slice(nodes.end)),
    ];
  }

  /**
   * {@link inclusionProof} as one array of the proof's 32-byte hashes, in proof order: the same
   * nodes (transparency-dev/merkle `proof.go`: the siblings below the fork, the right-border
   * node, then the complete subtrees left of the fork, smallest first), read without node
   * objects (a node publishes one receipt per reading).
   */
  async inclusionPath(index: number, size: number): Promise<Uint8Array> {
    const fork = this.forkOf(index, size);
    const border =
      fork.end < size ? await this.borderNode(index, size, fork.inner, fork.fork) : undefined;
    return this.writePath(index, size, fork.inner, fork.fork, border, false);
  }

  /**
   * {@link inclusionPath} at once, into a buffer the log reuses: the view is valid only until the
   * next call of this method, and is undefined when the proof needs a right-border node that is
   * not cached yet (then {@link inclusionPath} reads it). For receipts, which copy the path into
   * their message straight away: one proof per reading, without an allocation per proof.
   */
  inclusionPathNow(index: number, size: number): Uint8Array | undefined {
    const fork = this.forkOf(index, size);
    let border: Uint8Array | undefined;
    if (fork.end < size) {
      border = this.cachedBorder(size, fork.inner, fork.fork);
      if (border === undefined) return undefined;
    }
    return this.writePath(index, size, fork.inner, fork.fork, border, true);
  }

  /** Where the path of `index` leaves the path to the right border (RFC 9162 §2.1.3.1). */
  private forkOf(index: number, size: number): { inner: number; fork: number; end: number } {
    this.checkSize(size);
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw new LogError('OUT_OF_RANGE', `leaf index ${index} is not below tree size ${size}`);
    }
    const inner = bitLength53(xor53(index, size)) - 1;
    const span = 2 ** inner;
    const fork = Math.floor(index / span);
    return { inner, fork, end: (fork + 1) * span };
  }

  /** Writes the path (a fresh array, or with `shared` the reused buffer) synchronously. */
  private writePath(
    index: number,
    size: number,
    inner: number,
    fork: number,
    border: Uint8Array | undefined,
    shared: boolean,
  ): Uint8Array {
    const begin = fork * 2 ** inner;
    let left = 0;
    for (let b = begin; b > 0; b = Math.floor(b / 2)) left += b % 2;
    const n = (inner + (border === undefined ? 0 : 1) + left) * 32;
    // Receipts prove a batch's leaves in order at one size: the proof of the leaf before shares
    // every node above the levels where the two indices differ, and everything after the fork.
    const last = this.lastPath;
    const same =
      last !== undefined && last.size === size && last.inner === inner && last.fork === fork;
    let out: Uint8Array;
    if (shared) {
      if (this.pathBuf.length < n) this.pathBuf = new Uint8Array(n);
      out = this.pathBuf.subarray(0, n);
    } else out = new Uint8Array(n);
    if (same) {
      const differ = Math.min(inner, bitLength53(xor53(index, last.index)));
      for (let l = 0, v = index; l < differ; l++, v = Math.floor(v / 2)) {
        this.nodes.copyNode(l, v % 2 === 0 ? v + 1 : v - 1, out, l * 32);
      }
      // The shared buffer holds the last path already when it was the one written last.
      if (out.buffer !== last.path.buffer || out.byteOffset !== last.path.byteOffset) {
        out.set(last.path.subarray(differ * 32), differ * 32);
      }
      last.index = index;
      last.path = out;
      return out;
    }
    let at = 0;
    for (let l = 0, v = index; l < inner; l++, v = Math.floor(v / 2)) {
      this.nodes.copyNode(l, v % 2 === 0 ? v + 1 : v - 1, out, at);
      at += 32;
    }
    if (border !== undefined) {
      out.set(border, at);
      at += 32;
    }
    for (let l = 0, b = begin; b > 0; l++, b = Math.floor(b / 2)) {
      if (b % 2 === 1) {
        this.nodes.copyNode(l, b - 1, out, at);
        at += 32;
      }
    }
    this.lastPath = { size, index, inner, fork, path: out };
    return out;
  }

  /** The cached right-border node of fork (`inner`, `fork`) at `size`, if any. */
  private cachedBorder(size: number, inner: number, fork: number): Uint8Array | undefined {
    return this.ephemeral.get(size)?.get(`${inner}/${fork % 2 === 0 ? fork + 1 : fork - 1}`);
  }

  /** The right-border node of the proof of `index` at `size`, the sibling of fork (`inner`, `fork`). */
  private async borderNode(
    index: number,
    size: number,
    inner: number,
    fork: number,
  ): Promise<Uint8Array> {
    const cached = this.cachedBorder(size, inner, fork);
    if (cached !== undefined) return cached;
    // Once per border node and size: the general path folds it and caches it.
    return (await this.inclusionProof(index, size))[inner]!;
  }

  /** RFC 9162 §2.1.4.1 consistency proof from `size1` to `size2` (≤ published size). */
  async consistencyProof(size1: number, size2: number): Promise<Uint8Array[]> {
    this.checkSize(size2);
    if (!Number.isSafeInteger(size1) || size1 < 0 || size1 > size2) {
      throw new LogError('OUT_OF_RANGE', `size ${size1} is not between 0 and ${size2}`);
    }
    return consistencyProof(size1, size2, (ids) => this.nodes.read(ids), this.hashNode);
  }

  private checkSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.published.size) {
      throw new LogError(
        'OUT_OF_RANGE',
        `tree size ${size} is beyond the published size ${this.published.size}`,
      );
    }
  }

  /** Leaf data at `index` (published entries only). */
  async entry(index: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.published.size) {
      throw new LogError(
        'OUT_OF_RANGE',
        `leaf index ${index} is not below tree size ${this.published.size}`,
      );
    }
    const e = await this.store.entry(index);
    if (e === undefined) throw new StorageError('STORE_CORRUPT', `leaf data ${index} is missing`);
    return e;
  }

  /** Leaf data of the published leaves [start, end), in order. */
  async entries(start: number, end: number): Promise<Uint8Array[]> {
    if (
      !Number.isSafeInteger(start) ||
      !Number.isSafeInteger(end) ||
      start < 0 ||
      start > end ||
      end > this.published.size
    ) {
      throw new LogError(
        'OUT_OF_RANGE',
        `range [${start}, ${end}) is not within tree size ${this.published.size}`,
      );
    }
    return this.store.entries(start, end);
  }

  /** The checkpoint signed at exactly `size`, if the log signed one there. */
  async checkpointAt(size: number): Promise<Uint8Array | undefined> {
    return this.store.checkpointAt(size);
  }

  /** Every checkpoint the log has signed, oldest first. */
  allCheckpoints(): AsyncGenerator<PublishedCheckpoint> {
    return this.store.checkpoints();
  }

  // LogReadModel (C2SP tlog-tiles read side)

  /** The latest published checkpoint. */
  async checkpoint(): Promise<Uint8Array | undefined> {
    return this.published.note;
  }

  /** Published tree size. */
  publishedSize(): number {
    return this.published.size;
  }

  /** Hash tile `level`/`index` cut to `width` hashes, if it has that many at the published size. */
  async readHashTile(level: number, index: number, width: number): Promise<Uint8Array | undefined> {
    if (hashTileWidth(level, index, this.published.size) < width) return undefined;
    const bytes = await this.store.tile(level, index);
    if (bytes === undefined || bytes.length < width * 32) {
      throw new StorageError(
        'STORE_CORRUPT',
        `tile ${level}/${index} is shorter than the published tree`,
      );
    }
    return bytes.subarray(0, width * 32);
  }

  /** Entry bundle `index` of its first `width` entries, if it has that many at the published size. */
  async readEntryBundle(index: number, width: number): Promise<Uint8Array | undefined> {
    if (entryBundleWidth(index, this.published.size) < width) return undefined;
    const start = index * TILE_WIDTH;
    return encodeEntryBundle(await this.store.entries(start, start + width));
  }

  /** A LevelDB property of the log's store, for reports. */
  storeProperty(name: string): string {
    return this.store.property(name);
  }

  /** Approximate LevelDB bytes on disk, for reports. */
  async diskBytes(): Promise<number> {
    return this.store.approximateSize(Uint8Array.of(0), Uint8Array.of(0xff));
  }

  /** Finishes queued work and closes the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.commits;
    if (this.ownsStore) await this.store.close();
  }
}

/** Bits needed to write `n` (a non-negative safe integer). */
function bitLength53(n: number): number {
  const h = Math.floor(n / 2 ** 32);
  return h > 0 ? 64 - Math.clz32(h) : 32 - Math.clz32(n >>> 0);
}

/** Bitwise XOR of two non-negative safe integers. */
function xor53(a: number, b: number): number {
  const h = (Math.floor(a / 2 ** 32) ^ Math.floor(b / 2 ** 32)) >>> 0;
  return h * 2 ** 32 + (((a >>> 0) ^ (b >>> 0)) >>> 0);
}
