import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  timelineFault,
  TIMELINE_CODES,
  type ChannelFigures,
} from '../../../src/core/reading/index.ts';

const ch = (start: number, end: number, register: number, energy: number): ChannelFigures => ({
  obis: '1-0:1.8.0',
  intervalStart: start,
  intervalEnd: end,
  registerMilliWh: register,
  energyMilliWh: energy,
});

const PREV = ch(900, 1800, 10_000, 500);

describe('when a reading follows the last one of its channel', () => {
  it.each([
    [
      'directly, with register progress equal to its energy',
      ch(1800, 2700, 10_500, 500),
      undefined,
    ],
    ['after a gap, with energy below the progress', ch(3600, 4500, 11_000, 500), undefined],
    ['after a gap, with energy equal to the progress', ch(3600, 4500, 10_500, 500), undefined],
    ['directly, with zero energy and an unchanged register', ch(1800, 2700, 10_000, 0), undefined],
    ['overlapping its end', ch(1700, 2600, 10_500, 500), 'INTERVAL_OVERLAP'],
    ['over the same interval', ch(900, 1800, 10_500, 500), 'INTERVAL_OVERLAP'],
    ['inside it', ch(1000, 1100, 10_500, 500), 'INTERVAL_OVERLAP'],
    ['covering it', ch(0, 9000, 10_500, 500), 'INTERVAL_OVERLAP'],
    ['ending where it starts', ch(0, 900, 9_500, 500), 'INTERVAL_OUT_OF_ORDER'],
    ['lying wholly before it', ch(0, 450, 9_500, 500), 'INTERVAL_OUT_OF_ORDER'],
    ['with a register below it', ch(1800, 2700, 9_999, 0), 'REGISTER_BACKWARDS'],
    [
      'directly, with 1 mWh more energy than progress',
      ch(1800, 2700, 10_500, 501),
      'REGISTER_MISMATCH',
    ],
    [
      'directly, with 1 mWh less energy than progress',
      ch(1800, 2700, 10_500, 499),
      'REGISTER_MISMATCH',
    ],
    [
      'after a gap, with 1 mWh more energy than progress',
      ch(2700, 3600, 10_500, 501),
      'ENERGY_EXCEEDS_REGISTER',
    ],
  ])('%s gives %s', (_name, next, code) => {
    expect(timelineFault(PREV, next)?.code).toBe(code);
  });

  it('never lets two accepted channels of one timeline overlap or count more than the register', () => {
    // Feed random readings through the rule as the node does: keep only those it accepts.
    const arb = fc.array(
      fc.record({
        start: fc.integer({ min: 0, max: 40 }),
        length: fc.integer({ min: 1, max: 8 }),
        register: fc.integer({ min: 0, max: 60 }),
        energy: fc.integer({ min: 0, max: 20 }),
      }),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(arb, (rs) => {
        const accepted: ChannelFigures[] = [];
        for (const r of rs) {
          const next = ch(r.start, r.start + r.length, r.register, r.energy);
          const head = accepted.at(-1);
          if (head === undefined || timelineFault(head, next) === undefined) accepted.push(next);
        }
        for (let i = 1; i < accepted.length; i++) {
          const [a, b] = [accepted[i - 1]!, accepted[i]!];
          expect(b.intervalStart).toBeGreaterThanOrEqual(a.intervalEnd);
          expect(b.registerMilliWh).toBeGreaterThanOrEqual(a.registerMilliWh);
        }
        // Energy after the first reading never exceeds what the register moved.
        if (accepted.length > 1) {
          const counted = accepted.slice(1).reduce((n, c) => n + c.energyMilliWh, 0);
          const moved = accepted.at(-1)!.registerMilliWh - accepted[0]!.registerMilliWh;
          expect(counted).toBeLessThanOrEqual(moved);
        }
      }),
    );
  });

  it('names every code it can give in TIMELINE_CODES', () => {
    const seen = new Set<string>();
    for (const next of [
      ch(1700, 2600, 1, 1),
      ch(0, 450, 1, 1),
      ch(1800, 2700, 1, 0),
      ch(1800, 2700, 10_500, 1),
      ch(2700, 3600, 10_000, 1),
    ]) {
      const f = timelineFault(PREV, next);
      if (f !== undefined) seen.add(f.code);
    }
    expect([...seen].sort()).toEqual([...TIMELINE_CODES].sort());
  });
});
