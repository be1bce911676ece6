/**
 * Guarantee-of-Origin units: whole MWh of production per meter, the rest carried from one
 * period into the next.
 */
import { describe, expect, it } from 'vitest';
import { certify } from '../../../src/core/certify/index.ts';
import { HASH, HOUR, IMPORT, reading, T0, validVerdict } from './verdict-fixture.ts';

const DAY = 24 * HOUR;

describe('when counting Guarantee-of-Origin units', () => {
  it('carries the remainder of one period into the next, losing and doubling no Wh', () => {
    // Day 1: 1 700 000.999 Wh, of which 1 000 000.5 Wh in one reading longer than an hour.
    const day1 = validVerdict([
      reading(1, { start: T0, end: T0 + 2 * HOUR, milliWh: 1_000_000_500 }),
      reading(2, { start: T0 + 2 * HOUR, end: T0 + 3 * HOUR, milliWh: 700_000_499 }),
      reading(3, { start: T0 + 3 * HOUR, end: T0 + 4 * HOUR, milliWh: 9_000, obis: IMPORT }),
    ]);
    const first = certify(day1, { evidenceSha256: HASH }).guaranteesOfOrigin;
    expect(first).toEqual([
      {
        deviceId: 'meter-a',
        periodStart: '2026-01-01T00:00:00Z',
        periodEnd: '2026-01-02T00:00:00Z',
        productionWh: 1_700_000,
        carryInWh: 0,
        unitWh: 1_000_000,
        units: 1,
        carryOutWh: 700_000,
        evidenceSha256: HASH,
      },
    ]);
    // Day 2: 400 000 Wh + 700 000 carried = 1 100 000 → 1 unit, 100 000 carried.
    const day2 = validVerdict(
      [reading(4, { start: T0 + DAY, end: T0 + DAY + HOUR, milliWh: 400_000_000 })],
      { from: T0 + DAY, to: T0 + 2 * DAY },
    );
    const second = certify(day2, {
      evidenceSha256: HASH,
      carryInWh: { 'meter-a': first[0]!.carryOutWh },
    }).guaranteesOfOrigin[0]!;
    expect([second.productionWh, second.carryInWh, second.units, second.carryOutWh]).toEqual([
      400_000, 700_000, 1, 100_000,
    ]);
  });

  it('gives every meter an account, carrying through a meter without production', () => {
    const v = validVerdict(
      [reading(1, { meterId: 'meter-b', start: T0, end: T0 + HOUR, milliWh: 3_000_000_000 })],
      { meters: ['meter-a', 'meter-b'] },
    );
    const go = certify(v, {
      evidenceSha256: HASH,
      carryInWh: { 'meter-a': 999_999 },
    }).guaranteesOfOrigin;
    expect(go.map((g) => [g.deviceId, g.productionWh, g.units, g.carryOutWh])).toEqual([
      ['meter-a', 0, 0, 999_999],
      ['meter-b', 3_000_000, 3, 0],
    ]);
  });

  it('refuses a carry-in of a whole unit or more, a fraction, or for a meter not in the bundle', () => {
    const v = validVerdict([]);
    const cases: Record<string, number>[] = [
      { 'meter-a': 1_000_000 },
      { 'meter-a': -1 },
      { 'meter-a': 0.5 },
      { 'meter-a': Number.NaN },
      { 'meter-z': 1 },
      { constructor: 1 },
    ];
    for (const carryInWh of cases) {
      expect(() => certify(v, { evidenceSha256: HASH, carryInWh })).toThrow(
        expect.objectContaining({ code: 'BAD_CARRY_IN' }),
      );
    }
  });
});
