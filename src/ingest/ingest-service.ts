/**
 * The ingest service: takes messages from a transport, checks them in batches, appends what
 * passes to the ledger, and lets the transport acknowledge each message only once its outcome
 * is committed (DESIGN.md decisions 7 and 8).
 *
 * Batches are bounded by size and time. Two batches may be in flight: while one is being
 * committed (fsync), the next is checked (signatures on the worker pool), so the disk and the
 * CPUs work at the same time. Every message of a batch is answered after that batch's commit —
 * accepted readings, duplicates and quarantined ones alike — so an acknowledgement always
 * means "durable". Receipts, and refusal notices for refused readings and duplicates, go out
 * after the acknowledgements and never hold them up.
 * Back-pressure comes from the transport: a broker sends at most its receive window of
 * unacknowledged messages, so the queue here is bounded by that window.
 */
import type { Ledger, LedgerAppended, LedgerAppendResult } from '../ledger/index.ts';
import { meterReceiptsTopic, TOPIC_ROOT } from './topics.ts';
import {
  noticeCount,
  planNotices,
  type MessageNotices,
  type NoticeMessageOutcome,
  type NoticeReadingOutcome,
  type PlannedNotice,
  type ReceiptIssuer,
} from './receipts.ts';
import type { AckOutcome, InboundMessage, MessageSource } from '../mqtt/index.ts';
import type { CheckedBatch } from './checked-batch.ts';

/** The result for one reading of a checked message (the pipeline's `ReadingOutcome`). */
export interface ReadingResult extends NoticeReadingOutcome {
  /** For an accepted reading: its position in the batch's `items`. */
  readonly itemIndex?: number;
  /** For a duplicate: the leaf index of the reading already in the log. */
  readonly duplicateOf?: number;
}

/** The result for one message (the pipeline's `MessageOutcome`). */
export interface MessageResult extends NoticeMessageOutcome {
  /** MQTT 5 PUBACK reason code. */
  readonly reasonCode: number;
  readonly readings: readonly ReadingResult[];
}

/** Checks batches of messages (the ingest pipeline). */
export interface BatchChecker {
  check(messages: readonly InboundMessage[]): Promise<CheckedBatch<MessageResult>>;
}

/** Tuning of the batcher. */
export interface IngestServiceOptions {
  /** Largest batch (messages). Default 1,000: receipts flow steadily, batch after batch. */
  readonly maxBatch?: number;
  /** Longest a message waits for its batch to fill, ms. Default 50. */
  readonly maxWaitMs?: number;
  /** Batches checked or committing at once. Default 2. */
  readonly maxInFlight?: number;
  /** Publish receipts (default true). */
  readonly receipts?: boolean;
  /** Publish refusal notices (default true; needs the receipt issuer, which signs them). */
  readonly notices?: boolean;
  /** Clock of the notices' decision time, ms since the epoch (default `Date.now`). */
  readonly now?: () => number;
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
  /** Refusal notices published (refused readings and messages, duplicates). */
  noticesPublished: number;
  noticeErrors: number;
  /** Notices not made because receipts and notices fell behind ingest. */
  noticesSkipped: number;
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
/**
 * Receipts and notices made between two yields to the event loop: about a batch's worth (a few
 * milliseconds). The loop gets one turn in each round of the event loop, after all of that
 * round's I/O, so its share per turn bounds how fast it can catch up under load.
 */
const RECEIPTS_PER_YIELD = 1000;

/** Resolves on a later turn of the event loop, after pending I/O. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
const NO_NOTICES: MessageNotices = { readings: [] };

/**
 * A committed batch whose receipts and notices are still to be sent: only what they need, so
 * that a batch waiting for its receipts does not keep its payloads, records and store
 * operations alive.
 */
interface ReceiptJob {
  /** The messages that get notices (not accepted as a whole), by position; others undefined. */
  readonly messages: readonly (InboundMessage | undefined)[];
  readonly outcomes: readonly MessageResult[];
  /** Where the batch's entries landed, in plan order (`ReadingResult.itemIndex`). */
  readonly entries: readonly LedgerAppended[];
  /** When the batch was committed, ms since the epoch: the notices' decision time. */
  readonly decidedAt: number;
}

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
    noticesPublished: 0,
    noticeErrors: 0,
    noticesSkipped: 0,
    queued: 0,
    inFlight: 0,
  };
  private readonly maxBatch: number;
  private readonly maxWaitMs: number;
  private readonly maxInFlight: number;
  private readonly publishReceipts: boolean;
  private readonly publishNotices: boolean;
  private readonly now: () => number;
  private readonly topicRoot: string;
  private readonly receiptQueue: ReceiptJob[] = [];
  private receiptLoopDone: Promise<void> | undefined;

  constructor(
    private readonly source: MessageSource,
    private readonly checker: BatchChecker,
    private readonly ledger: Ledger,
    private readonly receipts: ReceiptIssuer | undefined,
    options: IngestServiceOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 1000;
    this.maxWaitMs = options.maxWaitMs ?? 50;
    this.maxInFlight = options.maxInFlight ?? 2;
    this.publishReceipts = (options.receipts ?? true) && receipts !== undefined;
    this.publishNotices = (options.notices ?? true) && receipts !== undefined;
    this.now = options.now ?? Date.now;
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
    let checked: CheckedBatch<MessageResult>;
    let appended: LedgerAppendResult;
    let t1 = t0;
    try {
      // Check (the batch comes back planned: every leaf index and store operation known), then
      // commit; the ledger commits plans in the order they were made.
      checked = await this.checker.check(batch.map((p) => p.message));
      t1 = performance.now();
      appended = await this.ledger.commit(checked.plan, checked.ops);
    } catch (e) {
      // Nothing of this batch is acknowledged: the broker will deliver it again.
      for (const p of batch) p.reject(e);
      return;
    }
    const t2 = performance.now();
    const decidedAt = this.now();
    const outcomes = checked.outcomes;
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
    if (this.publishReceipts || this.publishNotices) {
      this.queueReceipts({
        messages: batch.map((p, i) =>
          this.publishNotices && outcomes[i]?.status !== 'accepted' ? p.message : undefined,
        ),
        outcomes,
        entries: appended.entries,
        decidedAt,
      });
    }
  }

  /**
   * Receipts and notices are made by one background loop that yields to the event loop every
   * few of them, so a batch's receipts never hold up reading, checking or acknowledging the
   * next ones. If they fall behind by more than `MAX_RECEIPT_BATCHES` batches, the oldest
   * batch's receipts and notices are skipped and counted: both are QoS 0 conveniences, and the
   * same facts can be fetched from the log and the quarantine.
   */
  private queueReceipts(job: ReceiptJob): void {
    this.receiptQueue.push(job);
    while (this.receiptQueue.length > MAX_RECEIPT_BATCHES) {
      const skipped = this.receiptQueue.shift()!;
      skipped.outcomes.forEach((o, i) => {
        if (this.publishReceipts) this.stats.receiptsSkipped += o.readings.length;
        const m = skipped.messages[i];
        if (m !== undefined) this.stats.noticesSkipped += noticeCount(m, o, this.topicRoot);
      });
    }
    if (this.receiptLoopDone === undefined) {
      this.receiptLoopDone = this.receiptLoop().finally(() => (this.receiptLoopDone = undefined));
    }
  }

  private async receiptLoop(): Promise<void> {
    for (let job = this.receiptQueue.shift(); job !== undefined; job = this.receiptQueue.shift()) {
      await this.sendReceipts(job);
    }
  }

  /**
   * For each message of a committed batch: a notice if it was refused as a whole; per reading,
   * a receipt when accepted, a receipt and a duplicate notice (carrying the same receipt) when
   * a duplicate, a refusal notice when refused.
   */
  private async sendReceipts(job: ReceiptJob): Promise<void> {
    // Synchronous between yields: a receipt costs no promise of its own.
    let sinceYield = 0;
    const { outcomes, messages, entries } = job;
    for (let i = 0; i < outcomes.length; i++) {
      const o = outcomes[i]!;
      let plan = NO_NOTICES;
      const m = messages[i];
      if (m !== undefined) {
        try {
          plan = planNotices(m, o, this.topicRoot);
        } catch {
          this.stats.noticeErrors++;
        }
      }
      if (plan.whole !== undefined) {
        if (++sinceYield === RECEIPTS_PER_YIELD) {
          sinceYield = 0;
          await nextTurn();
        }
        this.sendNotice(plan.whole, job.decidedAt);
      }
      const readings = o.readings;
      for (let j = 0; j < readings.length; j++) {
        const r = readings[j]!;
        const notice = plan.readings[j];
        const wantsReceipt =
          r.status === 'accepted' ? this.publishReceipts : r.status === 'duplicate';
        if (!wantsReceipt && notice === undefined) continue;
        if (++sinceYield === RECEIPTS_PER_YIELD) {
          sinceYield = 0;
          await nextTurn();
        }
        let receipt: Uint8Array | undefined;
        if (wantsReceipt && (this.publishReceipts || notice !== undefined)) {
          try {
            receipt = this.receiptNow(r, entries) ?? (await this.receiptFor(r, entries));
            if (receipt !== undefined && this.publishReceipts) {
              this.source.publish(meterReceiptsTopic(r.meterId!, this.topicRoot), receipt);
              this.stats.receiptsPublished++;
            }
          } catch {
            this.stats.receiptErrors++;
          }
        }
        if (notice !== undefined) this.sendNotice(notice, job.decidedAt, receipt);
      }
    }
  }

  /** The receipt of an accepted reading at once, when the log has its proof at hand. */
  private receiptNow(r: ReadingResult, entries: readonly LedgerAppended[]): Uint8Array | undefined {
    if (r.status !== 'accepted' || r.itemIndex === undefined) return undefined;
    if (r.meterId === undefined || r.sequence === undefined) return undefined;
    const a = entries[r.itemIndex]!;
    const log = this.ledger.log;
    return this.receipts!.messageNow(
      {
        meterId: r.meterId,
        sequence: r.sequence,
        index: a.index,
        kind: a.kind,
        salt: a.salt,
        link: a.link,
      },
      log.size,
      log.publishedRoot(),
    );
  }

  /**
   * The receipt message of an accepted reading, or of the entry a duplicate repeats; undefined
   * when the reading names no meter and sequence or the entry was erased.
   */
  private async receiptFor(
    r: ReadingResult,
    entries: readonly LedgerAppended[],
  ): Promise<Uint8Array | undefined> {
    if (r.meterId === undefined || r.sequence === undefined) return undefined;
    let subject;
    if (r.status === 'accepted' && r.itemIndex !== undefined) {
      const a = entries[r.itemIndex]!;
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
      if (rec === undefined || rec.erased) return undefined;
      subject = {
        meterId: r.meterId,
        sequence: r.sequence,
        index: r.duplicateOf,
        kind: rec.kind,
        salt: rec.salt,
        ...(rec.link === undefined ? {} : { link: rec.link }),
      };
    } else return undefined;
    return this.receipts!.message(subject, this.ledger.log.size, this.ledger.log.publishedRoot());
  }

  private sendNotice(planned: PlannedNotice, decidedAt: number, receipt?: Uint8Array): void {
    try {
      this.source.publish(planned.topic, this.receipts!.notice(planned.draft, decidedAt, receipt));
      this.stats.noticesPublished++;
    } catch {
      this.stats.noticeErrors++;
    }
  }
}
