/** Meter profiles: energy over time, pure and reproducible from a seed. */
export { chargedWh, evCapacityW, evProfile, sessionsBetween, sessionsOfDay } from './ev.ts';
export type { ChargingSession, EvOptions } from './ev.ts';
export {
  APPLIANCE_MAX_W,
  EVENING_SIGMA_H,
  MORNING_SIGMA_H,
  HOUSEHOLD_CAPACITY_W,
  householdPowerW,
  householdProfile,
  householdTraits,
} from './household.ts';
export type { HouseholdOptions, HouseholdTraits } from './household.ts';
export { hashText, sequence, uniform, valueNoise } from './noise.ts';
export { integrateWh, isProfileKind, localDay, localHour, PROFILE_KINDS } from './profile.ts';
export type { Profile, ProfileKind, Site } from './profile.ts';
export {
  clearSkyW,
  cloudTransmission,
  MAX_CLOUD_LOSS,
  PERFORMANCE_RATIO,
  sinSolarElevation,
  solarProfile,
} from './solar.ts';
export type { SolarOptions } from './solar.ts';
export { CUT_IN, CUT_OUT, RATED_SPEED, turbinePowerW, windProfile, windSpeed } from './wind.ts';
export type { WindOptions } from './wind.ts';
