/**
 * The log's LevelDB store: one database folder, binary keys (see key-layout.ts), every write an
 * atomic batch. `commit` with `sync: true` returns only once LevelDB has fsynced the batch.
 */
import { Level } from 'level';
import { readU64be, u64be } from '../core/bytes.ts';
import { StorageError } from './errors.ts';
import {
  checkpointKey,
  entryKey,
  KeyPrefix,
  prefixEnd,
  SEQUENCE_KEY,
  sizeOfCheckpointKey,
  tileKey,
  TREE_STATE_KEY,
} from './key-layout.ts';
import { decodeTreeState, encodeTreeState, type TreeState } from './tree-state.ts';

/** One write of an atomic batch. */
export type StoreOp =
  { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array };

type Db = Level<Uint8Array, Uint8Array>;

/** LevelDB hands out Buffers; the rest of the code sees plain Uint8Array views of them. */
function plain(v: Uint8Array): Uint8Array;
function plain(v: Uint8Array | undefined): Uint8Array | undefined;
function plain(v: Uint8Array | undefined): Uint8Array | undefined {
  return v === undefined ? undefined : new Uint8Array(v.buffer, v.byteOffset, v.length);
}
const ENC = { keyEncoding: 'view', valueEncoding: 'view' } as const;

/** LevelDB's block cache by default: room for the hot tiles of a log of a few million leaves. */
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

/** How to open a store. */
export interface LevelStoreOptions {
  /** LevelDB block cache in bytes (LevelDB's own default is 8 MiB). */
  readonly cacheBytes?: number;
}

/** Typed access to the LevelDB records of one log. */
export class LevelStore {
  private constructor(private readonly db: Db) {}

  /**
   * Opens (creating if missing) the database at `path`. A folder held by another process gives
   * `STORE_LOCKED`; anything else that stops LevelDB opening gives `STORE_OPEN_FAILED`.
   */
  static async open(path: string, options: LevelStoreOptions = {}): Promise<LevelStore> {
    const db: Db = new Level<Uint8Array, Uint8Array>(path, {
      ...ENC,
      cacheSize: options.cacheBytes ?? DEFAULT_CACHE_BYTES,
    });
    try {
      await db.open();
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const text = `${(e as Error).message} ${cause?.message ?? ''}`;
      if (/lock/i.test(text)) {
        throw new StorageError(
          'STORE_LOCKED',
          `the log database at ${path} is in use by another process (LevelDB LOCK held)`,
          { cause: e },
        );
      }
      throw new StorageError(
        'STORE_OPEN_FAILED',
        `cannot open the log database at ${path}: ${text}`,
        {
          cause: e,
        },
      );
    }
    return new LevelStore(db);
  }

  /** Writes `ops` atomically; with `sync` the call resolves only after an fsync. */
  async commit(ops: readonly StoreOp[], sync: boolean): Promise<void> {
    await this.db.batch(ops as StoreOp[], { ...ENC, sync });
  }

  /** The integrated tree state, or undefined for a new log. */
  async treeState(): Promise<TreeState | undefined> {
    const v = await this.db.get(TREE_STATE_KEY);
    return v === undefined ? undefined : decodeTreeState(v);
  }

  /** Operation that records the integrated tree state. */
  treeStateOp(s: TreeState): StoreOp {
    return { type: 'put', key: TREE_STATE_KEY, value: encodeTreeState(s) };
  }

  /** The sequenced size (next index), or undefined for a new log. */
  async sequencedSize(): Promise<number | undefined> {
    const v = await this.db.get(SEQUENCE_KEY);
    if (v === undefined) return undefined;
    if (v.length !== 8) throw new StorageError('STORE_CORRUPT', 'sequence record is not 8 bytes');
    return readU64be(v);
  }

  /** Operation that records the sequenced size. */
  sequenceOp(size: number): StoreOp {
    return { type: 'put', key: SEQUENCE_KEY, value: u64be(size) };
  }

  /** Operation that stores leaf data at `index`. */
  entryOp(index: number, data: Uint8Array): StoreOp {
    return { type: 'put', key: entryKey(index), value: data };
  }

  /** Leaf data at `index`, or undefined. */
  async entry(index: number): Promise<Uint8Array | undefined> {
    return plain(await this.db.get(entryKey(index)));
  }

  /** Leaf data of [start, end), in order; a hole is a corrupt store. */
  async entries(start: number, end: number): Promise<Uint8Array[]> {
    if (end <= start) return [];
    const out: Uint8Array[] = [];
    let expect = start;
    for await (const [k, v] of this.db.iterator({
      gte: entryKey(start),
      lt: entryKey(end),
      ...ENC,
    })) {
      const i = readU64be(k, 1);
      if (i !== expect) throw new StorageError('STORE_CORRUPT', `leaf data ${expect} is missing`);
      out.push(plain(v));
      expect++;
    }
    if (expect !== end) throw new StorageError('STORE_CORRUPT', `leaf data ${expect} is missing`);
    return out;
  }

  /** Operation that stores hash tile `level`/`index`. */
  tileOp(level: number, index: number, bytes: Uint8Array): StoreOp {
    return { type: 'put', key: tileKey(level, index), value: bytes };
  }

  /** Hash tile bytes as last written, or undefined. */
  async tile(level: number, index: number): Promise<Uint8Array | undefined> {
    return plain(await this.db.get(tileKey(level, index)));
  }

  /** Hash tile bytes, read synchronously (for proof generation on a hot path). */
  tileSync(level: number, index: number): Uint8Array | undefined {
    return plain(this.db.getSync(tileKey(level, index)));
  }

  /** Operation that stores the checkpoint signed at `size`. */
  checkpointOp(size: number, note: Uint8Array): StoreOp {
    return { type: 'put', key: checkpointKey(size), value: note };
  }

  /** The checkpoint signed at exactly `size`, or undefined. */
  async checkpointAt(size: number): Promise<Uint8Array | undefined> {
    return plain(await this.db.get(checkpointKey(size)));
  }

  /** The checkpoint with the largest size, or undefined before the first. */
  async latestCheckpoint(): Promise<{ size: number; note: Uint8Array } | undefined> {
    for await (const [k, v] of this.db.iterator({
      gte: checkpointKey(0),
      lt: prefixEnd(KeyPrefix.checkpoint),
      reverse: true,
      limit: 1,
      ...ENC,
    })) {
      return { size: sizeOfCheckpointKey(k), note: plain(v) };
    }
    return undefined;
  }

  /** Every stored checkpoint, oldest first. */
  async *checkpoints(): AsyncGenerator<{ size: number; note: Uint8Array }> {
    for await (const [k, v] of this.db.iterator({
      gte: checkpointKey(0),
      lt: prefixEnd(KeyPrefix.checkpoint),
      ...ENC,
    })) {
      yield { size: sizeOfCheckpointKey(k), note: plain(v) };
    }
  }

  // Raw access for the other parts of the node, each under its own KeyPrefix.

  /** Value at `key`, or undefined. */
  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return plain(await this.db.get(key));
  }

  /** Value at `key`, read synchronously, or undefined. */
  getSync(key: Uint8Array): Uint8Array | undefined {
    return plain(this.db.getSync(key));
  }

  /** Values at `keys`, in order. */
  async getMany(keys: Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    return (await this.db.getMany(keys)).map((v) => plain(v));
  }

  /** Key/value pairs in [gte, lt), in key order (or reversed), at most `limit`. */
  async *range(options: {
    gte: Uint8Array;
    lt: Uint8Array;
    reverse?: boolean;
    limit?: number;
  }): AsyncGenerator<[Uint8Array, Uint8Array]> {
    for await (const [k, v] of this.db.iterator({ ...options, ...ENC })) yield [plain(k), plain(v)];
  }

  /** A put operation for a batch. */
  putOp(key: Uint8Array, value: Uint8Array): StoreOp {
    return { type: 'put', key, value };
  }

  /** A delete operation for a batch. */
  delOp(key: Uint8Array): StoreOp {
    return { type: 'del', key };
  }

  /** A LevelDB property (e.g. `leveldb.num-files-at-level0`, `leveldb.stats`), for reports. */
  property(name: string): string {
    return (this.db as unknown as { getProperty(p: string): string }).getProperty(name);
  }

  /** Approximate bytes on disk for a key range (LevelDB's estimate), for reports. */
  async approximateSize(start: Uint8Array, end: Uint8Array): Promise<number> {
    const db = this.db as unknown as {
      approximateSize?: (s: Uint8Array, e: Uint8Array, o: object) => Promise<number>;
    };
    return db.approximateSize ? db.approximateSize(start, end, ENC) : 0;
  }

  /** Closes the database; pending commits finish first. */
  async close(): Promise<void> {
    await this.db.close();
  }
}
