/**
 * Wind generation: a gusty wind speed (a day-scale mean, hour-scale swings, minute gusts) through
 * a turbine power curve — cut-in 3 m/s, rated power from 12 m/s, cut-out above 25 m/s — so the
 * output never exceeds the rated power.
 */
import { hashText, uniform, valueNoise } from './noise.ts';
import { integrateWh, type Profile } from './profile.ts';

/** Power curve speeds, m/s. */
export const CUT_IN = 3;
export const RATED_SPEED = 12;
export const CUT_OUT = 25;

/** Options of a wind profile. */
export interface WindOptions {
  readonly seed: number;
  readonly meterId: string;
  /** Rated power, W. */
  readonly ratedW: number;
}

/** Turbine output at wind speed `v` (m/s), W: cubic from cut-in to rated speed, zero past cut-out. */
export function turbinePowerW(v: number, ratedW: number): number {
  if (v < CUT_IN || v > CUT_OUT) return 0;
  if (v >= RATED_SPEED) return ratedW;
  return ratedW * Math.pow((v - CUT_IN) / (RATED_SPEED - CUT_IN), 3);
}

/** Wind speed at hub height at `t`, m/s: 1.5–26.25, now and then past cut-out in a storm. */
export function windSpeed(t: number, seed: number, stream: number): number {
  const mean = 4 + 10 * valueNoise(seed, stream, t, 86_400);
  const swing = 0.5 + valueNoise(seed, stream + 1, t, 3 * 3600);
  const gust = 0.75 + 0.5 * uniform(seed, stream + 2, Math.floor(t / 60));
  return mean * swing * gust;
}

/** A wind turbine's export profile. */
export function windProfile(o: WindOptions): Profile {
  const stream = hashText(`wind:${o.meterId}`);
  return {
    kind: 'wind',
    direction: 'export',
    ratedCapacityW: o.ratedW,
    energyWh: (start, end) =>
      Math.round(
        integrateWh(start, end, 60, (t) => turbinePowerW(windSpeed(t, o.seed, stream), o.ratedW)),
      ),
  };
}
