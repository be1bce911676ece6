/**
 * Hourly granular certificate records: exact whole-Wh figures, hour boundaries, directions,
 * trust modes, and the readings left out with their reasons.
 */
import { describe, expect, it } from 'vitest';
import type { VerifiedReading } from '../../../src/core/bundle/index.ts';
import { certify } from '../../../src/core/certify/index.ts';
import { EXPORT, HASH, HOUR, IMPORT, reading, T0, validVerdict } from './verdict-fixture.ts';

const Q = 900; // a quarter hour

function records(v: Parameters<typeof certify>[0]) {
  return certify(v, { evidenceSha256: HASH });
}

describe('when summing readings into hourly records', () => {
  it('rounds each hour down to whole Wh, from the exact milli-Wh sum', () => {
    const c = records(
      validVerdict([
        // Hour 0: 3 × 333.333 Wh = 999.999 Wh → 999 (never 1000).
        reading(1, { start: T0, end: T0 + Q, milliWh: 333_333 }),
        reading(2, { start: T0 + Q, end: T0 + 2 * Q, milliWh: 333_333 }),
        reading(3, { start: T0 + 2 * Q, end: T0 + 3 * Q, milliWh: 333_333 }),
        // Hour 1: 0.999 Wh → below 1 Wh, no record.
        reading(4, { start: T0 + HOUR, end: T0 + HOUR + Q, milliWh: 999 }),
        // Hour 2: 0.5 + 0.5 Wh = exactly 1 Wh (rounding the readings first would give 0).
        reading(5, { start: T0 + 2 * HOUR, end: T0 + 2 * HOUR + Q, milliWh: 500 }),
        reading(6, { start: T0 + 2 * HOUR + Q, end: T0 + 2 * HOUR + 2 * Q, milliWh: 500 }),
      ]),
    );
    expect(c.granularCertificates).toEqual([
      {
        energyCarrier: 'electricity',
        deviceId: 'meter-a',
        direction: 'production',
        register: EXPORT,
        productionStartingInterval: '2026-01-01T00:00:00Z',
        productionEndingInterval: '2026-01-01T01:00:00Z',
        faceValue: 1,
        bundleQuantity: 999,
        trustModes: ['device'],
        entries: [1, 2, 3],
        evidenceSha256: HASH,
      },
      expect.objectContaining({
        productionStartingInterval: '2026-01-01T02:00:00Z',
        productionEndingInterval: '2026-01-01T03:00:00Z',
        bundleQuantity: 1,
        entries: [5, 6],
      }),
    ]);
    expect(c.excluded).toEqual([]);
  });

  it('puts a reading ending on the hour in that hour, one starting on it in the next, and leaves out one crossing it', () => {
    const c = records(
      validVerdict([
        reading(1, { start: T0 + 3 * Q, end: T0 + HOUR, milliWh: 100_000 }),
        reading(2, { start: T0 + HOUR, end: T0 + HOUR + Q, milliWh: 200_000 }),
        reading(3, { start: T0 + HOUR + 50 * 60, end: T0 + 2 * HOUR + 5 * 60, milliWh: 300_000 }),
        // Exactly one hour long, aligned: certified.
        reading(4, { start: T0 + 3 * HOUR, end: T0 + 4 * HOUR, milliWh: 400_000 }),
      ]),
    );
    expect(
      c.granularCertificates.map((g) => [
        g.productionStartingInterval,
        g.bundleQuantity,
        g.entries,
      ]),
    ).toEqual([
      ['2026-01-01T00:00:00Z', 100, [1]],
      ['2026-01-01T01:00:00Z', 200, [2]],
      ['2026-01-01T03:00:00Z', 400, [4]],
    ]);
    expect(c.excluded).toEqual([
      {
        entry: 3,
        deviceId: 'meter-a',
        register: EXPORT,
        reason: 'CROSSES_HOUR_BOUNDARY',
        detail:
          'interval 2026-01-01T01:50:00Z .. 2026-01-01T02:05:00Z crosses 2026-01-01T02:00:00Z',
      },
    ]);
  });

  it('leaves out readings longer than an hour, of other registers, and erased ones, saying why', () => {
    const c = records(
      validVerdict(
        [
          reading(2, { start: T0, end: T0 + HOUR + 1, milliWh: 5_000_000 }),
          reading(4, {
            start: T0 + 2 * HOUR,
            end: T0 + 2 * HOUR + Q,
            milliWh: 7_000,
            obis: '1-0:3.8.0',
          }),
          reading(5, { start: T0 + 3 * HOUR, end: T0 + 3 * HOUR + Q, milliWh: 9_000 }),
        ],
        { erased: [3] },
      ),
    );
    expect(c.granularCertificates.map((g) => g.entries)).toEqual([[5]]);
    expect(c.excluded.map((x) => [x.entry, x.deviceId, x.reason])).toEqual([
      [2, 'meter-a', 'LONGER_THAN_AN_HOUR'],
      [3, null, 'ERASED'],
      [4, 'meter-a', 'OTHER_REGISTER'],
    ]);
    expect(c.excluded[0]!.detail).toBe('interval of 3601 s is longer than one hour');
  });

  it('keeps production and consumption apart, production first, meters in request order', () => {
    const c = records(
      validVerdict(
        [
          reading(1, { meterId: 'meter-b', start: T0, end: T0 + Q, milliWh: 10_000, obis: IMPORT }),
          reading(2, { meterId: 'meter-b', start: T0 + Q, end: T0 + 2 * Q, milliWh: 20_000 }),
          reading(3, { meterId: 'meter-a', start: T0 + HOUR, end: T0 + HOUR + Q, milliWh: 30_000 }),
        ],
        { meters: ['meter-b', 'meter-a'] },
      ),
    );
    expect(
      c.granularCertificates.map((g) => [g.deviceId, g.direction, g.register, g.bundleQuantity]),
    ).toEqual([
      ['meter-b', 'production', EXPORT, 20],
      ['meter-b', 'consumption', IMPORT, 10],
      ['meter-a', 'production', EXPORT, 30],
    ]);
  });

  it('names every trust mode of the readings in an hour', () => {
    const c = records(
      validVerdict([
        reading(1, { start: T0, end: T0 + Q, milliWh: 1_000, trustMode: 'platform' }),
        reading(2, { start: T0 + Q, end: T0 + 2 * Q, milliWh: 1_000, trustMode: 'device' }),
        reading(3, { start: T0 + HOUR, end: T0 + HOUR + Q, milliWh: 1_000, trustMode: 'platform' }),
      ]),
    );
    expect(c.granularCertificates.map((g) => g.trustModes)).toEqual([
      ['device', 'platform'],
      ['platform'],
    ]);
  });
});

describe('when a reading has two register channels (an OCMF record with import and export)', () => {
  function twoChannels(index: number, start: number, end: number): VerifiedReading {
    const r = reading(index, { start, end, milliWh: 0 });
    return {
      ...r,
      channels: [
        {
          obis: IMPORT,
          intervalStart: start,
          intervalEnd: end,
          registerMilliWh: 50_000 * index,
          energyMilliWh: 3_000,
        },
        {
          obis: EXPORT,
          intervalStart: start,
          intervalEnd: end,
          registerMilliWh: 70_000 * index,
          energyMilliWh: 5_000,
        },
      ],
    };
  }

  it('counts each channel in its own direction, both naming the entry', () => {
    const c = records(validVerdict([twoChannels(1, T0, T0 + Q)]));
    expect(
      c.granularCertificates.map((g) => [g.direction, g.register, g.bundleQuantity, g.entries]),
    ).toEqual([
      ['production', EXPORT, 5, [1]],
      ['consumption', IMPORT, 3, [1]],
    ]);
  });

  it('leaves out each channel that crosses the hour, naming its register', () => {
    const c = records(validVerdict([twoChannels(1, T0 + 3 * Q, T0 + HOUR + 60)]));
    expect(c.granularCertificates).toEqual([]);
    expect(c.excluded.map((x) => [x.entry, x.register, x.reason])).toEqual([
      [1, IMPORT, 'CROSSES_HOUR_BOUNDARY'],
      [1, EXPORT, 'CROSSES_HOUR_BOUNDARY'],
    ]);
  });
});

describe('when the period reaches the last time a bundle can name', () => {
  it('writes times after year 9999 in the ISO 8601 expanded form', () => {
    const c = records(
      validVerdict([reading(1, { start: T0, end: T0 + Q, milliWh: 2_000 })], {
        to: Number.MAX_SAFE_INTEGER,
      }),
    );
    expect(c.period).toEqual({ start: '2026-01-01T00:00:00Z', end: '+285428751-11-12T07:36:31Z' });
    expect(c.guaranteesOfOrigin[0]!.periodEnd).toBe('+285428751-11-12T07:36:31Z');
    const late = Number.MAX_SAFE_INTEGER - 1000;
    const d = records(
      validVerdict([reading(1, { start: late, end: late + 10, milliWh: 2_000 })], {
        from: 0,
        to: Number.MAX_SAFE_INTEGER,
      }),
    );
    expect(
      d.granularCertificates.map((g) => [g.productionStartingInterval, g.productionEndingInterval]),
    ).toEqual([['+285428751-11-12T07:00:00Z', '+285428751-11-12T08:00:00Z']]);
  });
});
