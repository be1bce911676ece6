/**
 * Scope 2 location-based footprint: consumption × factor in exact decimal arithmetic.
 */
import { describe, expect, it } from 'vitest';
import { certify, parseEmissionFactor } from '../../../src/core/certify/index.ts';
import { EXPORT, HASH, HOUR, IMPORT, reading, T0, validVerdict } from './verdict-fixture.ts';

function footprint(v: ReturnType<typeof validVerdict>, factor: string) {
  const s = certify(v, { evidenceSha256: HASH, emissionFactorGPerKWh: factor }).scope2;
  if (s === null) throw new Error('no footprint');
  return s;
}

describe('when computing the location-based footprint', () => {
  it('multiplies the exact consumption by the factor, exactly, and rounds only the whole grams up', () => {
    const v = validVerdict(
      [
        // meter-a: 1500.5 Wh consumed; its production is not consumption.
        reading(1, { start: T0, end: T0 + HOUR, milliWh: 1_000_000, obis: IMPORT }),
        reading(2, { start: T0 + HOUR, end: T0 + 3 * HOUR, milliWh: 500_500, obis: IMPORT }),
        reading(3, { start: T0, end: T0 + HOUR, milliWh: 9_000_000, obis: EXPORT }),
        // meter-b: 0.001 Wh consumed.
        reading(4, { meterId: 'meter-b', start: T0, end: T0 + HOUR, milliWh: 1, obis: IMPORT }),
      ],
      { meters: ['meter-a', 'meter-b'] },
    );
    const s = footprint(v, '231.5');
    // 1500.5 Wh × 231.5 g/kWh = 347.36575 g; 0.001 Wh × 231.5 = 0.0002315 g.
    expect(s).toEqual({
      method: 'location-based',
      emissionFactorGPerKWh: '231.5',
      meters: [
        { deviceId: 'meter-a', consumptionWh: '1500.5', co2eG: '347.36575', co2eGRoundedUp: 348 },
        { deviceId: 'meter-b', consumptionWh: '0.001', co2eG: '0.0002315', co2eGRoundedUp: 1 },
      ],
      total: { consumptionWh: '1500.501', co2eG: '347.3659815', co2eGRoundedUp: 348 },
      evidenceSha256: HASH,
    });
  });

  it('has none of the binary floating point surprises (0.1 × 3 is 0.3)', () => {
    const v = validVerdict([
      reading(1, { start: T0, end: T0 + HOUR, milliWh: 1_000_000, obis: IMPORT }),
      reading(2, { start: T0 + HOUR, end: T0 + 2 * HOUR, milliWh: 1_000_000, obis: IMPORT }),
      reading(3, { start: T0 + 2 * HOUR, end: T0 + 3 * HOUR, milliWh: 1_000_000, obis: IMPORT }),
    ]);
    // 3 kWh × 0.1 g/kWh, and a factor with six decimals on 1 milli-Wh.
    expect(footprint(v, '0.1').total).toEqual({
      consumptionWh: '3000',
      co2eG: '0.3',
      co2eGRoundedUp: 1,
    });
    expect(footprint(v, '0.000001').total.co2eG).toBe('0.000003');
    expect(footprint(v, '400.000').total).toEqual({
      consumptionWh: '3000',
      co2eG: '1200',
      co2eGRoundedUp: 1200,
    });
    expect(footprint(v, '400.000').emissionFactorGPerKWh).toBe('400');
  });

  it('is absent without a factor, zero for a meter without consumption', () => {
    const v = validVerdict([reading(1, { start: T0, end: T0 + HOUR, milliWh: 5, obis: EXPORT })]);
    expect(certify(v, { evidenceSha256: HASH }).scope2).toBeNull();
    expect(footprint(v, '231').total).toEqual({
      consumptionWh: '0',
      co2eG: '0',
      co2eGRoundedUp: 0,
    });
  });

  it('refuses a factor that is not a plain non-negative decimal', () => {
    for (const bad of [
      '',
      '-1',
      '1e3',
      '.5',
      '5.',
      '1.1234567',
      '1234567890',
      ' 1',
      'NaN',
      '0x10',
    ]) {
      expect(() => parseEmissionFactor(bad), bad).toThrow(
        expect.objectContaining({ code: 'BAD_EMISSION_FACTOR' }),
      );
    }
    expect(parseEmissionFactor('231.5')).toBe(231_500_000n);
  });
});
