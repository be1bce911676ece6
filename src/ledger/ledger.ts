/**
 * The ledger: the public Merkle log plus the private records behind its leaves. Appending an
 * item draws a fresh 32-byte salt, appends the 34-byte commitment leaf (DESIGN.md decision 4),
 * and stores the salt, the exact entry bytes and their metadata — with any records other parts
 * pass in — in the same atomic, fsynced batch.
 */
import { randomBytes } from 'node:crypto';
import { readU64be, u64be } from '../core/bytes.ts';
import { readingFigures } from '../core/bundle/index.ts';
import type { ChannelFigures } from '../core/reading/index.ts';
import {
  chainedKind,
  encodeChainLink,
  encodeChainedLeaf,
  encodeLeaf,
  EntryKind,
  leafHashOf,
  SALT_SIZE,
} from '../core/leaf/index.ts';
import { indexKeysOf, type IndexFacts } from '../core/ledger-index/index.ts';
import type { LogHasher } from '../core/merkle/index.ts';
import type { MerkleLog } from '../log/index.ts';
import { compositeKey, KeyPrefix } from '../storage/index.ts';
import { StorageError } from '../storage/index.ts';
import type { LevelStore, StoreOp } from '../storage/index.ts';
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
import { indexFactsOf } from './entry-facts.ts';
import { LedgerError } from './errors.ts';

/** One entry to append. */
export interface LedgerItem {
  readonly kind: EntryKind;
  /** The exact entry bytes (a signed reading as received, a signed registration, …). */
  readonly bytes: Uint8Array;
  readonly meta: EntryMeta;
  /**
   * What the verifiable index files it under, when the caller has decoded it already (the
   * ingest pipeline); otherwise the index reads it from the bytes (`indexFactsOf`).
   */
  readonly facts?: IndexFacts;
}

/**
 * Told of every append once it is durable, in log order (the verifiable index). It must not
 * throw, and must not append from inside the call (it may schedule an append).
 */
export interface CommitListener {
  committed(plan: LedgerPlan): void;
}

/** Where an appended item landed. */
export interface LedgerAppended {
  readonly index: number;
  /** The kind in the leaf: a chained reading kind for a reading the ledger chained. */
  readonly kind: EntryKind;
  readonly salt: Uint8Array;
  /** A chained reading's encoded link (docs/log-format.md §Chained readings). */
  readonly link?: Uint8Array;
  /** The 34-byte public leaf. */
  readonly leaf: Uint8Array;
}

/** The value of a record whose key says everything (never written to). */
const EMPTY = new Uint8Array(0);

/** How a {@link Ledger} computes (never what it writes). */
export interface LedgerOptions {
  /** Fills an array with `n` fresh salts (tests pass a fixed one). */
  readonly salts?: (n: number) => Uint8Array;
  /** Hashes the leaves' commitments and chain links' leaf hashes; defaults to the log's. */
  readonly hasher?: LogHasher;
}

/** The last chained reading of a meter: where the next one links to. */
interface ChainHead {
  readonly index: number;
  readonly leafHash: Uint8Array;
}

/** Key of a meter's chain head: `0x23 ‖ meter id`. */
export function chainHeadKey(meterId: string): Uint8Array {
  return compositeKey(KeyPrefix.chainHead, meterId);
}

function encodeChainHead(h: ChainHead): Uint8Array {
  const out = new Uint8Array(40);
  out.set(u64be(h.index), 0);
  out.set(h.leafHash, 8);
  return out;
}

function decodeChainHead(v: Uint8Array): ChainHead {
  if (v.length !== 40) throw new StorageError('STORE_CORRUPT', 'a chain head is 40 bytes');
  return { index: readU64be(v, 0), leafHash: v.slice(8) };
}

/**
 * An append planned by {@link Ledger.plan}: the indices, salts, chain links and leaves of its
 * items, and the store operations of their private records, meter index rows and chain heads.
 */
export interface LedgerPlan {
  /** Its place in the order of plans: commits run in this order. */
  readonly ticket: number;
  /** Leaf index of its first item (the next index when it has none). */
  readonly first: number;
  /** The items, as given. */
  readonly items: readonly LedgerItem[];
  /** Where each item lands, in item order. */
  readonly entries: readonly LedgerAppended[];
  /** The leaves' RFC 9162 leaf hashes, in item order. */
  readonly leafHashes: readonly Uint8Array[];
  readonly ops: readonly StoreOp[];
}

/** What plans appends (the ingest pipeline's view of the {@link Ledger}). */
export interface AppendPlanner {
  /** The leaf index the next planned item gets. */
  readonly nextIndex: number;
  plan(items: readonly LedgerItem[]): LedgerPlan;
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
export class Ledger implements AppendPlanner {
  private lastErasureId: number | undefined;
  private erasing: Promise<unknown> = Promise.resolve();
  private readonly salts: (n: number) => Uint8Array;
  private readonly hasher: LogHasher;
  /** Chain heads by meter id, when the ledger chains readings (opened with {@link Ledger.open}). */
  private heads: Map<string, ChainHead> | undefined;
  /** Plans made, and plans whose commit has started: the next ticket to commit is `served`. */
  private tickets = 0;
  private served = 0;
  /** Size of the log once every plan made is committed (valid while plans are outstanding). */
  private plannedSize = 0;
  /** Commits waiting for the plans before them, by ticket. */
  private readonly waiting = new Map<number, () => void>();
  private readonly committing = new Set<number>();
  private readonly listeners: CommitListener[] = [];

  /**
   * A ledger that appends readings as given, unchained. A node opens its ledger with
   * {@link Ledger.open}, which chains each meter's readings.
   */
  constructor(
    readonly log: MerkleLog,
    private readonly store: LevelStore,
    options: LedgerOptions = {},
  ) {
    this.salts = options.salts ?? ((n) => new Uint8Array(randomBytes(n * SALT_SIZE)));
    this.hasher = options.hasher ?? log.hasher;
  }

  /**
   * Opens the ledger of `log` with reading chains (docs/log-format.md §Chained readings): each
   * reading with a meter id is appended as a chained kind whose entry bytes start with a link
   * to the meter's previous chained reading, so that an evidence bundle proves a run of a
   * meter's readings with one inclusion proof. The meters' chain heads are loaded here.
   */
  static async open(
    log: MerkleLog,
    store: LevelStore,
    options: LedgerOptions = {},
  ): Promise<Ledger> {
    const ledger = new Ledger(log, store, options);
    const heads = new Map<string, ChainHead>();
    const prefix = Uint8Array.of(KeyPrefix.chainHead);
    for await (const [k, v] of store.range({
      gte: prefix,
      lt: Uint8Array.of(KeyPrefix.chainHead + 1),
    })) {
      const len = k[1]!;
      heads.set(new TextDecoder().decode(k.subarray(2, 2 + len)), decodeChainHead(v));
    }
    ledger.heads = heads;
    return ledger;
  }

  /** Tells `listener` of every append committed from now on, in log order. */
  listen(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  /** Whether readings are chained (the ledger was opened with {@link Ledger.open}). */
  get chained(): boolean {
    return this.heads !== undefined;
  }

  /** The leaf index the next planned item gets: after every plan made so far, committed or not. */
  get nextIndex(): number {
    return this.served === this.tickets ? this.log.sequencedSize : this.plannedSize;
  }

  /**
   * Plans an append of `items`: assigns their leaf indices (after every earlier plan), draws
   * their salts, chains each meter's readings and builds the leaves and the private records.
   * Synchronous; nothing is written until {@link commit}. Every plan must be committed, plans
   * in the order they were made (a commit waits for the plans before it).
   */
  plan(items: readonly LedgerItem[]): LedgerPlan {
    const first = this.nextIndex;
    const ops: StoreOp[] = [];
    const salts = this.salts(items.length);
    /** The chain head each meter has after this plan: written once per meter. */
    const heads = new Map<string, ChainHead>();
    const leafHashes: Uint8Array[] = [];
    const entries: LedgerAppended[] = items.map((item, k) => {
      const index = first + k;
      const salt = salts.subarray(k * SALT_SIZE, (k + 1) * SALT_SIZE);
      const { meterId, intervalStart } = item.meta;
      const chain =
        this.heads !== undefined &&
        meterId !== undefined &&
        (item.kind === EntryKind.readingCose || item.kind === EntryKind.readingOcmf);
      const kind = chain ? chainedKind(item.kind) : item.kind;
      const link = chain ? encodeChainLink(this.heads!.get(meterId!)) : undefined;
      // A chained reading's leaf hashes the link and the signed bytes without joining them.
      const leaf =
        link === undefined
          ? encodeLeaf(kind, salt, item.bytes, this.hasher)
          : encodeChainedLeaf(kind, salt, link, item.bytes, this.hasher);
      const leafHash = leafHashOf(leaf, this.hasher);
      leafHashes.push(leafHash);
      ops.push(
        this.store.putOp(
          entryRecordKey(index),
          encodeEntryRecord(
            link === undefined
              ? { erased: false, kind, salt, bytes: item.bytes, meta: item.meta }
              : { erased: false, kind, salt, bytes: item.bytes, link, meta: item.meta },
          ),
        ),
      );
      if (chain) {
        // Planned in plan order, so the next reading of the meter (in this plan or a later
        // one) links to this one. A failed commit fails the log for good (LOG_FAILED).
        const head = { index, leafHash };
        this.heads!.set(meterId!, head);
        heads.set(meterId!, head);
      }
      if (meterId !== undefined && intervalStart !== undefined) {
        ops.push(this.store.putOp(meterIndexKey(meterId, intervalStart, index), EMPTY));
      }
      return link === undefined ? { index, kind, salt, leaf } : { index, kind, salt, link, leaf };
    });
    for (const [meterId, head] of heads) {
      ops.push(this.store.putOp(chainHeadKey(meterId), encodeChainHead(head)));
    }
    this.plannedSize = first + items.length;
    return { ticket: this.tickets++, first, items, entries, leafHashes, ops };
  }

  /**
   * Commits `plan` with `extraOps` (records of other parts that must commit with the entries)
   * in one atomic, fsynced batch, after every plan made before it; resolves once durable. A
   * plan without items commits its operations in order without a new checkpoint.
   */
  commit(plan: LedgerPlan, extraOps: readonly StoreOp[] = []): Promise<LedgerAppendResult> {
    if (this.committing.has(plan.ticket) || plan.ticket < this.served) {
      return Promise.reject(new LedgerError('PLAN_REUSED', `plan ${plan.ticket} was committed`));
    }
    return new Promise<LedgerAppendResult>((resolve, reject) => {
      const run = (): void => {
        try {
          this.commitNow(plan, extraOps).then(resolve, reject);
        } catch (e) {
          reject(e);
        } finally {
          this.served++;
          const next = this.waiting.get(this.served);
          if (next !== undefined) {
            this.waiting.delete(this.served);
            next();
          }
        }
      };
      this.committing.add(plan.ticket);
      if (plan.ticket === this.served) run();
      else this.waiting.set(plan.ticket, run);
    }).finally(() => this.committing.delete(plan.ticket));
  }

  /** Plans and commits `items` with `extraOps` at once (`plan` then `commit`). */
  append(
    items: readonly LedgerItem[],
    extraOps: readonly StoreOp[] = [],
  ): Promise<LedgerAppendResult> {
    return this.commit(this.plan(items), extraOps);
  }

  private async commitNow(
    plan: LedgerPlan,
    extraOps: readonly StoreOp[],
  ): Promise<LedgerAppendResult> {
    if (plan.first !== this.log.sequencedSize) {
      throw new LedgerError(
        'LOG_DIVERGED',
        `plan starts at ${plan.first}, the log at ${this.log.sequencedSize}: the log was appended to outside the ledger`,
      );
    }
    const ops = extraOps.length === 0 ? plan.ops : [...plan.ops, ...extraOps];
    if (plan.entries.length === 0) {
      await this.log.commitOps(ops);
      return { entries: [], size: this.log.size, root: this.log.publishedRoot(), checkpoint: '' };
    }
    const r = await this.log.append(
      plan.entries.map((a) => a.leaf),
      ops,
      plan.leafHashes,
    );
    for (const l of this.listeners) l.committed(plan);
    return { entries: plan.entries, size: r.size, root: r.root, checkpoint: r.checkpoint };
  }

  /** The private records of leaves `from` … `to − 1` that exist, in index order (one range scan). */
  async *records(from: number, to: number): AsyncGenerator<{ index: number; record: EntryRecord }> {
    if (to <= from) return;
    for await (const [k, v] of this.store.range({
      gte: entryRecordKey(from),
      lt: entryRecordKey(to),
    })) {
      yield { index: readU64be(k, 1), record: decodeEntryRecord(v) };
    }
  }

  /** The private record of leaf `index`, if any. */
  async record(index: number): Promise<EntryRecord | undefined> {
    const v = await this.store.get(entryRecordKey(index));
    return v === undefined ? undefined : decodeEntryRecord(v);
  }

  /**
   * The committed reading of `meterId` on channel `obis` whose interval overlaps [start, end),
   * if any: the leaf index a refused overlapping reading collides with (docs/formats.md "Energy
   * counted once"). Walks the meter index backwards from `end`; a channel's intervals never
   * overlap and only move forward, so it stops at the first reading of the channel that ends
   * by `start`. Reads at most `limit` rows; off the hot path (only for a reading that lies
   * before the head of its channel's timeline).
   */
  async findOverlap(
    meterId: string,
    obis: string,
    start: number,
    end: number,
    limit = 256,
  ): Promise<number | undefined> {
    const prefixLen = compositeKey(KeyPrefix.meterIndex, meterId).length;
    for await (const [k] of this.store.range({
      gte: compositeKey(KeyPrefix.meterIndex, meterId),
      lt: compositeKey(KeyPrefix.meterIndex, meterId, end),
      reverse: true,
      limit,
    })) {
      const view = new DataView(k.buffer, k.byteOffset, k.length);
      const index = view.getUint32(prefixLen + 8) * 2 ** 32 + view.getUint32(prefixLen + 12);
      const r = await this.record(index);
      if (r === undefined || r.erased) continue;
      let channels: readonly ChannelFigures[];
      try {
        channels = readingFigures(r.kind, r.bytes, index).channels;
      } catch {
        continue;
      }
      const c = channels.find((x) => x.obis === obis);
      if (c === undefined) continue;
      if (c.intervalEnd <= start) return undefined;
      if (c.intervalStart < end) return index;
    }
    return undefined;
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
      const facts = indexFactsOf(r.kind, r.bytes, index);
      const indexKeys = facts === undefined ? undefined : indexKeysOf(facts, this.hasher);
      ops.push(
        this.store.putOp(
          entryRecordKey(index),
          encodeEntryRecord({
            erased: true,
            kind: r.kind,
            erasedAt,
            ...(indexKeys === undefined ? {} : { indexKeys }),
          }),
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
