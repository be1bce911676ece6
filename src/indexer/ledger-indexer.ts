/**
 * The node's verifiable index (DESIGN.md decision 15; docs/index.md): files every committed
 * entry under its index keys (core/ledger-index), keeps the verifiable map (core/vmap) of
 * key → value, and at each epoch — bounded in time and in entries — appends to the log an
 * entry with the map's root and the log size it reflects, so that the witnesses' cosignatures
 * cover the map. The map is derived data: on open it is rebuilt from the entries in the log,
 * and every epoch entry met on the way must match the rebuilt root.
 */
import { toHex } from '../core/bytes.ts';
import { EntryKind } from '../core/leaf/index.ts';
import {
  decodeIndexEpoch,
  encodeIndexEpoch,
  IndexAccumulator,
  IndexReplay,
  indexKeysOf,
  READINGS_KEY_SIZE,
  type IndexEpoch,
} from '../core/ledger-index/index.ts';
import { nobleHasher, type LogHasher } from '../core/merkle/index.ts';
import { MapTree, nobleMapHasher, type MapHasher } from '../core/vmap/index.ts';
import {
  indexFactsOf,
  type CommitListener,
  type Ledger,
  type LedgerPlan,
} from '../ledger/index.ts';
import { silentLogger, type Logger } from '../logger.ts';
import { IndexerError } from './errors.ts';

/**
 * Work units of the map update between two turns of the event loop (a unit sets a key or hashes
 * a node, about 1–2 µs): an epoch of 50,000 keys then holds other work up for a few milliseconds
 * at a time instead of a tenth of a second.
 */
const UPDATE_SLICE = 2000;

/** Options of {@link LedgerIndexer}. */
export interface LedgerIndexerOptions {
  /** Longest time between epochs while entries are being filed, seconds (default 5). */
  readonly epochSeconds?: number;
  /** Entries filed since the last epoch that make the next one at once (default 50,000). */
  readonly epochEntries?: number;
  /** Hashes index keys and values (the node: node:crypto). */
  readonly hasher?: LogHasher;
  /** Hashes the map (the node: node:crypto). */
  readonly mapHasher?: MapHasher;
  /** Clock, ms since the epoch (default `Date.now`). */
  readonly now?: () => number;
  readonly logger?: Logger;
}

/** An epoch and where its entry sits in the log. */
export interface EpochRecord extends IndexEpoch {
  /** Leaf index of the epoch entry. */
  readonly index: number;
}

/** What the index reports of itself (for /metrics and the API). */
export interface IndexerStatus {
  readonly keys: number;
  /** Log size the index has filed. */
  readonly indexedSize: number;
  /** Entries filed since the latest epoch. */
  readonly pending: number;
  readonly latest: EpochRecord | undefined;
  readonly failed: boolean;
}

/** The node's verifiable index over its ledger. */
export class LedgerIndexer implements CommitListener {
  readonly map: MapTree;
  private readonly acc: IndexAccumulator;
  private readonly hasher: LogHasher;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly epochEntries: number;
  private indexedSize = 0;
  private filedSinceEpoch = 0;
  private latestEpoch: EpochRecord | undefined;
  private failure: unknown;
  private cutting: Promise<EpochRecord | undefined> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /**
   * The leaf indices filed under each signer and meter-flags key (hex), in log order: few, and
   * what a bundle must list (docs/bundle.md §Index). Readings keys are not listed here.
   */
  private readonly lists = new Map<string, number[]>();
  /** Plans told out of log order, by first index, until the ones before them arrive. */
  private readonly early = new Map<number, LedgerPlan>();

  private constructor(
    private readonly ledger: Ledger,
    options: LedgerIndexerOptions,
  ) {
    this.hasher = options.hasher ?? nobleHasher;
    this.map = new MapTree({ hasher: options.mapHasher ?? nobleMapHasher });
    // A key unchanged since the last epoch continues from the map's value.
    this.acc = new IndexAccumulator(this.hasher, (key) => this.map.get(key));
    this.now = options.now ?? Date.now;
    this.log = options.logger ?? silentLogger;
    this.epochEntries = options.epochEntries ?? 50_000;
  }

  /**
   * Rebuilds the index of `ledger` from its entries (checking every epoch entry against the
   * rebuilt root), then follows its commits and cuts epochs. Rejects with
   * `EPOCH_ROOT_MISMATCH` or `EPOCH_OUT_OF_ORDER` when the log's epochs disagree with its
   * entries: the node must not serve a map that differs from the one it committed.
   */
  static async open(ledger: Ledger, options: LedgerIndexerOptions = {}): Promise<LedgerIndexer> {
    const indexer = new LedgerIndexer(ledger, options);
    await indexer.rebuild();
    ledger.listen(indexer);
    const seconds = options.epochSeconds ?? 5;
    indexer.timer = setInterval(() => {
      if (indexer.filedSinceEpoch > 0) indexer.cutInBackground();
    }, seconds * 1000);
    indexer.timer.unref();
    return indexer;
  }

  /** The latest committed epoch, if any. */
  get latest(): EpochRecord | undefined {
    return this.latestEpoch;
  }

  /** Counts for /metrics. */
  status(): IndexerStatus {
    return {
      keys: this.map.size,
      indexedSize: this.indexedSize,
      pending: this.filedSinceEpoch,
      latest: this.latestEpoch,
      failed: this.failure !== undefined,
    };
  }

  /**
   * The leaf indices filed under a signer or meter-flags `key` below log size `below` (an
   * epoch's), in log order; empty for a readings key or a key with nothing filed.
   */
  indicesOf(key: Uint8Array, below: number): number[] {
    return (this.lists.get(toHex(key)) ?? []).filter((i) => i < below);
  }

  /** Resolves once no epoch is being cut (the map is then at {@link latest}, or ahead of it). */
  async settled(): Promise<void> {
    while (this.cutting !== undefined) await this.cutting.catch(() => undefined);
  }

  /** Stops cutting epochs (the ledger may still append; the next open rebuilds). */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** {@link CommitListener}: files the entries of a durable append. */
  committed(plan: LedgerPlan): void {
    if (this.failure !== undefined) return;
    try {
      if (plan.first !== this.indexedSize) {
        this.early.set(plan.first, plan);
        return;
      }
      this.file(plan);
      for (
        let next = this.early.get(this.indexedSize);
        next;
        next = this.early.get(this.indexedSize)
      ) {
        this.early.delete(next.first);
        this.file(next);
      }
    } catch (e) {
      this.failure = e;
      this.log.error(
        'the index could not file an entry and cuts no more epochs until the node restarts',
        e,
      );
      return;
    }
    if (this.filedSinceEpoch >= this.epochEntries) this.cutInBackground();
  }

  /** {@link cut} from a timer or a commit: a failure is logged (the next cut tries again). */
  private cutInBackground(): void {
    if (this.cutting !== undefined || this.closed) return;
    this.cut().catch((e: unknown) => {
      if (!this.closed) this.log.error('could not append an index epoch', e);
    });
  }

  /**
   * Cuts an epoch now if anything was filed since the last one: updates the map with the
   * changed keys and appends the epoch entry. Resolves with the epoch (the latest one when
   * there was nothing to cut). One cut at a time.
   */
  cut(): Promise<EpochRecord | undefined> {
    if (this.cutting !== undefined) return this.cutting;
    if (this.failure !== undefined) {
      return Promise.reject(
        new IndexerError('INDEX_FAILED', 'the index failed', { cause: this.failure }),
      );
    }
    if (this.filedSinceEpoch === 0) return Promise.resolve(this.latestEpoch);
    const run = async (): Promise<EpochRecord> => {
      // The epoch reflects what is filed now; entries filed while the map is updated (a slice
      // at a time, between which the node goes on) belong to the next one.
      const logSize = this.indexedSize;
      const job = this.map.beginUpdate(this.acc.takeChanged());
      this.filedSinceEpoch = 0;
      while (!job.step(UPDATE_SLICE)) await new Promise<void>((r) => setImmediate(r));
      this.acc.applied();
      const epoch: IndexEpoch = {
        epoch: (this.latestEpoch?.epoch ?? 0) + 1,
        logSize,
        mapRoot: this.map.root,
        time: Math.floor(this.now() / 1000),
      };
      const r = await this.ledger.append([
        {
          kind: EntryKind.indexEpoch,
          bytes: encodeIndexEpoch(epoch),
          meta: { receivedAt: this.now() },
        },
      ]);
      const record = { ...epoch, index: r.entries[0]!.index };
      this.latestEpoch = record;
      return record;
    };
    this.cutting = run().finally(() => (this.cutting = undefined));
    return this.cutting;
  }

  private file(plan: LedgerPlan): void {
    plan.entries.forEach((entry, k) => {
      const item = plan.items[k]!;
      const facts = item.facts ?? indexFactsOf(entry.kind, item.bytes, entry.index);
      if (facts !== undefined) {
        this.fileKeys(entry.index, indexKeysOf(facts, this.hasher));
        this.filedSinceEpoch++;
      }
    });
    this.indexedSize = plan.first + plan.entries.length;
  }

  private async rebuild(): Promise<void> {
    const size = this.ledger.log.sequencedSize;
    const started = this.now();
    const replay = new IndexReplay({
      file: (index, keys) => this.fileKeys(index, keys),
      update: () => {
        const root = this.map.update(this.acc.takeChanged());
        this.acc.applied();
        return root;
      },
    });
    let last = started;
    for await (const { index, record } of this.ledger.records(0, size)) {
      if (record.erased) {
        replay.entry(index, record.indexKeys ?? []);
      } else if (record.kind === EntryKind.indexEpoch) {
        replay.epoch(index, decodeIndexEpoch(record.bytes));
      } else {
        const facts = indexFactsOf(record.kind, record.bytes, index);
        replay.entry(index, facts === undefined ? [] : indexKeysOf(facts, this.hasher));
      }
      if (this.now() - last > 5000) {
        last = this.now();
        this.log.info(`rebuilding the index: ${index + 1} of ${size} entries`);
      }
    }
    this.latestEpoch = replay.latest;
    this.filedSinceEpoch = replay.finish();
    this.indexedSize = size;
    if (size > 0) {
      this.log.info(
        `index rebuilt from ${size} entries in ${this.now() - started} ms: ${this.map.size} keys, ` +
          (this.latestEpoch === undefined
            ? 'no epoch yet'
            : `epoch ${this.latestEpoch.epoch} at log size ${this.latestEpoch.logSize}`),
      );
    }
  }

  private fileKeys(index: number, keys: readonly Uint8Array[]): void {
    this.acc.addKeys(index, keys);
    for (const key of keys) {
      if (key.length === READINGS_KEY_SIZE) continue;
      const id = toHex(key);
      const list = this.lists.get(id);
      if (list === undefined) this.lists.set(id, [index]);
      else list.push(index);
    }
  }
}
