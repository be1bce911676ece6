/**
 * Scope 2 location-based footprint (GHG Protocol Scope 2 Guidance, 2015: ch. 4, the
 * location-based method; ch. 6, emissions = activity data × emission factor): each meter's
 * consumption times a supplied grid-average emission factor in g CO2e/kWh, in exact decimal
 * arithmetic (milli-Wh × factor scaled by 10^6, as bigints), with no rounding except the
 * declared whole-gram figure, which is rounded up.
 */
import { safeNumber, type CheckedVerdict } from './checked-verdict.ts';
import { ceilDiv, formatScaled, parseDecimal, pow10 } from './decimal.ts';
import { CertifyError } from './errors.ts';
import { directionOf } from './granular.ts';
import type { Scope2Figures, Scope2Footprint } from './types.ts';

/** Fraction digits an emission factor may carry. */
export const FACTOR_FRACTION_DIGITS = 6;

/**
 * Parses an emission factor in g CO2e/kWh: a non-negative decimal with at most 9 integer and
 * 6 fraction digits (`"231"`, `"231.5"`). Returns it scaled by 10^6; throws
 * {@link CertifyError} `BAD_EMISSION_FACTOR`.
 */
export function parseEmissionFactor(text: string): bigint {
  const v = typeof text === 'string' ? parseDecimal(text, 9, FACTOR_FRACTION_DIGITS) : undefined;
  if (v === undefined) {
    throw new CertifyError(
      'BAD_EMISSION_FACTOR',
      `emission factor ${JSON.stringify(text)} is not a decimal g CO2e/kWh (up to 9 digits, 6 decimals)`,
    );
  }
  return v;
}

// g = Wh × f / 1000 = milliWh × (F / 10^6) / 10^6, so grams scaled by 10^12 are milliWh × F.
const GRAM_SCALE = 12;

function figures(milliWh: bigint, factor: bigint, what: string): Scope2Figures {
  const grams = milliWh * factor;
  return {
    consumptionWh: formatScaled(milliWh, 3),
    co2eG: formatScaled(grams, GRAM_SCALE),
    co2eGRoundedUp: safeNumber(ceilDiv(grams, pow10(GRAM_SCALE)), what),
  };
}

/**
 * The footprint of every meter of `v` (request order) from the consumption (1-0:1.8.0
 * channels, on the meter's one non-overlapping import timeline) of all its verified readings,
 * exactly, and the total of the exact figures. Throws
 * {@link CertifyError} `BAD_EMISSION_FACTOR`, `FIGURE_TOO_LARGE`.
 */
export function scope2Footprint(
  v: CheckedVerdict,
  emissionFactorGPerKWh: string,
  evidenceSha256: string,
): Scope2Footprint {
  const factor = parseEmissionFactor(emissionFactorGPerKWh);
  const consumption = new Map<string, bigint>(v.meters.map((m) => [m, 0n]));
  for (const r of v.readings) {
    for (const c of r.channels) {
      if (directionOf(c.obis) === 'consumption') {
        consumption.set(r.meterId, consumption.get(r.meterId)! + c.energyMilliWh);
      }
    }
  }
  let total = 0n;
  const meters = v.meters.map((m) => {
    const milli = consumption.get(m)!;
    total += milli;
    return { deviceId: m, ...figures(milli, factor, `the footprint of ${m}`) };
  });
  return {
    method: 'location-based',
    emissionFactorGPerKWh: formatScaled(factor, FACTOR_FRACTION_DIGITS),
    meters,
    total: figures(total, factor, 'the total footprint'),
    evidenceSha256,
  };
}
