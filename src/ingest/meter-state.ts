/**
 * Per-meter ingest state (docs/formats.md, "Checks and quarantine"): the last accepted
 * sequence per counter, the head of each channel's timeline (the last accepted interval and
 * register per OBIS code), (meter, sequence) → leaf index and SHA-256 of the signed content,
 * equivocation evidence and flagged meters, in LevelDB with an in-memory cache in front. The
 * timeline checks read only this state, which is read once per meter and then cached: they add
 * no LevelDB read per reading.
 *
 * Changes are staged in memory as a batch is checked, so the next batch sees them at once,
 * and written by that batch's store operations in the same atomic commit as its entries.
 * Every batch also writes its number under a watermark key; reading it back (synchronously)
 * tells which staged changes are on disk. Only those may leave memory: the meter cache is
 * bounded (least recently used first) but never drops a meter with uncommitted changes, and a
 * (meter, sequence) staged in memory is looked up there until its batch is committed.
 */
import { readU64be } from '../core/bytes.ts';
import type { LevelStore } from '../storage/index.ts';
import { IngestError } from './errors.ts';
import {
  BATCH_WATERMARK_KEY,
  FLAGGED_PREFIX,
  meterEvidencePrefix,
  meterSequenceKey,
  meterStateKey,
  prefixSuccessor,
  readStringPart,
} from './ingest-keys.ts';
import {
  decodeEvidence,
  decodeSequenceRef,
  decodeFlagged,
  decodeState,
  newMeterState,
  type EvidenceRecord,
  type FlaggedMeter,
  type MeterState,
  type SequenceRef,
} from './meter-state-records.ts';
import { StateBatch } from './state-batch.ts';

/** Options of {@link MeterStateStore.open}. */
export interface MeterStateOptions {
  /** Meters kept in memory when their changes are committed (default 100,000). */
  readonly maxCachedMeters?: number;
}

function seqKeyString(meterId: string, scope: string, sequence: number): string {
  return `${meterId}\u0000${scope}\u0000${sequence}`;
}

/** The ingest state of every meter. */
export class MeterStateStore {
  private readonly cache = new Map<string, MeterState>();
  private readonly pending = new Map<string, SequenceRef>();
  private readonly pendingByBatch: { batch: number; keys: string[] }[] = [];
  private lastBatch: number;
  private lastPlanned: number;
  private committed: number;
  private open: StateBatch | undefined;
  private flagged: number;

  private constructor(
    private readonly store: LevelStore,
    private readonly maxCached: number,
    watermark: number,
    flagged: number,
  ) {
    this.lastBatch = watermark;
    this.lastPlanned = watermark;
    this.committed = watermark;
    this.flagged = flagged;
  }

  /** Opens the state kept in `store` (reads the watermark and counts the flagged meters). */
  static async open(store: LevelStore, options: MeterStateOptions = {}): Promise<MeterStateStore> {
    const max = options.maxCachedMeters ?? 100_000;
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError('maxCachedMeters must be >= 1');
    const w = await store.get(BATCH_WATERMARK_KEY);
    let flagged = 0;
    for await (const _ of store.range({
      gte: FLAGGED_PREFIX,
      lt: prefixSuccessor(FLAGGED_PREFIX),
    })) {
      flagged++;
    }
    return new MeterStateStore(store, max, w === undefined ? 0 : readU64be(w), flagged);
  }

  /** Meters flagged for equivocation (staged changes included). */
  get flaggedCount(): number {
    return this.flagged;
  }

  /** Meters held in memory. */
  get cachedMeters(): number {
    return this.cache.size;
  }

  /** Number of the last batch known to be committed. */
  get committedBatch(): number {
    return this.committed;
  }

  /** True when the meter has equivocated (staged changes included). */
  isFlagged(meterId: string): boolean {
    return this.state(meterId).equivocations > 0;
  }

  /** Every flagged meter on disk, in meter id order. */
  async *flaggedMeters(): AsyncGenerator<FlaggedMeter> {
    for await (const [k, v] of this.store.range({
      gte: FLAGGED_PREFIX,
      lt: prefixSuccessor(FLAGGED_PREFIX),
    })) {
      yield decodeFlagged(readStringPart(k, FLAGGED_PREFIX.length).value, v);
    }
  }

  /** Every piece of equivocation evidence of a meter on disk, by sequence. */
  async *evidence(meterId: string): AsyncGenerator<EvidenceRecord> {
    const prefix = meterEvidencePrefix(meterId);
    for await (const [k, v] of this.store.range({ gte: prefix, lt: prefixSuccessor(prefix) })) {
      yield decodeEvidence(k, v);
    }
  }

  /**
   * Starts staging a batch. Batches are numbered in call order; the previous one must have
   * been closed. Learns which batches are committed and lets their changes leave memory.
   */
  beginBatch(): StateBatch {
    if (this.open !== undefined) {
      throw new IngestError('BATCH_ORDER', 'the previous state batch is still being staged');
    }
    this.refreshCommitted();
    this.open = new StateBatch(this, ++this.lastBatch);
    return this.open;
  }

  /** @internal Called by {@link StateBatch.close}. */
  closed(batch: StateBatch): void {
    if (this.open === batch) this.open = undefined;
  }

  /** @internal Called by {@link StateBatch.ops}: batches must be made in order. */
  planned(batch: number): void {
    if (batch !== this.lastPlanned + 1) {
      throw new IngestError(
        'BATCH_ORDER',
        `store operations of batch ${batch} requested after batch ${this.lastPlanned}`,
      );
    }
    this.lastPlanned = batch;
  }

  /** The state of `meterId` (from memory, else LevelDB, else new). */
  state(meterId: string): MeterState {
    const hit = this.cache.get(meterId);
    if (hit !== undefined) {
      this.cache.delete(meterId);
      this.cache.set(meterId, hit);
      return hit;
    }
    const b = this.store.getSync(meterStateKey(meterId));
    const s = b === undefined ? newMeterState(meterId) : decodeState(meterId, b);
    this.cache.set(meterId, s);
    return s;
  }

  /** The (meter, scope, sequence) in the log, staged or on disk. */
  findSequence(meterId: string, scope: string, sequence: number): SequenceRef | undefined {
    const staged = this.pending.get(seqKeyString(meterId, scope, sequence));
    if (staged !== undefined) return staged;
    const b = this.store.getSync(meterSequenceKey(meterId, scope, sequence));
    if (b === undefined) return undefined;
    return decodeSequenceRef(b);
  }

  /** @internal Remembers a staged (meter, sequence) until its batch is committed. */
  stage(batch: number, meterId: string, scope: string, sequence: number, ref: SequenceRef): void {
    const key = seqKeyString(meterId, scope, sequence);
    this.pending.set(key, ref);
    const last = this.pendingByBatch[this.pendingByBatch.length - 1];
    if (last !== undefined && last.batch === batch) last.keys.push(key);
    else this.pendingByBatch.push({ batch, keys: [key] });
  }

  /** @internal Counts a newly flagged meter. */
  flaggedOne(): void {
    this.flagged++;
  }

  private refreshCommitted(): void {
    if (this.committed < this.lastPlanned) {
      const w = this.store.getSync(BATCH_WATERMARK_KEY);
      if (w !== undefined) this.committed = readU64be(w);
    }
    while (this.pendingByBatch.length > 0 && this.pendingByBatch[0]!.batch <= this.committed) {
      for (const k of this.pendingByBatch.shift()!.keys) this.pending.delete(k);
    }
    if (this.cache.size <= this.maxCached) return;
    for (const [id, s] of this.cache) {
      if (this.cache.size <= this.maxCached) break;
      if (s.dirtyBatch <= this.committed) this.cache.delete(id);
    }
  }
}
