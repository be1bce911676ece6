/**
 * Household consumption: a standing base load, a morning peak around 07:15 and a larger evening
 * peak around 19:00 local solar time (Gaussian bumps), and appliances switching on and off every
 * few minutes.
 */
import { hashText, sequence, uniform } from './noise.ts';
import { integrateWh, localHour, type Profile, type Site } from './profile.ts';

/** Registered capacity of a household connection, W (a 3 × 25 A supply rounds to this). */
export const HOUSEHOLD_CAPACITY_W = 15_000;
/** Largest appliance noise, W. */
export const APPLIANCE_MAX_W = 300;

/** Widths (standard deviations) of the morning and evening peaks, hours. */
export const MORNING_SIGMA_H = 0.8;
export const EVENING_SIGMA_H = 1.2;

/** Options of a household profile. */
export interface HouseholdOptions {
  readonly seed: number;
  readonly meterId: string;
  readonly site: Site;
}

/** The household's fixed traits, drawn once from the seed and the meter id. */
export interface HouseholdTraits {
  /** W, 80–200. */
  readonly baseW: number;
  /** Peak height, W: morning 400–1,200, evening 800–2,000. */
  readonly morningW: number;
  readonly eveningW: number;
}

/** Draws the traits of a household. */
export function householdTraits(seed: number, meterId: string): HouseholdTraits {
  const next = sequence(seed ^ hashText(`household:${meterId}`));
  return {
    baseW: 80 + 120 * next(),
    morningW: 400 + 800 * next(),
    eveningW: 800 + 1200 * next(),
  };
}

function bump(h: number, centre: number, sigma: number): number {
  let d = Math.abs(h - centre);
  if (d > 12) d = 24 - d;
  return Math.exp(-(d * d) / (2 * sigma * sigma));
}

/** Power drawn at `t`, W. */
export function householdPowerW(
  t: number,
  traits: HouseholdTraits,
  site: Site,
  seed: number,
  stream: number,
): number {
  const h = localHour(t, site.longitude);
  const appliances = APPLIANCE_MAX_W * uniform(seed, stream, Math.floor(t / 300));
  return (
    traits.baseW +
    traits.morningW * bump(h, 7.25, MORNING_SIGMA_H) +
    traits.eveningW * bump(h, 19, EVENING_SIGMA_H) +
    appliances
  );
}

/** A household's import profile. */
export function householdProfile(o: HouseholdOptions): Profile {
  const traits = householdTraits(o.seed, o.meterId);
  const stream = hashText(`appliances:${o.meterId}`);
  return {
    kind: 'household',
    direction: 'import',
    ratedCapacityW: HOUSEHOLD_CAPACITY_W,
    energyWh: (start, end) =>
      Math.round(
        integrateWh(start, end, 60, (t) => householdPowerW(t, traits, o.site, o.seed, stream)),
      ),
  };
}
