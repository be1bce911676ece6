/**
 * What an evidence bundle proves for issue (docs/registry-certificates.md §Issue from a
 * bundle): the bundle verified by the core's own verifier under the registry's trust in the
 * metering log, and its hourly figures as `certify` computes them — one figure per meter
 * channel and UTC hour with at least 1 Wh, each hour lying wholly inside the bundle's period.
 */
import { toHex } from '../bytes.ts';
import { verifyBundle, type VerifyPolicy } from '../bundle/index.ts';
import { checkVerdict, granularRecords } from '../certify/index.ts';
import { nobleHasher } from '../merkle/index.ts';
import { BundleRefusedError } from './errors.ts';
import { HOUR_SECONDS, invalidField, isHourStart } from './names.ts';

/** One meter channel's UTC hour `[hour, hour + 3600)`. */
export interface MeterHour {
  readonly meterId: string;
  /** OBIS code of the channel, reduced canonical form (`1-0:2.8.0`). */
  readonly obis: string;
  /** Start of the UTC hour, Unix seconds. */
  readonly hour: number;
}

/** The Wh a bundle proves for one meter channel's hour. */
export interface ProvenHour extends MeterHour {
  /** Whole Wh, at least 1: `certify`'s hourly figure (`bundleQuantity`) for the hour. */
  readonly energyWh: number;
}

/** A bundle that verified, and what it proves. */
export interface ProvenBundle {
  /** SHA-256 (FIPS 180-4) of the exact bundle bytes. */
  readonly bundleSha256: Uint8Array;
  /** The bundle's period `[from, to)` of interval starts, Unix seconds. */
  readonly period: { readonly from: number; readonly to: number };
  /** The bundle's meters, in its request order. */
  readonly meters: readonly string[];
  /**
   * The issuable hours: `certify`'s hourly records (both directions) whose hour lies wholly
   * inside the period, in the records' order (meter, hour, export before import).
   */
  readonly hours: readonly ProvenHour[];
}

/** True when the hour `[hour, hour + 3600)` lies inside `[from, to)`. */
export function coversHour(period: ProvenBundle['period'], hour: number): boolean {
  return hour >= period.from && hour + HOUR_SECONDS <= period.to;
}

/**
 * Verifies the exact bundle `bytes` with `verifyBundle` under `trust` (the metering log's
 * verifier key and witness policy) and returns their SHA-256 and the hours they prove. Throws
 * {@link BundleRefusedError} (`BUNDLE_REFUSED`, with the verifier's code) for a bundle that
 * does not verify, `INVALID_FIELD` for `bytes` that are not a `Uint8Array`, what
 * `verifyBundle` throws for a malformed trust key, and `CertifyError` `FIGURE_TOO_LARGE` for
 * an hour beyond 2^53 − 1 Wh.
 */
export function provenHours(bytes: Uint8Array, trust: VerifyPolicy): ProvenBundle {
  if (!(bytes instanceof Uint8Array)) invalidField('bundle', 'not the bundle’s bytes');
  const verdict = verifyBundle(bytes, trust);
  if (!verdict.valid) {
    throw new BundleRefusedError(verdict.code, verdict.message, verdict.index, verdict.error);
  }
  const digest = nobleHasher.sha256(bytes);
  // The verdict is the verifier's own; certify re-checks it and sums its hours.
  const checked = checkVerdict(verdict);
  const { records } = granularRecords(checked, toHex(digest));
  const hours: ProvenHour[] = [];
  for (const r of records) {
    const hour = Date.parse(r.productionStartingInterval) / 1000;
    // An hour from the year 10000 on has no issue event (§Event format): not issuable.
    if (!isHourStart(hour) || !coversHour(checked.period, hour)) continue;
    hours.push({ meterId: r.deviceId, obis: r.register, hour, energyWh: r.bundleQuantity });
  }
  return { bundleSha256: digest, period: checked.period, meters: checked.meters, hours };
}
