/**
 * The ingest service: takes messages from a transport, checks them in batches, appends what
 * passes to the ledger, and lets the transport acknowledge each message only once its outcome
 * is committed (DESIGN.md decisions 7 and 8).
 *
 * Batches are bounded by size and time. Two batches may be in flight: while one is being
 * committed (fsync), the next is checked (signatures on the worker pool), so the disk and the
 * CPUs work at the same time. Every message of a batch is answered after that batch's commit —
 * accepted readings, duplicates and quarantined ones alike — so an acknowledgement always
 * means "durable". Receipts go out after the acknowledgements and never hold them up.
 * Back-pressure comes from the transport: a broker sends at most its receive window of
 * unacknowledged messages, so the queue here is bounded by that window.
 */
import type { LedgerItem, Ledger, LedgerAppendResult } from '../ledger/ledger.ts';
import type { StoreOp } from '../storage/level-store.ts';
import { meterReceiptsTopic, TOPIC_ROOT } from './topics.ts';
import type { ReceiptIssuer } from './receipts.ts';
import type { AckOutcome, InboundMessage, MessageSource } from './types.ts';

/** The result for one reading of a checked message. */
export interface ReadingResult {
  readonly status: 'accepted' | 'duplicate' | 'rejected';
  readonly code?: string;
  readonly meterId?: string;
  readonly sequence?: number;
  /** For an accepted reading: its position in the batch's `items`. */
  readonly itemIndex?: number;
  /** For a duplicate: the leaf index of the reading already in the log. */
  readonly duplicateOf?: number;
}

/** The result for one message. */
export interface MessageResult {
  readonly status: string;
  /** MQTT 5 PUBACK reason code. */
  readonly reasonCode: number;
  readonly readings: readonly ReadingResult[];
}

/** A checked batch: what to append and what to answer. */
export interface CheckedBatchLike {
  readonly items: readonly LedgerItem[];
  /** Records to commit with the items, given their leaf indices (called synchronously). */
  opsFor(appended: readonly { index: number }[]): readonly StoreOp[];
  /** One result per message, in order. */
  readonly outcomes: readonly MessageResult[];
}

/** Checks batches of messages (the ingest pipeline). */
export interface BatchChecker {
  check(messages: readonly InboundMessage[]): Promise<CheckedBatchLike>;
}

/** Tuning of the batcher. */
export interface IngestServiceOptions {
  /** Largest batch (messages). Default 4,000. */
  readonly maxBatch?: number;
  /** Longest a message waits for its batch to fill, ms. Default 50. */
  readonly maxWaitMs?: number;
  /** Batches checked or committing at once. Default 2. */
  readonly maxInFlight?: number;
  /** Publish receipts (default true). */
  readonly receipts?: boolean;
  /** First levels of the receipt topics (default `wattproof/v1`). */
  readonly topicRoot?: string;
}

/** Counters the service keeps (for metrics and progress lines). */
export interface IngestStats {
  batches: number;
  messages: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  receiptsPublished: number;
  receiptErrors: number;
  /** Receipts not made because receipts fell behind ingest. */
  receiptsSkipped: number;
  queued: number;
  inFlight: number;
}

/** Called after each committed batch. */
export type BatchListener = (info: {
  readonly messages: number;
  readonly accepted: number;
  readonly size: number;
  readonly checkMs: number;
  readonly commitMs: number;
}) => void;

/** Batches whose receipts may wait; beyond this the oldest batch's receipts are skipped. */
const MAX_RECEIPT_BATCHES = 8;
/** Receipts made between two yields to the event loop. */
const RECEIPTS_PER_YIELD = 64;

interface Pending {
  readonly message: InboundMessage;
  resolve(outcome: AckOutcome): void;
  reject(error: unknown): void;
}

/** The batcher between a transport and the ledger. */
export class IngestService {
  private queue: Pending[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<BatchListener>();
  readonly stats: IngestStats = {
    batches: 0,
    messages: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    receiptsPublished: 0,
    receiptErrors: 0,
    receiptsSkipped: 0,
    queued: 0,
    inFlight: 0,
  };
  private readonly maxBatch: number;
  private readonly maxWaitMs: number;
  private readonly maxInFlight: number;
  private readonly publishReceipts: boolean;
  private readonly topicRoot: string;
  /** Appends are planned in batch order: batch N+1's append waits for N's to be planned. */
  private appendChain: Promise<unknown> = Promise.resolve();
  private readonly receiptQueue: { checked: CheckedBatchLike; appended: LedgerAppendResult }[] = [];
  private receiptLoopDone: Promise<void> | undefined;

  constructor(
    private readonly source: MessageSource,
    private readonly checker: BatchChecker,
    private readonly ledger: Ledger,
    private readonly receipts: ReceiptIssuer | undefined,
    options: IngestServiceOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 4000;
    this.maxWaitMs = options.maxWaitMs ?? 50;
    this.maxInFlight = options.maxInFlight ?? 2;
    this.publishReceipts = (options.receipts ?? true) && receipts !== undefined;
    this.topicRoot = options.topicRoot ?? TOPIC_ROOT;
  }

  /** Calls `listener` after each committed batch. */
  onBatch(listener: BatchListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts taking messages from the transport. */
  async start(): Promise<void> {
    await this.source.start((m) => this.enqueue(m));
  }

  /**
   * Stops: the transport stops taking messages and waits for the acks of those it handed over;
   * every queued message is checked and committed first. Resolves once all are answered.
   */
  async stop(): Promise<void> {
    const transportStopped = this.source.stop();
    this.stopped = true;
    this.flush(true);
    await transportStopped;
    while (this.queue.length > 0 || this.inFlight > 0) {
      this.flush(true);
      await this.idle;
    }
    // Receipts still waiting are dropped (the log has the same facts); the one being sent ends.
    this.receiptQueue.length = 0;
    await this.receiptLoopDone;
  }

  private enqueue(message: InboundMessage): Promise<AckOutcome> {
    return new Promise<AckOutcome>((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      this.stats.queued = this.queue.length;
      if (this.queue.length >= this.maxBatch) this.flush(false);
      else this.timer ??= setTimeout(() => this.flush(true), this.maxWaitMs);
    });
  }

  /** Starts batches while there is room; `force` also starts a batch that is not full. */
  private flush(force: boolean): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (
      this.queue.length > 0 &&
      this.inFlight < this.maxInFlight &&
      (force || this.queue.length >= this.maxBatch)
    ) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.stats.queued = this.queue.length;
      this.inFlight++;
      this.stats.inFlight = this.inFlight;
      const run = this.runBatch(batch).finally(() => {
        this.inFlight--;
        this.stats.inFlight = this.inFlight;
        if (this.queue.length > 0) {
          if (this.queue.length >= this.maxBatch || this.stopped) this.flush(true);
          else this.timer ??= setTimeout(() => this.flush(true), this.maxWaitMs);
        }
      });
      this.idle = run;
    }
    if (this.queue.length > 0 && this.timer === undefined && this.inFlight < this.maxInFlight) {
      this.timer = setTimeout(() => this.flush(true), this.maxWaitMs);
    }
  }

  private async runBatch(batch: Pending[]): Promise<void> {
    const t0 = performance.now();
    let checked: CheckedBatchLike;
    let appended: LedgerAppendResult;
    let t1 = t0;
    try {
      const checking = this.checker.check(batch.map((p) => p.message));
      // Plan the append right after this batch's checks and after the previous batch's append
      // was planned, so the ledger sees batches in the order they were checked.
      const appending = this.appendChain
        .catch(() => undefined)
        .then(async () => {
          checked = await checking;
          t1 = performance.now();
          return this.ledger.append(checked.items, (a) => checked.opsFor(a));
        });
      this.appendChain = appending;
      appended = await appending;
    } catch (e) {
      // Nothing of this batch is acknowledged: the broker will deliver it again.
      for (const p of batch) p.reject(e);
      return;
    }
    const t2 = performance.now();
    const outcomes = checked!.outcomes;
    batch.forEach((p, i) => p.resolve({ reasonCode: outcomes[i]?.reasonCode ?? 0x80 }));
    let accepted = 0;
    for (const o of outcomes) {
      for (const r of o.readings) {
        if (r.status === 'accepted') accepted++;
        else if (r.status === 'duplicate') this.stats.duplicates++;
        else this.stats.rejected++;
      }
    }
    this.stats.batches++;
    this.stats.messages += batch.length;
    this.stats.accepted += accepted;
    for (const l of this.listeners) {
      try {
        l({
          messages: batch.length,
          accepted,
          size: appended.size,
          checkMs: t1 - t0,
          commitMs: t2 - t1,
        });
      } catch {
        // A listener must not break ingest.
      }
    }
    if (this.publishReceipts) this.queueReceipts(checked!, appended);
  }

  /**
   * Receipts are made by one background loop that yields to the event loop every few receipts,
   * so a batch's receipts never hold up reading, checking or acknowledging the next ones. If
   * receipts fall behind by more than `MAX_RECEIPT_BATCHES` batches, the oldest batch's
   * receipts are skipped and counted: receipts are QoS 0 conveniences, and the same facts can
   * be fetched from the log.
   */
  private queueReceipts(checked: CheckedBatchLike, appended: LedgerAppendResult): void {
    this.receiptQueue.push({ checked, appended });
    while (this.receiptQueue.length > MAX_RECEIPT_BATCHES) {
      const skipped = this.receiptQueue.shift()!;
      for (const o of skipped.checked.outcomes) this.stats.receiptsSkipped += o.readings.length;
    }
    if (this.receiptLoopDone === undefined) {
      this.receiptLoopDone = this.receiptLoop().finally(() => (this.receiptLoopDone = undefined));
    }
  }

  private async receiptLoop(): Promise<void> {
    for (let job = this.receiptQueue.shift(); job !== undefined; job = this.receiptQueue.shift()) {
      await this.sendReceipts(job.checked, job.appended);
    }
  }

  private async sendReceipts(
    checked: CheckedBatchLike,
    appended: LedgerAppendResult,
  ): Promise<void> {
    const issuer = this.receipts!;
    let sinceYield = 0;
    for (const o of checked.outcomes) {
      for (const r of o.readings) {
        if (r.meterId === undefined || r.sequence === undefined) continue;
        if (++sinceYield === RECEIPTS_PER_YIELD) {
          sinceYield = 0;
          await new Promise((resolve) => setImmediate(resolve));
        }
        try {
          let subject;
          if (r.status === 'accepted' && r.itemIndex !== undefined) {
            const a = appended.entries[r.itemIndex]!;
            subject = {
              meterId: r.meterId,
              sequence: r.sequence,
              index: a.index,
              kind: a.kind,
              salt: a.salt,
              ...(a.link === undefined ? {} : { link: a.link }),
            };
          } else if (r.status === 'duplicate' && r.duplicateOf !== undefined) {
            const rec = await this.ledger.record(r.duplicateOf);
            if (rec === undefined || rec.erased) continue;
            subject = {
              meterId: r.meterId,
              sequence: r.sequence,
              index: r.duplicateOf,
              kind: rec.kind,
              salt: rec.salt,
              ...(rec.link === undefined ? {} : { link: rec.link }),
            };
          } else continue;
          const size = this.ledger.log.size;
          const root = this.ledger.log.publishedRoot();
          const message = await issuer.message(subject, size, root);
          this.source.publish(meterReceiptsTopic(r.meterId, this.topicRoot), message);
          this.stats.receiptsPublished++;
        } catch {
          this.stats.receiptErrors++;
        }
      }
    }
  }
}
