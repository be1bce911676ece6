/**
 * The sequencer: durable index assignment. It gives each new leaf the next index and produces
 * the store writes that record the leaf data and the new sequenced size. Tree growth is the
 * integrator's job (integrator.ts), as in tessera, so that a log can acknowledge once entries
 * are sequenced and grow the tree afterwards, or do both in one batch.
 */
import type { LevelStore, StoreOp } from '../storage/index.ts';

/** Writes and index range of one sequenced batch. */
export interface SequencedBatch {
  /** Index of the batch's first entry. */
  readonly first: number;
  /** Sequenced size once the batch commits. */
  readonly next: number;
  /** Store writes: the leaf data and the new sequenced size. */
  readonly ops: StoreOp[];
}

/** Assigns consecutive indices; the in-memory counter moves only once a batch commits. */
export class Sequencer {
  constructor(
    private readonly store: LevelStore,
    private nextIndex: number,
  ) {}

  /** Sequenced size: the next index to assign. */
  get next(): number {
    return this.nextIndex;
  }

  /** Plans a batch after the last planned-and-committed one. */
  plan(entries: readonly Uint8Array[]): SequencedBatch {
    const first = this.nextIndex;
    const ops: StoreOp[] = entries.map((e, i) => this.store.entryOp(first + i, e));
    const next = first + entries.length;
    ops.push(this.store.sequenceOp(next));
    return { first, next, ops };
  }

  /** Records that a planned batch committed. */
  committed(batch: SequencedBatch): void {
    if (batch.first !== this.nextIndex)
      throw new Error('sequencer: batches committed out of order');
    this.nextIndex = batch.next;
  }
}
