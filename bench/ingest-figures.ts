/**
 * The ingest benchmark's derived figures, as pure functions of what a run measured: the
 * latency run's rate, how steady a per-second series is, the log's growth per second and the
 * RSS slope. No I/O, so each can be checked without a broker or a node.
 */
import type { Figure } from './lib.ts';

/** The latency run's share of the sustained rate (the "at 80 % of sustained"). */
export const LATENCY_SHARE = 0.8;

/**
 * The latency run's rate: {@link LATENCY_SHARE} of `sustained`, rounded down to a multiple of
 * 100 and at least 100 (a rate of 0 would mean "as fast as possible"); at most `cap` when
 * given (`--quick` keeps its run small).
 */
export function latencyRateFor(sustained: number, cap?: number): number {
  const share = Number.isFinite(sustained)
    ? Math.max(100, Math.floor((sustained * LATENCY_SHARE) / 100) * 100)
    : 100;
  return cap === undefined ? share : Math.min(cap, share);
}

/** The median of `values` (the mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The steady seconds of a per-second series whose entry `i` counts second `i` to `i + 1` of a
 * run: without the first `warmupSeconds` and without every second that ended after publishing
 * stopped at `publishSeconds` (the drain).
 */
export function steadySeconds(
  perSecond: readonly number[],
  publishSeconds: number,
  warmupSeconds = 5,
): number[] {
  const end = Math.min(perSecond.length, Math.floor(publishSeconds));
  return end > warmupSeconds ? perSecond.slice(warmupSeconds, end) : [];
}

/** How steady a per-second rate was (the issue: no second below half the run's median). */
export interface Steadiness {
  /** Seconds counted. */
  readonly seconds: number;
  readonly median: number;
  /** The lowest second, and it divided by the median. */
  readonly lowest: number;
  readonly lowestToMedian: number;
  /** Seconds below `floor` × the median. */
  readonly below: number;
}

/** The {@link Steadiness} of `series` (per-second rates), counting seconds below `floor` × median. */
export function steadiness(series: readonly number[], floor = 0.5): Steadiness {
  const m = median(series);
  const lowest = series.length === 0 ? Number.NaN : Math.min(...series);
  return {
    seconds: series.length,
    median: m,
    lowest,
    lowestToMedian: lowest / m,
    below: series.filter((v) => v < floor * m).length,
  };
}

/** One sample of the log's size, at `t` ms (`performance.now()`). */
export interface SizeSample {
  readonly t: number;
  readonly size: number;
}

/**
 * The log's growth per second between consecutive samples whose times, counted from the first
 * sample, lie in `[fromMs, toMs]`: one rate per interval, each over its own length (a sampler
 * that waits 1 s after each request samples a little less often than once a second).
 */
export function growthPerSecond(
  samples: readonly SizeSample[],
  fromMs: number,
  toMs: number,
): number[] {
  if (samples.length === 0) return [];
  const t0 = samples[0]!.t;
  const inWindow = samples.filter((s) => s.t - t0 >= fromMs && s.t - t0 <= toMs);
  const rates: number[] = [];
  for (let i = 1; i < inWindow.length; i++) {
    const a = inWindow[i - 1]!;
    const b = inWindow[i]!;
    if (b.t > a.t) rates.push(((b.size - a.size) / (b.t - a.t)) * 1000);
  }
  return rates;
}

/** One sample of a value (e.g. RSS in MiB) at `t` ms. */
export interface TimedSample {
  readonly t: number;
  readonly value: number;
}

/**
 * The least-squares slope of `value` over time, per minute (`t` in ms); NaN with fewer than two
 * distinct times.
 */
export function slopePerMinute(samples: readonly TimedSample[]): number {
  const n = samples.length;
  if (n < 2) return Number.NaN;
  const mt = samples.reduce((a, s) => a + s.t, 0) / n;
  const mv = samples.reduce((a, s) => a + s.value, 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.t - mt) * (s.value - mv);
    den += (s.t - mt) ** 2;
  }
  return den === 0 ? Number.NaN : (num / den) * 60_000;
}

/**
 * The steadiness figures of a per-second series: its median, its lowest second, the lowest
 * divided by the median, and the seconds below half the median (the goal: none).
 */
export function steadinessFigures(
  label: string,
  unit: string,
  series: readonly number[],
): Figure[] {
  const s = steadiness(series);
  return [
    { name: `${label}: median`, value: s.median, unit, note: `${s.seconds} s counted` },
    { name: `${label}: lowest second`, value: s.lowest, unit },
    { name: `${label}: lowest ÷ median`, value: s.lowestToMedian, unit: '×' },
    {
      name: `${label}: seconds below 50% of the median`,
      value: s.below,
      unit: `of ${s.seconds} s`,
      note: 'goal: none',
    },
  ];
}
