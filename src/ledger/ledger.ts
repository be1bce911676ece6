/**
 * The ledger: the public Merkle log plus the private records behind its leaves. Appending an
 * item draws a fresh 32-byte salt, appends the 34-byte commitment leaf (DESIGN.md decision 4),
 * and stores the salt, the exact entry bytes and their metadata — with any records other parts
 * pass in — in the same atomic, fsynced batch.
 */
import { randomBytes } from 'node:crypto';
import { encodeLeaf, SALT_SIZE, type EntryKind } from '../core/leaf/leaf.ts';
import type { MerkleLog } from '../log/merkle-log.ts';
import { compositeKey, KeyPrefix } from '../storage/key-layout.ts';
import { StorageError } from '../storage/errors.ts';
import type { LevelStore, StoreOp } from '../storage/level-store.ts';
import {
  decodeEntryRecord,
  encodeEntryRecord,
  type EntryMeta,
  type EntryRecord,
} from './entry-record.ts';
import {
  decodeErasureRecord,
  encodeErasureRecord,
  ERASURE_KEY_PREFIX,
  erasureRecordKey,
  type ErasureRecord,
  type ErasureRequest,
} from './erasure-record.ts';

/** One entry to append. */
export interface LedgerItem {
  readonly kind: EntryKind;
  /** The exact entry bytes (a signed reading as received, a signed registration, …). */
  readonly bytes: Uint8Array;
  readonly meta: EntryMeta;
}

/** Where an appended item landed. */
export interface LedgerAppended {
  readonly index: number;
  readonly salt: Uint8Array;
  /** The 34-byte public leaf. */
  readonly leaf: Uint8Array;
}

/** What an append produced. */
export interface LedgerAppendResult {
  readonly entries: readonly LedgerAppended[];
  /** Tree size of the checkpoint that first includes them. */
  readonly size: number;
  /** Root of the tree at `size`. */
  readonly root: Uint8Array;
  /** That checkpoint (a signed note). */
  readonly checkpoint: string;
}

/** Key of the private record of leaf `index`. */
export function entryRecordKey(index: number): Uint8Array {
  return compositeKey(KeyPrefix.entryRecord, index);
}

/** Key of a meter-index row: (meter, interval start, leaf index). */
export function meterIndexKey(meterId: string, intervalStart: number, index: number): Uint8Array {
  return compositeKey(KeyPrefix.meterIndex, meterId, intervalStart, index);
}

/** A position in a meter's entries: resume strictly after this (interval start, leaf index). */
export interface MeterEntryPosition {
  readonly intervalStart: number;
  readonly index: number;
}

/** The public log and its private records. */
export class Ledger {
  private lastErasureId: number | undefined;
  private erasing: Promise<unknown> = Promise.resolve();

  /**
   * @param salts Fills an array with `n` fresh salts (tests pass a fixed one).
   * @param leafOf Builds a public leaf; the core's `encodeLeaf` or an equal faster one.
   */
  constructor(
    readonly log: MerkleLog,
    private readonly store: LevelStore,
    private readonly salts: (n: number) => Uint8Array = (n) =>
      new Uint8Array(randomBytes(n * SALT_SIZE)),
    private readonly leafOf: (
      kind: EntryKind,
      salt: Uint8Array,
      entry: Uint8Array,
    ) => Uint8Array = encodeLeaf,
  ) {}

  /**
   * Appends `items` (and `extraOps`) in one atomic, fsynced batch. Resolves once durable.
   * `extraOps` may be a function of the assigned indices; it is called synchronously, before
   * this method returns its promise. Calls are planned and committed in call order. With no
   * items, the extra ops are committed in order without a new checkpoint.
   */
  async append(
    items: readonly LedgerItem[],
    extraOps:
      readonly StoreOp[] | ((appended: readonly LedgerAppended[]) => readonly StoreOp[]) = [],
  ): Promise<LedgerAppendResult> {
    const first = this.log.sequencedSize;
    const ops: StoreOp[] = [];
    const salts = this.salts(items.length);
    const appended: LedgerAppended[] = items.map((item, k) => {
      const index = first + k;
      const salt = salts.subarray(k * SALT_SIZE, (k + 1) * SALT_SIZE);
      const leaf = this.leafOf(item.kind, salt, item.bytes);
      ops.push(
        this.store.putOp(
          entryRecordKey(index),
          encodeEntryRecord({
            erased: false,
            kind: item.kind,
            salt,
            bytes: item.bytes,
            meta: item.meta,
          }),
        ),
      );
      const { meterId, intervalStart } = item.meta;
      if (meterId !== undefined && intervalStart !== undefined) {
        ops.push(this.store.putOp(meterIndexKey(meterId, intervalStart, index), new Uint8Array(0)));
      }
      return { index, salt, leaf };
    });
    ops.push(...(typeof extraOps === 'function' ? extraOps(appended) : extraOps));
    if (items.length === 0) {
      await this.log.commitOps(ops);
      return { entries: [], size: this.log.size, root: this.log.publishedRoot(), checkpoint: '' };
    }
    const r = await this.log.append(
      appended.map((a) => a.leaf),
      ops,
    );
    if (r.first !== first) throw new Error('ledger: the log was appended to outside the ledger');
    return { entries: appended, size: r.size, root: r.root, checkpoint: r.checkpoint };
  }

  /** The private record of leaf `index`, if any. */
  async record(index: number): Promise<EntryRecord | undefined> {
    const v = await this.store.get(entryRecordKey(index));
    return v === undefined ? undefined : decodeEntryRecord(v);
  }

  /**
   * Leaf indices of `meterId`'s entries with interval start in [from, to), in (interval start,
   * index) order; with `after`, only those strictly after that position (for paging).
   */
  async *meterEntries(
    meterId: string,
    from: number,
    to: number,
    after?: MeterEntryPosition,
  ): AsyncGenerator<{ index: number; intervalStart: number }> {
    const prefixLen = compositeKey(KeyPrefix.meterIndex, meterId).length;
    const gte =
      after === undefined || after.intervalStart < from
        ? compositeKey(KeyPrefix.meterIndex, meterId, from)
        : compositeKey(KeyPrefix.meterIndex, meterId, after.intervalStart, after.index + 1);
    for await (const [k] of this.store.range({
      gte,
      lt: compositeKey(KeyPrefix.meterIndex, meterId, to),
    })) {
      const view = new DataView(k.buffer, k.byteOffset, k.length);
      const intervalStart = view.getUint32(prefixLen) * 2 ** 32 + view.getUint32(prefixLen + 4);
      const index = view.getUint32(prefixLen + 8) * 2 ** 32 + view.getUint32(prefixLen + 12);
      yield { index, intervalStart };
    }
  }

  /**
   * Erases `meterId`'s readings with interval start in [from, to) (right to erasure, GDPR
   * Art. 17): each live private record becomes a tombstone holding only its kind and
   * `erasedAt`, so its entry bytes, salt and metadata are deleted, and the request is recorded
   * for audit — all in one atomic, fsynced batch, ordered after every append planned so far.
   * The public leaf, tiles and checkpoints are untouched, so every proof stays valid. The meter
   * index rows stay, so a bundle over the period lists those entries as erased.
   *
   * Idempotent: a repeated request erases nothing more (`erased: 0`) and is recorded too.
   * Requests run one at a time. Throws `RangeError` for a period that is not [from, to) of
   * non-negative safe integers with from < to, and `STORE_CORRUPT` for a missing record.
   */
  async erase(request: ErasureRequest, erasedAt: number = Date.now()): Promise<ErasureRecord> {
    const { from, to } = request;
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to <= from) {
      throw new RangeError('erase: the period must be [from, to) of Unix seconds with from < to');
    }
    const run = this.erasing.then(() => this.eraseNow(request, erasedAt));
    this.erasing = run.catch(() => undefined);
    return run;
  }

  private async eraseNow(request: ErasureRequest, erasedAt: number): Promise<ErasureRecord> {
    const ops: StoreOp[] = [];
    let matched = 0;
    for await (const { index } of this.meterEntries(request.meterId, request.from, request.to)) {
      matched++;
      const r = await this.record(index);
      if (r === undefined) {
        throw new StorageError('STORE_CORRUPT', `no private record for entry ${index}`);
      }
      if (r.erased) continue;
      ops.push(
        this.store.putOp(
          entryRecordKey(index),
          encodeEntryRecord({ erased: true, kind: r.kind, erasedAt }),
        ),
      );
    }
    const id = (await this.lastErasure()) + 1;
    const record: ErasureRecord = {
      id,
      meterId: request.meterId,
      from: request.from,
      to: request.to,
      requestedBy: { tokenId: request.requestedBy.tokenId, label: request.requestedBy.label },
      ...(request.reason === undefined ? {} : { reason: request.reason }),
      erasedAt,
      matched,
      erased: ops.length,
    };
    ops.push(this.store.putOp(erasureRecordKey(id), encodeErasureRecord(record)));
    await this.log.commitOps(ops);
    this.lastErasureId = id;
    return record;
  }

  private async lastErasure(): Promise<number> {
    if (this.lastErasureId === undefined) {
      this.lastErasureId = 0;
      for await (const [k] of this.store.range({
        gte: Uint8Array.of(ERASURE_KEY_PREFIX),
        lt: Uint8Array.of(ERASURE_KEY_PREFIX + 1),
        reverse: true,
        limit: 1,
      })) {
        this.lastErasureId = idOfErasureKey(k);
      }
    }
    return this.lastErasureId;
  }

  /** Erasure audit records with id greater than `after` (default 0), oldest first, at most `limit`. */
  async erasures(options: { after?: number; limit?: number } = {}): Promise<ErasureRecord[]> {
    const out: ErasureRecord[] = [];
    for await (const [k, v] of this.store.range({
      gte: erasureRecordKey((options.after ?? 0) + 1),
      lt: Uint8Array.of(ERASURE_KEY_PREFIX + 1),
      ...(options.limit === undefined ? {} : { limit: options.limit }),
    })) {
      out.push(decodeErasureRecord(idOfErasureKey(k), v));
    }
    return out;
  }
}

function idOfErasureKey(k: Uint8Array): number {
  const view = new DataView(k.buffer, k.byteOffset, k.length);
  return view.getUint32(1) * 2 ** 32 + view.getUint32(5);
}
