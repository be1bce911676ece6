/**
 * Guarantee-of-Origin units: Directive (EU) 2018/2001 art. 19(2) sets the standard size of a
 * guarantee of origin at 1 MWh. Each meter's production over the period, in whole Wh, is
 * added to the Wh carried from the previous period; whole MWh become units and the rest is
 * carried on, so that no Wh is counted twice or lost between periods.
 */
import { rfc3339, safeNumber, type CheckedVerdict } from './checked-verdict.ts';
import { CertifyError } from './errors.ts';
import { directionOf } from './granular.ts';
import type { GuaranteeOfOriginAccount } from './types.ts';

/** One Guarantee of Origin, in Wh (Directive (EU) 2018/2001 art. 19(2)). */
export const GO_UNIT_WH = 1_000_000;

function carryIn(
  meters: readonly string[],
  given: Readonly<Record<string, number>>,
): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const [meter, wh] of Object.entries(given)) {
    if (!meters.includes(meter)) {
      throw new CertifyError(
        'BAD_CARRY_IN',
        `carry-in for ${meter}, which the bundle does not cover`,
      );
    }
    if (!Number.isSafeInteger(wh) || wh < 0 || wh >= GO_UNIT_WH) {
      throw new CertifyError(
        'BAD_CARRY_IN',
        `carry-in of ${meter} must be a whole number of Wh in [0, ${GO_UNIT_WH})`,
      );
    }
    out.set(meter, BigInt(wh));
  }
  return out;
}

/**
 * The Guarantee-of-Origin account of every meter of `v` (request order): production of every
 * verified 1-0:2.8.0 channel, on the meter's one non-overlapping export timeline (hourly
 * exclusions do not apply: a GO is not hourly), summed
 * exactly in milli-Wh and rounded down to whole Wh, plus `carryInWh[meter]` (default 0, below
 * 1 MWh); `units` whole MWh of that, `carryOutWh` the rest. Throws {@link CertifyError}
 * `BAD_CARRY_IN`, `FIGURE_TOO_LARGE`.
 */
export function guaranteesOfOrigin(
  v: CheckedVerdict,
  carryInWh: Readonly<Record<string, number>>,
  evidenceSha256: string,
): GuaranteeOfOriginAccount[] {
  const carried = carryIn(v.meters, carryInWh);
  const production = new Map<string, bigint>(v.meters.map((m) => [m, 0n]));
  for (const r of v.readings) {
    for (const c of r.channels) {
      if (directionOf(c.obis) === 'production') {
        production.set(r.meterId, production.get(r.meterId)! + c.energyMilliWh);
      }
    }
  }
  const unit = BigInt(GO_UNIT_WH);
  return v.meters.map((m) => {
    const wh = production.get(m)! / 1000n;
    const cin = carried.get(m) ?? 0n;
    const sum = wh + cin;
    return {
      deviceId: m,
      periodStart: rfc3339(v.period.from),
      periodEnd: rfc3339(v.period.to),
      productionWh: safeNumber(wh, `the production of ${m}`),
      carryInWh: Number(cin),
      unitWh: GO_UNIT_WH,
      units: safeNumber(sum / unit, `the GO units of ${m}`),
      carryOutWh: Number(sum % unit),
      evidenceSha256,
    };
  });
}
