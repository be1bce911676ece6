/**
 * The ingest pipeline (docs/formats.md, "Checks and quarantine"): every check a message goes
 * through before anything enters the ledger. Per message, in order: size limits, topic,
 * decoding, signer lookup, signature (all checks of a batch in one `verifyBatch` call), topic
 * and authorization rules, time; then, serialised across batches and in message order, the
 * stateful checks: duplicate, equivocation, sequence, register, energy.
 */
import { performance } from 'node:perf_hooks';
import { bytesEqual } from '../core/bytes.ts';
import type { LedgerItem } from '../ledger/ledger.ts';
import type { IngestMetrics } from '../metrics/ingest-metrics.ts';
import type { StoreOp } from '../storage/level-store.ts';
import type { CandidateReading } from './candidate.ts';
import type { CheckedBatch, MessageOutcome, ReadingOutcome } from './checked-batch.ts';
import { decodeMessage, type DecodeLimits } from './decode.ts';
import { IngestError } from './errors.ts';
import type { MeterStateStore } from './meter-state.ts';
import { entrySha256, type SequenceRef } from './meter-state-records.ts';
import type { StateBatch } from './state-batch.ts';
import type { Quarantine } from './quarantine.ts';
import { PUBACK_REASON_BY_CODE, PubackReason, reject, type Rejection } from './reject-codes.ts';
import {
  authorizationRejection,
  energyRejection,
  signerRejection,
  timeRejection,
} from './rules.ts';
import { parseTopic, type ParsedTopic } from './topics.ts';
import type {
  InboundMessage,
  SignatureCheck,
  SignatureVerifier,
  SignerDirectory,
  SignerRecord,
} from './types.ts';

/** Options of {@link IngestPipeline}. */
export interface IngestPipelineOptions {
  readonly signers: SignerDirectory;
  readonly verifier: SignatureVerifier;
  readonly quarantine: Quarantine;
  readonly meters: MeterStateStore;
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
}

interface Part {
  readonly bytes: Uint8Array;
  readonly readingIndex: number | undefined;
  candidate?: CandidateReading;
  signer?: SignerRecord;
  check?: number;
  rejection?: Rejection;
}

interface Work {
  readonly message: InboundMessage;
  readonly topic: ParsedTopic | undefined;
  rejection?: Rejection;
  readonly parts: Part[];
}

interface Settling {
  readonly batch: StateBatch;
  readonly items: LedgerItem[];
  readonly quarantineOps: StoreOp[];
  readonly duplicates: { outcome: ReadingOutcome; ref: SequenceRef }[];
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
      if (topic === undefined || topic.kind === 'meterReceipts') {
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
      p.rejection =
        authorizationRejection(w.topic!, c, p.signer!) ??
        timeRejection(c.reading, nowMs, this.skew);
    } catch (e) {
      p.rejection = reject('INTERNAL_ERROR', `unexpected error: ${String(e)}`);
    }
  }

  private settle(work: readonly Work[]): CheckedBatch {
    const s: Settling = {
      batch: this.opts.meters.beginBatch(),
      items: [],
      quarantineOps: [],
      duplicates: [],
    };
    const outcomes = work.map((w) => this.settleMessage(w, s));
    s.batch.close();
    let planned = false;
    return {
      items: s.items,
      outcomes,
      opsFor: (appended) => {
        if (planned) throw new IngestError('BATCH_ORDER', 'opsFor called twice');
        if (appended.length !== s.items.length) {
          throw new IngestError(
            'BATCH_ORDER',
            `${appended.length} indices for ${s.items.length} items`,
          );
        }
        const ops = s.batch.opsFor(appended.map((a) => a.index));
        planned = true;
        for (const d of s.duplicates) d.outcome.duplicateOf = d.ref.index;
        ops.push(...s.quarantineOps);
        return ops;
      },
    };
  }

  private quarantine(
    w: Work,
    s: Settling,
    bytes: Uint8Array,
    r: Rejection,
    readingIndex?: number,
  ): number {
    const { id, ops } = this.opts.quarantine.add({
      code: r.code,
      message: r.message,
      topic: w.message.topic,
      receivedAt: w.message.receivedAt,
      payload: bytes,
      readingIndex,
    });
    this.opts.metrics?.rejections.inc({ code: r.code });
    s.quarantineOps.push(...ops);
    return id;
  }

  private settleMessage(w: Work, s: Settling): MessageOutcome {
    let outcome: MessageOutcome;
    if (w.rejection !== undefined) {
      this.quarantine(w, s, w.message.payload, w.rejection);
      outcome = {
        status: 'rejected',
        reasonCode: PUBACK_REASON_BY_CODE[w.rejection.code],
        code: w.rejection.code,
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
    const id = c === undefined ? {} : { meterId: c.reading.meterId, sequence: c.reading.sequence };
    const refuse = (r: Rejection): ReadingOutcome => ({
      status: 'rejected',
      code: r.code,
      message: r.message,
      ...id,
      quarantineId: this.quarantine(w, s, p.bytes, r, p.readingIndex),
    });
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
      if (bytesEqual(entrySha256(c.bytes), prior.sha256)) {
        const outcome: ReadingOutcome = { status: 'duplicate', ...id, duplicateOf: prior.index };
        if (prior.index === undefined) s.duplicates.push({ outcome, ref: prior });
        this.opts.metrics?.duplicates.inc();
        return outcome;
      }
      const out = refuse(
        reject('EQUIVOCATION', `sequence ${r.sequence} of ${r.meterId} already has other bytes`),
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
      return out;
    }
    const lastRegister = state.registers.get(r.obis);
    if (lastRegister !== undefined && r.registerStartMilliWh < lastRegister) {
      return refuse(
        reject(
          'REGISTER_BACKWARDS',
          `register ${r.registerStartMilliWh} mWh below the last ${lastRegister} mWh (${r.obis})`,
        ),
      );
    }
    const energy = energyRejection(r, p.signer.ratedCapacityW, this.tolerance);
    if (energy !== undefined) return refuse(energy);

    s.batch.accept(state, r, c.bytes);
    const itemIndex = s.items.length;
    s.items.push({
      kind: c.kind,
      bytes: c.bytes,
      meta: {
        meterId: r.meterId,
        sequence: r.sequence,
        trustMode: p.signer.mode,
        signerId: p.signer.signerId,
        topic: w.message.topic,
        receivedAt: w.message.receivedAt,
        intervalStart: r.intervalStart,
        intervalEnd: r.intervalEnd,
        obis: r.obis,
        energyMilliWh: r.energyMilliWh,
        registerMilliWh: r.registerMilliWh,
      },
    });
    return { status: 'accepted', ...id, itemIndex };
  }
}

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
