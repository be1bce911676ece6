/**
 * What every meter profile offers: the energy a meter measures over an interval, as a pure
 * function of the seed, the meter and the time (Unix seconds, UTC).
 */

/** The kinds of meters the simulator knows. */
export const PROFILE_KINDS = ['pv-rooftop', 'pv-utility', 'wind', 'household', 'ev'] as const;

/** One of {@link PROFILE_KINDS}. */
export type ProfileKind = (typeof PROFILE_KINDS)[number];

/** True when `s` is a {@link ProfileKind}. */
export function isProfileKind(s: unknown): s is ProfileKind {
  return typeof s === 'string' && (PROFILE_KINDS as readonly string[]).includes(s);
}

/** Where a meter stands: latitude and longitude in degrees (north and east positive). */
export interface Site {
  readonly latitude: number;
  readonly longitude: number;
}

/** A meter's energy over time. */
export interface Profile {
  readonly kind: ProfileKind;
  /** Whether the meter measures export (generation, OBIS 1-0:2.8.0) or import (1-0:1.8.0). */
  readonly direction: 'import' | 'export';
  /** The capacity to register, W: never exceeded by the profile's power. */
  readonly ratedCapacityW: number;
  /** Energy measured over `[start, end)`, whole Wh, never negative. */
  energyWh(start: number, end: number): number;
}

/** Mean of `power(t)` over `[start, end)` times the duration: Wh, by the midpoint rule. */
export function integrateWh(
  start: number,
  end: number,
  step: number,
  power: (t: number) => number,
): number {
  const n = Math.max(1, Math.ceil((end - start) / step));
  const dt = (end - start) / n;
  let wh = 0;
  for (let i = 0; i < n; i++) wh += (Math.max(0, power(start + (i + 0.5) * dt)) * dt) / 3600;
  return wh;
}

/** Hours since local midnight by solar time at `longitude` (15° per hour). */
export function localHour(t: number, longitude: number): number {
  const h = (t / 3600 + longitude / 15) % 24;
  return h < 0 ? h + 24 : h;
}

/** The local day number (days since 1970-01-01 in local solar time). */
export function localDay(t: number, longitude: number): number {
  return Math.floor((t + (longitude / 15) * 3600) / 86_400);
}
