/**
 * The ingest pipeline (docs/formats.md, "Checks and quarantine"): every check a message goes
 * through before anything enters the ledger. Per message, in order: size limits, topic,
 * decoding, signer lookup, signature (all checks of a batch in one `verifyBatch` call), topic
 * and authorization rules, time; then, serialised across batches and in message order, the
 * stateful checks: duplicate, equivocation, sequence, register, energy.
 */
import { performance } from 'node:perf_hooks';
import { bytesEqual } from '../core/bytes.ts';
import type { AppendPlanner, LedgerItem } from '../ledger/index.ts';
import type { IngestMetrics } from '../metrics/index.ts';
import type { StoreOp } from '../storage/index.ts';
import type { CandidateReading } from './candidate.ts';
import type { CheckedBatch, MessageOutcome, ReadingOutcome } from './checked-batch.ts';
import { decodeMessage, type DecodeLimits } from './decode.ts';
import { IngestError } from './errors.ts';
import type { MeterStateStore } from './meter-state.ts';
import { entrySha256, type SequenceRef } from './meter-state-records.ts';
import type { StateBatch } from './state-batch.ts';
import type { Quarantine } from './quarantine.ts';
import { PUBACK_REASON_BY_CODE, PubackReason, reject, type Rejection } from './reject-codes.ts';
import { timelineFault } from '../core/reading/index.ts';
import { EntryKind } from '../core/leaf/index.ts';
import { encodeMeterFlag } from '../core/ledger-index/index.ts';
import {
  authorizationRejection,
  energyRejection,
  signerRejection,
  timeRejection,
} from './rules.ts';
import { isReadingsTopic, parseTopic, type ParsedTopic } from './topics.ts';
import type { InboundMessage } from '../mqtt/index.ts';
import type { SignerDirectory, SignerRecord } from '../registry/index.ts';
import type { SignatureCheck, SignatureVerifier } from '../core/signature/index.ts';

/** Options of {@link IngestPipeline}. */
export interface IngestPipelineOptions {
  readonly signers: SignerDirectory;
  readonly verifier: SignatureVerifier;
  readonly quarantine: Quarantine;
  readonly meters: MeterStateStore;
  /**
   * Plans the ledger append of each checked batch (the node's `Ledger`): the pipeline learns
   * the leaf index each accepted reading will have before it settles the next reading, so no
   * outcome or record is ever completed later.
   */
  readonly planner: AppendPlanner;
  readonly metrics?: IngestMetrics;
  /** Clock, ms since the epoch (default `Date.now`). */
  readonly now?: () => number;
  /** Largest reading, and largest message on a meter topic (default 4096 bytes). */
  readonly maxReadingBytes?: number;
  /** Largest message on a platform topic (default 262,144 bytes). */
  readonly maxMessageBytes?: number;
  /** Most readings in one platform message (default 1000). */
  readonly maxReadingsPerMessage?: number;
  /** How far an interval end may lie in the future (default 300 s). */
  readonly clockSkewSeconds?: number;
  /** Factor over the rated capacity still accepted (default 1.1). */
  readonly energyTolerance?: number;
  /** First levels of the readings topics (default `wattproof/v1`). */
  readonly topicRoot?: string;
  /**
   * Finds the committed reading of a meter's channel that overlaps an interval (the ledger's
   * `findOverlap`), to name it when a reading lies before the head of its timeline. Without
   * it such a reading is refused `INTERVAL_OUT_OF_ORDER`, naming the head.
   */
  readonly findOverlap?: (
    meterId: string,
    obis: string,
    start: number,
    end: number,
  ) => Promise<number | undefined>;
}

interface Part {
  readonly bytes: Uint8Array;
  readonly readingIndex: number | undefined;
  candidate?: CandidateReading;
  signer?: SignerRecord;
  check?: number;
  rejection?: Rejection;
  /** Per OBIS code: the committed reading it overlaps, for a reading before its channel's head. */
  overlaps?: Map<string, number>;
  /** Its signature verified under the registered key: a refusal of it is signed evidence. */
  verified?: boolean;
}

interface Work {
  readonly message: InboundMessage;
  readonly topic: ParsedTopic | undefined;
  rejection?: Rejection;
  readonly parts: Part[];
}

interface Settling {
  readonly batch: StateBatch;
  /** Leaf index of the batch's first item: the ledger's next index when settling began. */
  readonly first: number;
  readonly items: LedgerItem[];
  /** Quarantine records' operations, made at the end of the batch (a later record may evict one). */
  readonly quarantineOps: (() => StoreOp[])[];
}

/** Checks batches of inbound messages and turns the good readings into ledger items. */
export class IngestPipeline {
  private readonly limits: DecodeLimits;
  private readonly now: () => number;
  private readonly skew: number;
  private readonly tolerance: number;
  private tail: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(private readonly opts: IngestPipelineOptions) {
    this.limits = {
      maxReadingBytes: opts.maxReadingBytes ?? 4096,
      maxMessageBytes: opts.maxMessageBytes ?? 262_144,
      maxReadingsPerMessage: opts.maxReadingsPerMessage ?? 1000,
    };
    this.now = opts.now ?? Date.now;
    this.skew = opts.clockSkewSeconds ?? 300;
    this.tolerance = opts.energyTolerance ?? 1.1;
  }

  /**
   * Checks `messages`. Hostile input never makes this throw: every refusal is an outcome
   * with a reject code and a quarantine record. Calls may overlap (batches are pipelined):
   * signature checks run concurrently, the stateful checks run in call order, and each batch
   * sees the staged state of the ones before it. Rejects only if the verifier fails (nothing
   * is staged then) or the node's own state cannot be read (the pipeline then refuses every
   * later batch: the node must stop).
   */
  async check(messages: readonly InboundMessage[]): Promise<CheckedBatch> {
    const started = performance.now();
    const checks: SignatureCheck[] = [];
    const work = messages.map((m) => this.prepare(m, checks));
    const verdicts = checks.length === 0 ? undefined : this.opts.verifier.verifyBatch(checks);
    const previous = this.tail;
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    this.tail = previous.then(() => mine);
    try {
      const results = verdicts === undefined ? [] : await verdicts;
      if (results.length !== checks.length) {
        throw new IngestError(
          'VERIFIER_FAILED',
          `${results.length} verdicts for ${checks.length} signatures`,
        );
      }
      const nowMs = this.now();
      for (const w of work) for (const p of w.parts) this.afterSignature(w, p, results, nowMs);
      await previous;
      if (this.failure !== undefined) {
        throw new IngestError('PIPELINE_FAILED', 'an earlier batch failed; the node must stop', {
          cause: this.failure,
        });
      }
      let batch: CheckedBatch;
      try {
        await this.findOverlaps(work);
        batch = this.settle(work);
      } catch (e) {
        this.failure = e;
        throw new IngestError('PIPELINE_FAILED', `staging failed: ${String(e)}`, { cause: e });
      }
      this.opts.metrics?.batchSize.observe(messages.length);
      this.opts.metrics?.checkDuration.observe((performance.now() - started) / 1000);
      return batch;
    } finally {
      done();
    }
  }

  private prepare(message: InboundMessage, checks: SignatureCheck[]): Work {
    const topic = parseTopic(message.topic, this.opts.topicRoot);
    const work: Work = { message, topic, parts: [] };
    try {
      const size = message.payload.length;
      const limit =
        topic?.kind === 'meterReadings' ? this.limits.maxReadingBytes : this.limits.maxMessageBytes;
      if (size > limit) {
        work.rejection = reject('OVERSIZE', `message of ${size} bytes exceeds ${limit}`);
        return work;
      }
      if (topic === undefined || !isReadingsTopic(topic)) {
        work.rejection = reject('UNKNOWN_TOPIC', 'not a readings topic');
        return work;
      }
      const payload = new Uint8Array(message.payload);
      const decoded = decodeMessage(payload, topic.kind === 'platformReadings', this.limits);
      if (!decoded.ok) {
        work.rejection = decoded.rejection;
        return work;
      }
      decoded.parts.forEach((d, i) => {
        const part: Part = { bytes: d.bytes, readingIndex: decoded.batch ? i : undefined };
        work.parts.push(part);
        if (!d.result.ok) {
          part.rejection = d.result.rejection;
          return;
        }
        const c = d.result.candidate;
        part.candidate = c;
        const signer = this.opts.signers.get(c.signerId);
        part.rejection = signerRejection(c, signer);
        if (part.rejection !== undefined || signer === undefined) return;
        part.signer = signer;
        part.check =
          checks.push({
            keyType: signer.keyType,
            publicKey: signer.publicKey,
            message: c.message,
            signature: c.signature,
          }) - 1;
      });
    } catch (e) {
      work.rejection = reject('INTERNAL_ERROR', `unexpected error: ${String(e)}`);
      work.parts.length = 0;
    }
    return work;
  }

  private afterSignature(w: Work, p: Part, verdicts: readonly boolean[], nowMs: number): void {
    if (p.rejection !== undefined || p.check === undefined) return;
    const c = p.candidate!;
    try {
      if (verdicts[p.check] !== true) {
        p.rejection = reject('BAD_SIGNATURE', `signature of ${c.signerId} does not verify`);
        return;
      }
      p.verified = true;
      p.rejection =
        authorizationRejection(w.topic!, c, p.signer!) ??
        timeRejection(c.reading, nowMs, this.skew) ??
        c.fault;
    } catch (e) {
      p.rejection = reject('INTERNAL_ERROR', `unexpected error: ${String(e)}`);
    }
  }

  /**
   * For the rare reading that lies before the head of its channel's timeline (a replay of an
   * earlier run), looks up the committed reading it overlaps, so that the refusal names it. The
   * state read here includes every earlier batch's staged changes.
   */
  private async findOverlaps(work: readonly Work[]): Promise<void> {
    const find = this.opts.findOverlap;
    if (find === undefined) return;
    const lookups: Promise<void>[] = [];
    for (const w of work) {
      for (const p of w.parts) {
        const c = p.candidate;
        if (p.rejection !== undefined || c === undefined) continue;
        const state = this.opts.meters.state(c.reading.meterId);
        for (const ch of c.reading.channels) {
          const head = state.channels.get(ch.obis);
          if (head === undefined || ch.intervalEnd > head.intervalStart) continue;
          lookups.push(
            find(c.reading.meterId, ch.obis, ch.intervalStart, ch.intervalEnd).then((i) => {
              if (i !== undefined) (p.overlaps ??= new Map()).set(ch.obis, i);
            }),
          );
        }
      }
    }
    if (lookups.length > 0) await Promise.all(lookups);
  }

  /**
   * Settles every message in order against the staged state, then plans the batch's append and
   * makes all of its store operations, once. Synchronous from the first index taken to the
   * plan, so that the indices given to accepted readings are the ones the ledger assigns.
   */
  private settle(work: readonly Work[]): CheckedBatch {
    const s: Settling = {
      batch: this.opts.meters.beginBatch(),
      first: this.opts.planner.nextIndex,
      items: [],
      quarantineOps: [],
    };
    const outcomes = work.map((w) => this.settleMessage(w, s));
    s.batch.close();
    const plan = this.opts.planner.plan(s.items);
    if (plan.first !== s.first) {
      throw new IngestError('BATCH_ORDER', `planned at ${plan.first}, settled at ${s.first}`);
    }
    const ops = s.batch.ops();
    for (const q of s.quarantineOps) ops.push(...q());
    return { plan, ops, outcomes };
  }

  /**
   * Stages the quarantine record of a refusal. `part` is the refused reading (absent for a
   * message refused as a whole): a reading whose signature verified is signed evidence, kept
   * against its signer's quota; `collision` is the entry it collides with.
   */
  private quarantine(
    w: Work,
    s: Settling,
    r: Rejection,
    part?: Part,
    collision?: SequenceRef,
  ): number {
    const evidence =
      collision === undefined ? r.evidence : { ...r.evidence, collidesWith: collision.index };
    const signer = part?.verified === true ? part.signer?.signerId : undefined;
    const { id, ops } = this.opts.quarantine.reserve({
      code: r.detail,
      class: r.code,
      message: r.message,
      topic: w.message.topic,
      receivedAt: w.message.receivedAt,
      payload: part?.bytes ?? w.message.payload,
      readingIndex: part?.readingIndex,
      ...(evidence === undefined ? {} : { evidence }),
      ...(signer === undefined ? {} : { tier: 'signed' as const, source: `signer:${signer}` }),
    });
    this.opts.metrics?.rejections.inc({ code: r.code });
    s.quarantineOps.push(ops);
    return id;
  }

  private settleMessage(w: Work, s: Settling): MessageOutcome {
    let outcome: MessageOutcome;
    if (w.rejection !== undefined) {
      const quarantineId = this.quarantine(w, s, w.rejection);
      outcome = {
        status: 'rejected',
        reasonCode: PUBACK_REASON_BY_CODE[w.rejection.code],
        code: w.rejection.code,
        detail: w.rejection.detail,
        quarantineId,
        readings: [],
      };
    } else {
      const readings = w.parts.map((p) => this.settleReading(w, p, s));
      outcome = summarize(readings);
    }
    const m = this.opts.metrics;
    if (m !== undefined) {
      m.messages.inc({ outcome: outcome.status });
      for (const r of outcome.readings) m.readings.inc({ outcome: r.status });
    }
    return outcome;
  }

  private settleReading(w: Work, p: Part, s: Settling): ReadingOutcome {
    const c = p.candidate;
    const id: ReadingId =
      c === undefined
        ? {}
        : {
            meterId: c.reading.meterId,
            sequence: c.reading.sequence,
            sequenceScope: c.reading.sequenceScope,
            signerId: c.signerId,
          };
    const refuse = (r: Rejection, collision?: SequenceRef): ReadingOutcome =>
      this.refuseReading(w, p, s, id, r, collision);
    if (p.rejection !== undefined || c === undefined || p.signer === undefined) {
      return refuse(p.rejection ?? reject('INTERNAL_ERROR', 'reading without a candidate'));
    }
    const r = c.reading;
    const state = s.batch.state(r.meterId);
    const last = state.lastSequence.get(r.sequenceScope);
    if (last !== undefined && r.sequence <= last) {
      const prior = s.batch.findSequence(r.meterId, r.sequenceScope, r.sequence);
      if (prior === undefined) {
        return refuse(
          reject('SEQUENCE_NOT_INCREASING', `sequence ${r.sequence} is not above ${last}`),
        );
      }
      // A reading is its signed content: another valid signature over it is the same reading.
      const same = prior.content
        ? bytesEqual(entrySha256(c.message), prior.sha256)
        : bytesEqual(entrySha256(c.bytes), prior.sha256);
      if (same) {
        this.opts.metrics?.duplicates.inc();
        return { status: 'duplicate', ...id, duplicateOf: prior.index };
      }
      const out = refuse(
        reject(
          'EQUIVOCATION',
          `sequence ${r.sequence} of ${r.meterId} already has other signed content`,
        ),
        prior,
      );
      s.batch.equivocate(state, {
        meterId: r.meterId,
        scope: r.sequenceScope,
        sequence: r.sequence,
        quarantineId: out.quarantineId!,
        bytes: c.bytes,
        topic: w.message.topic,
        receivedAt: w.message.receivedAt,
        signerId: p.signer.signerId,
        first: prior,
      });
      // The flag enters the witnessed log with its evidence (docs/index.md §Meter flags), in the
      // batch that refused the reading, so that the index files it under the meter.
      s.items.push({
        kind: EntryKind.meterFlag,
        bytes: encodeMeterFlag({
          flag: 'equivocation',
          meterId: r.meterId,
          scope: r.sequenceScope,
          sequence: r.sequence,
          firstIndex: prior.index,
          conflicting: c.bytes,
          conflictingKind: c.kind,
          quarantineId: out.quarantineId!,
        }),
        meta: { meterId: r.meterId, receivedAt: w.message.receivedAt },
        facts: { type: 'meter-flag', meterId: r.meterId },
      });
      return out;
    }
    for (const ch of r.channels) {
      const energy = energyRejection(ch, p.signer.ratedCapacityW, this.tolerance);
      if (energy !== undefined) return refuse(energy);
    }
    for (const ch of r.channels) {
      const head = state.channels.get(ch.obis);
      const fault = head === undefined ? undefined : timelineFault(head, ch);
      if (fault === undefined) continue;
      const earlier = fault.code === 'INTERVAL_OUT_OF_ORDER' ? p.overlaps?.get(ch.obis) : undefined;
      if (earlier !== undefined) {
        return refuse(
          reject(
            'INTERVAL_OVERLAP',
            `[${ch.intervalStart}, ${ch.intervalEnd}) overlaps entry ${earlier} of ${ch.obis}`,
          ),
          { index: earlier, sha256: new Uint8Array(0), content: true },
        );
      }
      return refuse(reject(fault.code, fault.message), head!.ref);
    }

    const itemIndex = s.items.length;
    s.batch.accept(state, r, c.message, s.first + itemIndex);
    const only = r.channels.length === 1 ? r.channels[0] : undefined;
    s.items.push({
      kind: c.kind,
      bytes: c.bytes,
      // Decoded already: the index need not decode the bytes again (entry-facts.ts agrees).
      facts: { type: 'reading', meterId: r.meterId, channels: r.channels },
      meta: {
        meterId: r.meterId,
        sequence: r.sequence,
        trustMode: p.signer.mode,
        signerId: p.signer.signerId,
        topic: w.message.topic,
        receivedAt: w.message.receivedAt,
        intervalStart: r.intervalStart,
        intervalEnd: r.intervalEnd,
        ...(only === undefined
          ? {}
          : {
              obis: only.obis,
              energyMilliWh: only.energyMilliWh,
              registerMilliWh: only.registerMilliWh,
            }),
      },
    });
    return {
      status: 'accepted',
      meterId: r.meterId,
      sequence: r.sequence,
      sequenceScope: r.sequenceScope,
      signerId: c.signerId,
      itemIndex,
    };
  }

  private refuseReading(
    w: Work,
    p: Part,
    s: Settling,
    id: ReadingId,
    r: Rejection,
    collision?: SequenceRef,
  ): ReadingOutcome {
    return {
      status: 'rejected',
      code: r.code,
      detail: r.detail,
      message: r.message,
      ...id,
      quarantineId: this.quarantine(w, s, r, p, collision),
      ...(collision === undefined ? {} : { collidesWith: collision.index }),
    };
  }
}

/** Who a reading's outcome names: absent for a part that did not decode. */
type ReadingId =
  | Record<string, never>
  | { meterId: string; sequence: number; sequenceScope: string; signerId: string };

function summarize(readings: readonly ReadingOutcome[]): MessageOutcome {
  const statuses = new Set(readings.map((r) => r.status));
  const status = statuses.size === 1 ? [...statuses][0]! : ('mixed' as MessageOutcome['status']);
  const firstRejected = readings.find((r) => r.status === 'rejected');
  if (statuses.has('accepted') || statuses.has('duplicate') || firstRejected === undefined) {
    return { status, reasonCode: PubackReason.success, readings };
  }
  return {
    status,
    reasonCode: PUBACK_REASON_BY_CODE[firstRejected.code!],
    code: firstRejected.code!,
    readings,
  };
}
