/**
 * The profiles produce physically sensible energy: PV never negative and zero at night, daily
 * totals within the clear-sky bound of the configured capacity, wind never above its rating,
 * households with their peaks, EV sessions that add up; all reproducible from the seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  APPLIANCE_MAX_W,
  EVENING_SIGMA_H,
  MORNING_SIGMA_H,
  MAX_CLOUD_LOSS,
  PERFORMANCE_RATIO,
  RATED_SPEED,
  CUT_IN,
  CUT_OUT,
  clearSkyW,
  evProfile,
  householdPowerW,
  householdProfile,
  householdTraits,
  integrateWh,
  sessionsOfDay,
  sinSolarElevation,
  solarProfile,
  turbinePowerW,
  windProfile,
  type Site,
} from '../../simulator/profiles/index.ts';

const FRANKFURT: Site = { latitude: 50.11, longitude: 8.68 };
const DAY = 86_400;
const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`) / 1000;

/** Interval energies of one UTC day, 15-minute intervals. */
function dayOf(energyWh: (s: number, e: number) => number, d: number, step = 900): number[] {
  const out: number[] = [];
  for (let t = d; t < d + DAY; t += step) out.push(energyWh(t, t + step));
  return out;
}
const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** Any day from 2020 to 2030. */
const anyDay = fc
  .integer({ min: day('2020-01-01') / DAY, max: day('2030-12-31') / DAY })
  .map((n) => n * DAY);

describe('when a PV plant generates', () => {
  it('never gives negative energy and gives none while the sun is below the horizon', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        anyDay,
        fc.boolean(),
        fc.double({ min: -60, max: 60, noNaN: true }),
        (seed, d, tracking, latitude) => {
          const site = { latitude, longitude: 8.68 };
          const p = solarProfile({ seed, meterId: 'pv-1', peakW: 10_000, site, tracking });
          for (let t = d; t < d + DAY; t += 900) {
            const e = p.energyWh(t, t + 900);
            expect(e).toBeGreaterThanOrEqual(0);
            expect(Number.isInteger(e)).toBe(true);
            let sunUp = false;
            for (let u = t; u <= t + 900; u += 30) if (sinSolarElevation(u, site) > 0) sunUp = true;
            if (!sunUp) expect(e).toBe(0);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('stays between the cloud floor and the clear sky, which stays below rated power over the daylight hours', () => {
    fc.assert(
      fc.property(fc.nat(), anyDay, fc.boolean(), (seed, d, tracking) => {
        const peakW = 8_000;
        const o = { peakW, site: FRANKFURT, tracking };
        const total = sum(dayOf(solarProfile({ seed, meterId: 'pv-2', ...o }).energyWh, d));
        const clear = integrateWh(d, d + DAY, 60, (t) => clearSkyW(t, o));
        const daylightH = integrateWh(d, d + DAY, 60, (t) =>
          sinSolarElevation(t, FRANKFURT) > 0 ? 1 : 0,
        );
        expect(clear).toBeLessThanOrEqual(PERFORMANCE_RATIO * peakW * daylightH);
        // Whole-Wh rounding of 96 intervals moves the total by at most 48 Wh.
        expect(total).toBeLessThanOrEqual(clear + 48);
        expect(total).toBeGreaterThanOrEqual((1 - MAX_CLOUD_LOSS) * clear - 48);
      }),
      { numRuns: 40 },
    );
  });

  it('gives seasonal clear-sky yields of a plant at 50° N: 5–7.5 kWh/kWp at midsummer, under 1.5 at midwinter', () => {
    const kwhPerKwp = (d: number, tracking: boolean): number =>
      integrateWh(d, d + DAY, 60, (t) => clearSkyW(t, { peakW: 1000, site: FRANKFURT, tracking })) /
      1000;
    expect(kwhPerKwp(day('2026-06-21'), false)).toBeGreaterThan(5);
    expect(kwhPerKwp(day('2026-06-21'), false)).toBeLessThan(7.5);
    expect(kwhPerKwp(day('2026-12-21'), false)).toBeLessThan(1.5);
    // A tracking plant yields more than a fixed one on the same day.
    expect(kwhPerKwp(day('2026-03-20'), true)).toBeGreaterThan(kwhPerKwp(day('2026-03-20'), false));
    // Midsummer days are longer than midwinter days.
    const daylight = (d: number): number =>
      integrateWh(d, d + DAY, 60, (t) => (sinSolarElevation(t, FRANKFURT) > 0 ? 1 : 0));
    expect(daylight(day('2026-06-21'))).toBeGreaterThan(15.5);
    expect(daylight(day('2026-12-21'))).toBeLessThan(8.5);
  });
});

describe('when a wind turbine generates', () => {
  it('follows the power curve: nothing below cut-in or past cut-out, never above the rating', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 60, noNaN: true }), (v) => {
        const p = turbinePowerW(v, 3_000_000);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(3_000_000);
        if (v < CUT_IN || v > CUT_OUT) expect(p).toBe(0);
        if (v >= RATED_SPEED && v <= CUT_OUT) expect(p).toBe(3_000_000);
      }),
    );
  });

  it('never yields more in an interval than its rating allows, and some days more than others', () => {
    const totals = new Set<number>();
    fc.assert(
      fc.property(fc.nat(), anyDay, (seed, d) => {
        const ratedW = 2_500_000;
        const energies = dayOf(windProfile({ seed, meterId: 'wind-1', ratedW }).energyWh, d);
        for (const e of energies) {
          expect(e).toBeGreaterThanOrEqual(0);
          expect(e).toBeLessThanOrEqual((ratedW * 900) / 3600);
        }
        totals.add(sum(energies));
      }),
      { numRuns: 30 },
    );
    expect(totals.size).toBeGreaterThan(20);
  });
});

describe('when a household consumes', () => {
  it('uses between its base load and its peaks plus appliances each day: 2 to 25 kWh', () => {
    fc.assert(
      fc.property(fc.nat(), anyDay, (seed, d) => {
        const tr = householdTraits(seed, 'home-1');
        const total = sum(
          dayOf(householdProfile({ seed, meterId: 'home-1', site: FRANKFURT }).energyWh, d),
        );
        const peaks =
          Math.sqrt(2 * Math.PI) * (tr.morningW * MORNING_SIGMA_H + tr.eveningW * EVENING_SIGMA_H);
        expect(total).toBeGreaterThanOrEqual(24 * tr.baseW - 48);
        expect(total).toBeLessThanOrEqual(24 * (tr.baseW + APPLIANCE_MAX_W) + peaks + 48);
        expect(total).toBeGreaterThan(2_000);
        expect(total).toBeLessThan(25_000);
      }),
      { numRuns: 30 },
    );
  });

  it('draws more at the morning and evening peaks than in the night', () => {
    const tr = householdTraits(3, 'home-2');
    const site = { latitude: 50, longitude: 0 };
    const mean = (hour: number): number =>
      integrateWh(
        day('2026-05-05') + hour * 3600,
        day('2026-05-05') + hour * 3600 + 1800,
        60,
        (t) => householdPowerW(t, tr, site, 3, 99),
      ) * 2;
    expect(mean(7)).toBeGreaterThan(mean(3) + 0.5 * tr.morningW);
    expect(mean(18.75)).toBeGreaterThan(mean(3) + 0.5 * tr.eveningW);
  });
});

describe('when an EV charger charges', () => {
  it('holds sessions inside their local day, one after the other, at the charger power', () => {
    fc.assert(
      fc.property(fc.nat(), anyDay, (seed, d) => {
        const o = { seed, meterId: 'ev-1', site: FRANKFURT, powerW: 11_000 };
        const n = d / DAY;
        const sessions = sessionsOfDay(n, o);
        expect(sessions.length).toBeLessThanOrEqual(2);
        const midnight = n * DAY - Math.round((FRANKFURT.longitude / 15) * 3600);
        let free = midnight;
        for (const s of sessions) {
          expect(s.start).toBeGreaterThanOrEqual(free);
          expect(s.end).toBeGreaterThan(s.start);
          expect(s.end).toBeLessThan(midnight + DAY);
          free = s.end;
        }
        const total = sum(dayOf(evProfile(o).energyWh, midnight, 900));
        const expected = sum(sessions.map((s) => (11_000 * (s.end - s.start)) / 3600));
        expect(Math.abs(total - expected)).toBeLessThanOrEqual(48);
        expect(total).toBeLessThanOrEqual(55_000 + 48);
      }),
      { numRuns: 50 },
    );
  });
});

describe('when a profile is built twice from the same seed', () => {
  it('gives the same energy; another seed gives other energy', () => {
    const d = day('2026-07-01');
    const pv = (seed: number): number[] =>
      dayOf(
        solarProfile({ seed, meterId: 'pv-9', peakW: 5000, site: FRANKFURT, tracking: false })
          .energyWh,
        d,
      );
    const wind = (seed: number): number[] =>
      dayOf(windProfile({ seed, meterId: 'w-9', ratedW: 2e6 }).energyWh, d);
    expect(pv(11)).toEqual(pv(11));
    expect(wind(11)).toEqual(wind(11));
    expect(pv(11)).not.toEqual(pv(12));
    expect(wind(11)).not.toEqual(wind(12));
  });
});
