/**
 * Energy counted once, checked on a bundle (DESIGN.md decision 14; docs/bundle.md §What the
 * verifier checks, step 9): per meter and channel (OBIS code), the verified readings' channels
 * sorted by interval must not overlap, and each register must agree with the interval energy
 * of the reading after the one before it — the rules of the core's `timelineFault`, which the
 * ingest node applies too, so a hostile log's overlapping readings are refused whoever built
 * the bundle. `certify` re-checks hand-made verdicts with the same function.
 */
import { timelineFault, type ChannelFigures } from '../reading/index.ts';
import { BundleError } from './errors.ts';

/** A reading as the timeline check needs it. */
export interface TimelineReading {
  /** Leaf index. */
  readonly index: number;
  readonly meterId: string;
  readonly channels: readonly ChannelFigures[];
}

/** The rules a bundle's timeline can break (the ingest node's, but for the order rule). */
export type TimelineBreakCode =
  'INTERVAL_OVERLAP' | 'REGISTER_BACKWARDS' | 'REGISTER_MISMATCH' | 'ENERGY_EXCEEDS_REGISTER';

/** One side of a broken rule: a reading's channel, with its leaf index. */
export interface TimelineEntry {
  readonly index: number;
  readonly intervalStart: number;
  readonly intervalEnd: number;
  readonly registerMilliWh: number;
  readonly energyMilliWh: number;
}

/** Two readings of one meter and channel that break a rule. */
export interface TimelineBreak {
  readonly code: TimelineBreakCode;
  readonly message: string;
  readonly meterId: string;
  readonly obis: string;
  /**
   * The entry to name: for an overlap, the later of the two in the log (the one a ledger
   * should have refused); otherwise the one whose register or energy disagrees with the
   * reading before it on the channel.
   */
  readonly index: number;
  /** The two readings in timeline order: `previous` is the one `next` follows. */
  readonly previous: TimelineEntry;
  readonly next: TimelineEntry;
}

function entry(index: number, c: ChannelFigures): TimelineEntry {
  return {
    index,
    intervalStart: c.intervalStart,
    intervalEnd: c.intervalEnd,
    registerMilliWh: c.registerMilliWh,
    energyMilliWh: c.energyMilliWh,
  };
}

function rank(code: TimelineBreakCode, index: number): number {
  return (code === 'INTERVAL_OVERLAP' ? 0 : 2 ** 53) + index;
}

/**
 * The first broken timeline rule among `readings`, or undefined: an overlap if there is one,
 * else a register rule, each time the one whose named entry is lowest in the log. Each meter's channels of one OBIS code are sorted by interval start (then leaf
 * index) and each adjacent pair is put to `timelineFault`: any overlap shows in an adjacent
 * pair of that order. Readings left out of the bundle, or erased, are not there: the readings
 * on either side of them are then not contiguous, so only the gap rule (energy at most the
 * register's progress) holds between them. O(n log n).
 */
export function findTimelineBreak(readings: readonly TimelineReading[]): TimelineBreak | undefined {
  const channels = new Map<string, Channel>();
  let last: Channel | undefined;
  for (const r of readings) {
    for (const c of r.channels) {
      // A meter's readings come one after another: most find the channel of the one before.
      let ch =
        last !== undefined && last.meterId === r.meterId && last.obis === c.obis ? last : undefined;
      if (ch === undefined) {
        const key = `${r.meterId}\u0000${c.obis}`;
        ch = channels.get(key);
        if (ch === undefined) {
          ch = { meterId: r.meterId, obis: c.obis, figures: [], indices: [] };
          channels.set(key, ch);
        }
      }
      ch.figures.push(c);
      ch.indices.push(r.index);
      last = ch;
    }
  }
  let first: TimelineBreak | undefined;
  for (const ch of channels.values()) {
    const { meterId, obis } = ch;
    const { figures, indices } = inTimelineOrder(ch);
    for (let i = 1; i < figures.length; i++) {
      const f = timelineFault(figures[i - 1]!, figures[i]!);
      if (f === undefined) continue;
      const previous = entry(indices[i - 1]!, figures[i - 1]!);
      const next = entry(indices[i]!, figures[i]!);
      // Sorted by start, a pair that does not overlap is in order: no INTERVAL_OUT_OF_ORDER.
      const code = f.code === 'INTERVAL_OUT_OF_ORDER' ? 'INTERVAL_OVERLAP' : f.code;
      const index = code === 'INTERVAL_OVERLAP' ? Math.max(previous.index, next.index) : next.index;
      // An overlap first (the pairs around it say nothing then), then the lowest entry named.
      if (first !== undefined && rank(first.code, first.index) <= rank(code, index)) continue;
      const other = index === next.index ? previous.index : next.index;
      first = {
        code,
        message:
          code === 'INTERVAL_OVERLAP'
            ? `meter ${meterId}: overlaps entry ${other}: ${f.message}`
            : `meter ${meterId}, after entry ${other}: ${f.message}`,
        meterId,
        obis,
        index,
        previous,
        next,
      };
    }
  }
  return first;
}

/** One meter's channel of one OBIS code: its figures and their leaf indices, in bundle order. */
interface Channel {
  readonly meterId: string;
  readonly obis: string;
  readonly figures: ChannelFigures[];
  readonly indices: number[];
}

/**
 * The channel's figures sorted by interval start, then leaf index: as they are when already so
 * (a bundle lists a meter's readings in log order, which is usually time order), else sorted.
 */
function inTimelineOrder(ch: Channel): { figures: ChannelFigures[]; indices: number[] } {
  const { figures, indices } = ch;
  const before = (a: number, b: number): boolean =>
    figures[a]!.intervalStart < figures[b]!.intervalStart ||
    (figures[a]!.intervalStart === figures[b]!.intervalStart && indices[a]! < indices[b]!);
  let sorted = true;
  for (let i = 1; i < figures.length && sorted; i++) sorted = before(i - 1, i);
  if (sorted) return { figures, indices };
  const order = figures.map((_, i) => i);
  order.sort(
    (a, b) => figures[a]!.intervalStart - figures[b]!.intervalStart || indices[a]! - indices[b]!,
  );
  return { figures: order.map((i) => figures[i]!), indices: order.map((i) => indices[i]!) };
}

/** A fault of one verified reading's own signed content (an OCMF register that decreases). */
export interface ContentFault {
  readonly index: number;
  readonly code: 'REGISTER_BACKWARDS';
  readonly message: string;
}

/**
 * Step 9 of the verifier: throws {@link BundleError} for the first content fault of a verified
 * reading (`REGISTER_BACKWARDS`, in log order), else for the first broken timeline rule
 * (`INTERVAL_OVERLAP`, `REGISTER_BACKWARDS`, `REGISTER_MISMATCH`, `ENERGY_EXCEEDS_REGISTER`)
 * with `index` the entry {@link findTimelineBreak} names and `evidence` both entries: `meter`,
 * `obis` and `entries`, the two readings' leaf indices, intervals, registers and energies in
 * timeline order.
 */
export function checkTimeline(
  readings: readonly TimelineReading[],
  faults: readonly ContentFault[],
): void {
  const own = faults[0];
  if (own !== undefined) {
    throw new BundleError(own.code, `entry ${own.index}: ${own.message}`, { index: own.index });
  }
  const b = findTimelineBreak(readings);
  if (b === undefined) return;
  throw new BundleError(b.code, `entry ${b.index}: ${b.message}`, {
    index: b.index,
    evidence: { meter: b.meterId, obis: b.obis, entries: [b.previous, b.next] },
  });
}
