/**
 * Photovoltaic generation: clear-sky power from the sun's elevation (solar declination and hour
 * angle, so day length follows latitude and season), reduced by clouds that change smoothly
 * within a day and from day to day. Zero whenever the sun is below the horizon.
 */
import { hashText, uniform, valueNoise } from './noise.ts';
import { integrateWh, type Profile, type Site } from './profile.ts';

/** Share of the rated (peak) power a plant delivers in full sun: inverter and wiring losses. */
export const PERFORMANCE_RATIO = 0.85;
/** Clouds never take more than this share of the clear-sky power. */
export const MAX_CLOUD_LOSS = 0.85;

const RAD = Math.PI / 180;

/** Options of a PV profile. */
export interface SolarOptions {
  readonly seed: number;
  /** The meter id: its own clouds. */
  readonly meterId: string;
  /** Peak power, W. */
  readonly peakW: number;
  readonly site: Site;
  /** Single-axis tracking (utility plants): a flatter, wider curve. */
  readonly tracking: boolean;
}

/** Sine of the sun's elevation at `t` (Unix seconds) seen from `site`; negative at night. */
export function sinSolarElevation(t: number, site: Site): number {
  const dayOfYear = Math.floor(t / 86_400) % 365.2425;
  const decl = 23.44 * RAD * Math.sin((2 * Math.PI * (284 + dayOfYear)) / 365);
  const solarHour = (t / 3600 + site.longitude / 15) % 24;
  const hourAngle = 15 * RAD * (solarHour - 12);
  const lat = site.latitude * RAD;
  return Math.sin(lat) * Math.sin(decl) + Math.cos(lat) * Math.cos(decl) * Math.cos(hourAngle);
}

/** Clear-sky power at `t`, W: at most {@link PERFORMANCE_RATIO} × peak, zero below the horizon. */
export function clearSkyW(t: number, o: Pick<SolarOptions, 'peakW' | 'site' | 'tracking'>): number {
  const s = sinSolarElevation(t, o.site);
  if (s <= 0) return 0;
  return o.peakW * PERFORMANCE_RATIO * Math.pow(s, o.tracking ? 0.7 : 1.15);
}

/** Share of the clear-sky power that gets through the clouds at `t`: in [1 − MAX_CLOUD_LOSS, 1]. */
export function cloudTransmission(t: number, seed: number, stream: number): number {
  const cloudiness = valueNoise(seed, stream, t, 86_400);
  const patches = 0.4 + 0.6 * valueNoise(seed, stream + 1, t, 1_200);
  const flicker = uniform(seed, stream + 2, Math.floor(t / 300));
  const loss = MAX_CLOUD_LOSS * cloudiness * patches * (0.85 + 0.15 * flicker);
  return 1 - Math.min(MAX_CLOUD_LOSS, loss);
}

/** A PV plant's export profile. */
export function solarProfile(o: SolarOptions): Profile {
  const stream = hashText(`solar:${o.meterId}`);
  return {
    kind: o.tracking ? 'pv-utility' : 'pv-rooftop',
    direction: 'export',
    ratedCapacityW: o.peakW,
    energyWh: (start, end) =>
      Math.round(
        integrateWh(start, end, 60, (t) => clearSkyW(t, o) * cloudTransmission(t, o.seed, stream)),
      ),
  };
}
