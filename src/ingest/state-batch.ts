/**
 * The state changes of one checked batch (docs/formats.md, "State records"): staged in memory
 * while the batch is checked, with the leaf index each accepted reading will have, then turned
 * into store operations once.
 */
import { u64be } from '../core/bytes.ts';
import type { StoreOp } from '../storage/index.ts';
import type { ParsedReading } from './candidate.ts';
import { IngestError } from './errors.ts';
import {
  BATCH_WATERMARK_KEY,
  evidenceKey,
  flaggedMeterKey,
  meterSequenceKey,
  meterStateKey,
} from './ingest-keys.ts';
import {
  encodeEvidence,
  encodeSequenceRef,
  encodeState,
  entrySha256,
  flaggedRecord,
  snapshotState,
  type EvidenceRecord,
  type MeterState,
  type SequenceRef,
  type StateSnapshot,
} from './meter-state-records.ts';

/**
 * What a batch needs from the store that opened it (`MeterStateStore` in
 * `meter-state.ts`, which imports this module; this one imports nothing back).
 */
export interface StateBatchOwner {
  /** A meter's state, including earlier batches' staged changes. */
  state(meterId: string): MeterState;
  /** An accepted (meter, scope, sequence): staged or stored. */
  findSequence(meterId: string, scope: string, sequence: number): SequenceRef | undefined;
  /** Stages an accepted (meter, scope, sequence) of batch `batch`. */
  stage(batch: number, meterId: string, scope: string, sequence: number, ref: SequenceRef): void;
  /** Counts one newly flagged meter. */
  flaggedOne(): void;
  /** The batch is closed to more readings. */
  closed(batch: StateBatch): void;
  /** The batch's operations were made: batches must be made in order. */
  planned(batch: number): void;
}

/**
 * The state changes of one batch: staged in memory as the batch is checked, written by
 * {@link StateBatch.ops}.
 */
export class StateBatch {
  private readonly touched = new Set<MeterState>();
  private readonly accepted: { key: Uint8Array; ref: SequenceRef }[] = [];
  private lastIndex = -1;
  private readonly evidence: (Omit<EvidenceRecord, 'firstIndex' | 'firstSha256'> & {
    readonly first: SequenceRef;
  })[] = [];
  private snapshots: StateSnapshot[] | undefined;
  private planned = false;

  constructor(
    private readonly owner: StateBatchOwner,
    /** Batch number, in staging order. */
    readonly number: number,
  ) {}

  /** A meter's state, including earlier batches' staged changes. */
  state(meterId: string): MeterState {
    return this.owner.state(meterId);
  }

  /** A (meter, scope, sequence) already in the log or staged. */
  findSequence(meterId: string, scope: string, sequence: number): SequenceRef | undefined {
    return this.owner.findSequence(meterId, scope, sequence);
  }

  /**
   * Stages an accepted reading that will be the log's entry `index`: its sequence becomes the
   * last, each of its channels the head of that channel's timeline, and (meter, scope,
   * sequence) points at its entry, identified by its signed content. Call in index order.
   */
  accept(
    state: MeterState,
    r: ParsedReading,
    signedContent: Uint8Array,
    index: number,
  ): SequenceRef {
    this.assertStaging();
    if (!Number.isSafeInteger(index) || index <= this.lastIndex) {
      throw new IngestError('BATCH_ORDER', `leaf index ${index} does not follow ${this.lastIndex}`);
    }
    this.lastIndex = index;
    const ref: SequenceRef = { sha256: entrySha256(signedContent), content: true, index };
    state.lastSequence.set(r.sequenceScope, r.sequence);
    for (const c of r.channels) {
      state.channels.set(c.obis, {
        intervalStart: c.intervalStart,
        intervalEnd: c.intervalEnd,
        registerMilliWh: c.registerMilliWh,
        ref,
      });
    }
    this.touch(state);
    this.owner.stage(this.number, r.meterId, r.sequenceScope, r.sequence, ref);
    this.accepted.push({ key: meterSequenceKey(r.meterId, r.sequenceScope, r.sequence), ref });
    return ref;
  }

  /** Stages equivocation evidence and flags the meter. */
  equivocate(
    state: MeterState,
    e: Omit<EvidenceRecord, 'firstIndex' | 'firstSha256'> & { readonly first: SequenceRef },
  ): void {
    this.assertStaging();
    if (state.equivocations === 0) {
      state.flaggedAt = e.receivedAt;
      this.owner.flaggedOne();
    }
    state.equivocations++;
    state.lastEquivocationAt = e.receivedAt;
    this.touch(state);
    this.evidence.push(e);
  }

  /**
   * Ends staging: snapshots the changed meters' state (later batches may change it before this
   * one is written); the records are encoded by {@link ops}.
   */
  close(): void {
    if (this.snapshots !== undefined) return;
    this.snapshots = [...this.touched].map(snapshotState);
    this.owner.closed(this);
  }

  /**
   * The batch's store operations. Call once per batch, in batch order, after {@link close};
   * commit them in that order too.
   */
  ops(): StoreOp[] {
    if (this.snapshots === undefined) throw new IngestError('BATCH_ORDER', 'batch not closed');
    if (this.planned) throw new IngestError('BATCH_ORDER', 'store operations already made');
    this.owner.planned(this.number);
    this.planned = true;
    const ops: StoreOp[] = [];
    for (const a of this.accepted) {
      ops.push({ type: 'put', key: a.key, value: encodeSequenceRef(a.ref) });
    }
    for (const e of this.evidence) {
      const { first, ...rest } = e;
      ops.push({
        type: 'put',
        key: evidenceKey(e.meterId, e.scope, e.sequence, e.quarantineId),
        value: encodeEvidence({ ...rest, firstIndex: first.index, firstSha256: first.sha256 }),
      });
    }
    for (const s of this.snapshots) {
      ops.push({ type: 'put', key: meterStateKey(s.meterId), value: encodeState(s) });
      if (s.equivocations > 0) {
        ops.push({ type: 'put', key: flaggedMeterKey(s.meterId), value: flaggedRecord(s) });
      }
    }
    ops.push({ type: 'put', key: BATCH_WATERMARK_KEY, value: u64be(this.number) });
    return ops;
  }

  private touch(state: MeterState): void {
    state.dirtyBatch = this.number;
    this.touched.add(state);
  }

  private assertStaging(): void {
    if (this.snapshots !== undefined) {
      throw new IngestError('BATCH_ORDER', 'batch already closed');
    }
  }
}
