/**
 * The ingest benchmark's derived figures (bench/ingest-figures.ts), on made-up series whose
 * answers are worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import {
  growthPerSecond,
  latencyRateFor,
  median,
  slopePerMinute,
  steadiness,
  steadinessFigures,
  steadySeconds,
} from '../../bench/ingest-figures.ts';

describe('when the latency run picks its rate', () => {
  it('takes 80% of the sustained rate, rounded down to 100', () => {
    expect(latencyRateFor(9003)).toBe(7200);
    expect(latencyRateFor(12_499)).toBe(9900);
    expect(latencyRateFor(10_000)).toBe(8000);
  });

  it('never goes below 100 (0 would mean as fast as possible)', () => {
    expect(latencyRateFor(90)).toBe(100);
    expect(latencyRateFor(Number.NaN)).toBe(100);
  });

  it('stays at most the cap when one is given (--quick)', () => {
    expect(latencyRateFor(9003, 2000)).toBe(2000);
    expect(latencyRateFor(1000, 2000)).toBe(800);
  });
});

describe('when a per-second series is cut to its steady seconds', () => {
  const series = [1, 2, 3, 4, 5, 60, 70, 80, 90, 100, 110, 5, 0];

  it('drops the first 5 s and the seconds that ended after publishing stopped', () => {
    // Publishing stopped at 11.4 s: second 10–11 is the last whole one.
    expect(steadySeconds(series, 11.4)).toEqual([60, 70, 80, 90, 100, 110]);
    expect(steadySeconds(series, 11.4, 7)).toEqual([80, 90, 100, 110]);
  });

  it('is empty when publishing ended within the warm-up', () => {
    expect(steadySeconds(series, 4.9)).toEqual([]);
    expect(steadySeconds(series, 5)).toEqual([]);
  });

  it('never reaches past the series', () => {
    expect(steadySeconds([1, 1, 1, 1, 1, 9, 9], 60)).toEqual([9, 9]);
  });
});

describe('when a steady series is summed up', () => {
  it('finds the median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('gives the lowest second, its ratio to the median and the seconds below half of it', () => {
    const s = steadiness([1000, 1100, 900, 400, 1000, 499, 1200]);
    expect(s).toEqual({ seconds: 7, median: 1000, lowest: 400, lowestToMedian: 0.4, below: 2 });
  });

  it('counts none below half when the lowest is exactly half the median', () => {
    expect(steadiness([500, 1000, 1000]).below).toBe(0);
  });

  it('prints four figures: median, lowest, lowest ÷ median, seconds below half', () => {
    const f = steadinessFigures('receipts/s', 'receipts/s', [100, 40, 100]);
    expect(f.map((x) => [x.name, x.value, x.unit])).toEqual([
      ['receipts/s: median', 100, 'receipts/s'],
      ['receipts/s: lowest second', 40, 'receipts/s'],
      ['receipts/s: lowest ÷ median', 0.4, '×'],
      ['receipts/s: seconds below 50% of the median', 1, 'of 3 s'],
    ]);
  });
});

describe('when the log size samples give a growth per second', () => {
  it('gives one rate per interval in the window, each over its own length', () => {
    const samples = [
      { t: 1000, size: 0 }, // 0 ms: before the window
      { t: 6000, size: 500 }, // 5000 ms
      { t: 7250, size: 1750 }, // 1.25 s later: 1000/s
      { t: 8250, size: 1750 }, // nothing committed that second
      { t: 9250, size: 3750 }, // 2000/s
      { t: 20_000, size: 9999 }, // after publishing
    ];
    expect(growthPerSecond(samples, 5000, 8250)).toEqual([1000, 0, 2000]);
  });

  it('is empty with fewer than two samples in the window', () => {
    expect(growthPerSecond([], 0, 1000)).toEqual([]);
    expect(growthPerSecond([{ t: 0, size: 0 }], 0, 1000)).toEqual([]);
  });
});

describe('when the RSS slope is fitted', () => {
  it('gives the least-squares slope in MiB per minute', () => {
    // 0.5 MiB every 5 s = 6 MiB/min, plus ±0.1 MiB alternating. By hand, per sample:
    // Σ(i − 2.5)² = 17.5 and Σ(i − 2.5)·noise = 0.1 · (−2.5 + 1.5 − 0.5 − 0.5 + 1.5 − 2.5) = −0.3,
    // so the slope is 0.5 − 0.3 / 17.5 MiB per 5 s, 12 times that per minute (5.794…).
    const samples = [0, 1, 2, 3, 4, 5].map((i) => ({
      t: 100_000 + i * 5000,
      value: 400 + i * 0.5 + (i % 2 === 0 ? 0.1 : -0.1),
    }));
    expect(slopePerMinute(samples)).toBeCloseTo((0.5 - 0.3 / 17.5) * 12, 9);
    const flat = [0, 1, 2, 3].map((i) => ({ t: i * 5000, value: 512 }));
    expect(slopePerMinute(flat)).toBe(0);
  });

  it('is NaN with fewer than two distinct times', () => {
    expect(slopePerMinute([{ t: 0, value: 1 }])).toBeNaN();
    expect(
      slopePerMinute([
        { t: 5, value: 1 },
        { t: 5, value: 2 },
      ]),
    ).toBeNaN();
  });
});
