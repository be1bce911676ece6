/**
 * The live progress line on stderr: rewritten in place on a terminal, otherwise one line every
 * few seconds so that logs stay readable.
 */
import type { Progress } from './simulate.ts';

/** Where progress goes (tests pass their own). */
export interface ProgressSink {
  write(text: string): void;
  readonly isTTY: boolean;
}

function iso(t: number): string {
  return new Date(t * 1000).toISOString().slice(0, 16).replace('T', ' ');
}

/** One progress line. */
export function progressLine(p: Progress): string {
  return (
    `sim ${iso(p.simTime)}Z  interval ${p.intervalsDone}/${p.intervals}  ` +
    `published ${p.published} (${p.messages} msgs, broker acked ${p.brokerAcked})  ` +
    `receipts ${p.receipts}  acknowledged ${p.acked}  resent ${p.resent}  ` +
    `notices ${p.refusedNotices} refused ${p.duplicateNotices} duplicate  ` +
    `${p.rate.toFixed(0)} readings/s`
  );
}

/** A progress reporter: call it with each update, then `end()`. */
export function progressReporter(
  sink: ProgressSink,
  everyMs = 5000,
): { update: (p: Progress) => void; end: () => void } {
  let last = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    update(p) {
      if (sink.isTTY) {
        sink.write(`\r\x1b[K${progressLine(p)}`);
        drawn = true;
        return;
      }
      const now = performance.now();
      if (now - last >= everyMs) {
        last = now;
        sink.write(`${progressLine(p)}\n`);
      }
    },
    end() {
      if (drawn) sink.write('\n');
      drawn = false;
    },
  };
}
