/**
 * A workplace EV charger: on most days one morning session and sometimes an afternoon one, each
 * charging at the charger's power from arrival until the car has taken the energy it needed.
 * Sessions never cross local midnight, so each day's sessions follow from that day alone.
 */
import { hashText, uniform } from './noise.ts';
import { localDay, type Profile, type Site } from './profile.ts';

/** Options of an EV charger profile. */
export interface EvOptions {
  readonly seed: number;
  readonly meterId: string;
  readonly site: Site;
  /** Charging power, W (e.g. 11,000 for a three-phase 16 A wallbox). */
  readonly powerW: number;
}

/** One charging session: `[start, end)` Unix seconds, charging at constant power. */
export interface ChargingSession {
  /** Number of the session: day × 4 + its place in the day, increasing over time. */
  readonly number: number;
  readonly start: number;
  readonly end: number;
}

/** Registered capacity of a charger: twice its charging power leaves room for the tolerance. */
export function evCapacityW(powerW: number): number {
  return 2 * powerW;
}

/** The sessions of local day `day` (days since 1970 in local solar time). */
export function sessionsOfDay(day: number, o: EvOptions): ChargingSession[] {
  const stream = hashText(`ev:${o.meterId}`);
  const u = (k: number): number => uniform(o.seed, stream + k, day);
  const midnight = day * 86_400 - Math.round((o.site.longitude / 15) * 3600);
  const minute = (hours: number): number => midnight + Math.round(hours * 60) * 60;
  const out: ChargingSession[] = [];
  const count = u(0) < 0.2 ? 0 : u(0) < 0.75 ? 1 : 2;
  let free = minute(7);
  for (let i = 0; i < count; i++) {
    const arrival = Math.max(free, minute((i === 0 ? 7 : 13) + 3 * u(1 + 2 * i)));
    const needWh = i === 0 ? 5_000 + 30_000 * u(2 + 2 * i) : 3_000 + 17_000 * u(2 + 2 * i);
    const seconds = Math.max(60, Math.round((needWh / o.powerW) * 3600));
    out.push({ number: day * 4 + i, start: arrival, end: arrival + seconds });
    free = arrival + seconds + 1800;
  }
  return out;
}

/** The sessions that start in `[from, to)`. */
export function sessionsBetween(from: number, to: number, o: EvOptions): ChargingSession[] {
  const out: ChargingSession[] = [];
  for (let d = localDay(from, o.site.longitude) - 1; d <= localDay(to, o.site.longitude); d++) {
    for (const s of sessionsOfDay(d, o)) if (s.start >= from && s.start < to) out.push(s);
  }
  return out;
}

/** Energy charged over `[start, end)` at the charger's power, exact (not rounded), Wh. */
export function chargedWh(start: number, end: number, o: EvOptions): number {
  let wh = 0;
  for (const s of sessionsBetween(start - 86_400, end, o)) {
    const overlap = Math.min(end, s.end) - Math.max(start, s.start);
    if (overlap > 0) wh += (o.powerW * overlap) / 3600;
  }
  return wh;
}

/** An EV charger's import profile. */
export function evProfile(o: EvOptions): Profile {
  return {
    kind: 'ev',
    direction: 'import',
    ratedCapacityW: evCapacityW(o.powerW),
    energyWh: (start, end) => Math.round(chargedWh(start, end, o)),
  };
}
