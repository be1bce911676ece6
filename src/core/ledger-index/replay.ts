/**
 * Rebuilding the verifiable index from a log (docs/index.md §Epochs, §Audit): the entries are
 * read in log order, each filed under its keys; at each epoch entry the ones below the epoch's
 * log size go into the map and the map's root must be the one the epoch records. The node runs
 * this at start, `wattproof audit-index` over an operator's export: the same code, so that both
 * find the same first divergence.
 */
import { toHex } from '../bytes.ts';
import type { IndexEpoch } from './epoch.ts';
import { LedgerIndexError } from './errors.ts';

/** An epoch and the leaf index of its entry. */
export interface PlacedEpoch extends IndexEpoch {
  readonly index: number;
}

/** Where a replay puts what it reads: an accumulator and its map. */
export interface ReplaySink {
  /** Files the entry at leaf `index` under `keys` (entries come in log order). */
  file(index: number, keys: readonly Uint8Array[]): void;
  /** Puts every key filed so far into the map; returns the map's root. */
  update(): Uint8Array;
}

/** Replays a log's entries and epochs into a {@link ReplaySink}, checking every epoch. */
export class IndexReplay {
  private queue: { index: number; keys: readonly Uint8Array[] }[] = [];
  private latestEpoch: PlacedEpoch | undefined;

  constructor(private readonly sink: ReplaySink) {}

  /** The last epoch replayed, if any. */
  get latest(): PlacedEpoch | undefined {
    return this.latestEpoch;
  }

  /** The entry at leaf `index`, filed under `keys` (none: it is filed nowhere). */
  entry(index: number, keys: readonly Uint8Array[]): void {
    if (keys.length > 0) this.queue.push({ index, keys });
  }

  /**
   * The epoch entry at leaf `index`: files the entries below its log size, updates the map and
   * checks its root. Throws `EPOCH_OUT_OF_ORDER` (a number or log size that does not follow the
   * previous epoch, or a log size beyond the entry itself) or `EPOCH_ROOT_MISMATCH`, with both
   * roots as evidence.
   */
  epoch(index: number, epoch: IndexEpoch): void {
    const prev = this.latestEpoch;
    if (
      epoch.epoch !== (prev?.epoch ?? 0) + 1 ||
      epoch.logSize < (prev?.logSize ?? 0) ||
      epoch.logSize > index
    ) {
      throw new LedgerIndexError(
        'EPOCH_OUT_OF_ORDER',
        `epoch entry ${index} (epoch ${epoch.epoch}, log size ${epoch.logSize}) does not follow ` +
          (prev === undefined ? 'the start of the log' : `epoch ${prev.epoch} at ${prev.logSize}`),
        { evidence: { index, epoch: epoch.epoch, logSize: epoch.logSize, previous: prev?.epoch } },
      );
    }
    const rest: { index: number; keys: readonly Uint8Array[] }[] = [];
    for (const q of this.queue) {
      if (q.index < epoch.logSize) this.sink.file(q.index, q.keys);
      else rest.push(q);
    }
    this.queue = rest;
    const root = this.sink.update();
    if (toHex(root) !== toHex(epoch.mapRoot)) {
      throw new LedgerIndexError(
        'EPOCH_ROOT_MISMATCH',
        `epoch ${epoch.epoch} (entry ${index}) records map root ${toHex(epoch.mapRoot)} at log ` +
          `size ${epoch.logSize}; the entries give ${toHex(root)}`,
        {
          evidence: {
            index,
            epoch: epoch.epoch,
            logSize: epoch.logSize,
            recorded: toHex(epoch.mapRoot),
            rebuilt: toHex(root),
          },
        },
      );
    }
    this.latestEpoch = { ...epoch, index };
  }

  /** Files the entries after the last epoch (not in any map yet); returns how many. */
  finish(): number {
    for (const q of this.queue) this.sink.file(q.index, q.keys);
    const n = this.queue.length;
    this.queue = [];
    return n;
  }
}
