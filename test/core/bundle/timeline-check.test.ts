/**
 * The bundle's timeline check on its own: any overlap of one meter and channel is found (checked
 * against the naive all-pairs definition), the entry named is the later one in the log, register
 * rules apply between neighbours only, and channels and meters are kept apart. Pure core.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BundleError,
  checkTimeline,
  findTimelineBreak,
  type TimelineReading,
} from '../../../src/core/bundle/index.ts';

const IMPORT = '1-0:1.8.0';
const EXPORT = '1-0:2.8.0';

function r(
  index: number,
  start: number,
  end: number,
  registerMilliWh: number,
  energyMilliWh: number,
  over: { meterId?: string; obis?: string } = {},
): TimelineReading {
  return {
    index,
    meterId: over.meterId ?? 'meter-a',
    channels: [
      {
        obis: over.obis ?? IMPORT,
        intervalStart: start,
        intervalEnd: end,
        registerMilliWh,
        energyMilliWh,
      },
    ],
  };
}

describe('when the readings of a channel follow each other', () => {
  it('accepts contiguous readings whose registers move by their energies, and gaps', () => {
    expect(
      findTimelineBreak([
        r(1, 0, 900, 1500, 500),
        r(2, 900, 1800, 2000, 500),
        r(4, 2700, 3600, 3000, 500),
      ]),
    ).toBeUndefined();
    // An erased or left-out reading in the gap: the energy may be below the register's progress.
    expect(findTimelineBreak([r(1, 0, 900, 1500, 500), r(3, 1800, 2700, 2500, 0)])).toBeUndefined();
  });

  it('refuses each register rule with the entry that breaks it', () => {
    const cases: [TimelineReading[], string, number][] = [
      [[r(1, 0, 900, 1500, 500), r(2, 900, 1800, 2001, 500)], 'REGISTER_MISMATCH', 2],
      [[r(1, 0, 900, 1500, 500), r(2, 1800, 2700, 1900, 500)], 'ENERGY_EXCEEDS_REGISTER', 2],
      [[r(1, 0, 900, 1500, 500), r(2, 1800, 2700, 1499, 0)], 'REGISTER_BACKWARDS', 2],
      // Log order does not matter: the rules follow the intervals.
      [[r(1, 900, 1800, 2001, 500), r(2, 0, 900, 1500, 500)], 'REGISTER_MISMATCH', 1],
    ];
    for (const [readings, code, index] of cases) {
      expect(findTimelineBreak(readings)).toMatchObject({ code, index });
    }
  });

  it('keeps channels and meters apart', () => {
    expect(
      findTimelineBreak([
        r(1, 0, 900, 1500, 500),
        r(2, 0, 900, 9000, 100, { obis: EXPORT }),
        r(3, 0, 900, 7, 7, { meterId: 'meter-b' }),
      ]),
    ).toBeUndefined();
  });
});

describe('when two readings of a channel overlap', () => {
  it('names the later of the two in the log, with both entries in timeline order', () => {
    const b = findTimelineBreak([r(5, 900, 1800, 2000, 500), r(9, 0, 1200, 2500, 500)]);
    expect(b).toMatchObject({
      code: 'INTERVAL_OVERLAP',
      index: 9,
      meterId: 'meter-a',
      obis: IMPORT,
      previous: { index: 9, intervalStart: 0, intervalEnd: 1200 },
      next: { index: 5, intervalStart: 900, intervalEnd: 1800 },
    });
  });

  it('reports an overlap before a register fault named lower in the log', () => {
    const b = findTimelineBreak([
      r(1, 0, 900, 1500, 500),
      r(2, 900, 1800, 9999, 500), // register mismatch with 1
      r(3, 0, 900, 1500, 500), // overlaps 1
    ]);
    expect(b).toMatchObject({ code: 'INTERVAL_OVERLAP', index: 3 });
  });

  it('finds an overlap exactly when two intervals overlap (naive all-pairs check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 20 })), {
          maxLength: 12,
        }),
        (spans) => {
          // Registers that never break the other rules: far apart, in start order.
          const readings = spans.map(([start, length], i) =>
            r(i, start, start + length, 1_000_000 + start * 1000, 0),
          );
          let naive = false;
          for (let i = 0; i < spans.length; i++) {
            for (let j = i + 1; j < spans.length; j++) {
              const [a, la] = spans[i]!;
              const [b, lb] = spans[j]!;
              if (a < b + lb && b < a + la) naive = true;
            }
          }
          const found = findTimelineBreak(readings);
          expect(found?.code === 'INTERVAL_OVERLAP').toBe(naive);
          if (found !== undefined && naive) {
            const { previous: p, next: n } = found;
            expect(p.intervalStart < n.intervalEnd && n.intervalStart < p.intervalEnd).toBe(true);
            expect(found.index).toBe(Math.max(p.index, n.index));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('when the verifier checks the timeline', () => {
  it('throws a BundleError with both entries as evidence, after any content fault', () => {
    const overlapping = [r(1, 0, 900, 1500, 500), r(2, 0, 900, 1500, 500)];
    const codeOf = (f: () => void): unknown => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(BundleError);
        const err = e as BundleError;
        return [err.code, err.index, (err.evidence?.entries as unknown[] | undefined)?.length];
      }
      return 'passed';
    };
    expect(codeOf(() => checkTimeline(overlapping, []))).toEqual(['INTERVAL_OVERLAP', 2, 2]);
    expect(
      codeOf(() =>
        checkTimeline(overlapping, [{ index: 7, code: 'REGISTER_BACKWARDS', message: 'x' }]),
      ),
    ).toEqual(['REGISTER_BACKWARDS', 7, undefined]);
    expect(codeOf(() => checkTimeline([overlapping[0]!], []))).toBe('passed');
  });
});
