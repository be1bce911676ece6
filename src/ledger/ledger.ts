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
import type { LevelStore, StoreOp } from '../storage/level-store.ts';
import {
  decodeEntryRecord,
  encodeEntryRecord,
  type EntryMeta,
  type EntryRecord,
} from './entry-record.ts';

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

/** The public log and its private records. */
export class Ledger {
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

  /** Leaf indices of `meterId`'s entries with interval start in [from, to), in interval order. */
  async *meterEntries(
    meterId: string,
    from: number,
    to: number,
  ): AsyncGenerator<{ index: number; intervalStart: number }> {
    const prefixLen = compositeKey(KeyPrefix.meterIndex, meterId).length;
    for await (const [k] of this.store.range({
      gte: compositeKey(KeyPrefix.meterIndex, meterId, from),
      lt: compositeKey(KeyPrefix.meterIndex, meterId, to),
    })) {
      const view = new DataView(k.buffer, k.byteOffset, k.length);
      const intervalStart = view.getUint32(prefixLen) * 2 ** 32 + view.getUint32(prefixLen + 4);
      const index = view.getUint32(prefixLen + 8) * 2 ** 32 + view.getUint32(prefixLen + 12);
      yield { index, intervalStart };
    }
  }
}
