/**
 * The figures `certify` derives from a verified evidence bundle (docs/certify.md): hourly
 * granular certificate records named after the EnergyTag Granular Certificate Scheme Standard,
 * Guarantee-of-Origin units (Directive (EU) 2018/2001 art. 19) and a GHG Protocol Scope 2
 * location-based footprint. Every part carries the SHA-256 of the bundle it came from.
 */

import type { TrustMode } from '../registry/index.ts';

/** The `format` of a certification document. */
export const CERTIFICATION_FORMAT = 'wattproof.certification/v1';

/** Trust mode of a reading: its signer's registration mode (docs/registry.md). */
export type { TrustMode };

/** Production = active energy export (OBIS 1-0:2.8.0); consumption = import (1-0:1.8.0). */
export type Direction = 'production' | 'consumption';

/**
 * One meter's energy of one direction in one UTC hour. Field names follow the EnergyTag
 * Granular Certificate Scheme Standard (v2) attributes as its reference registry spells them
 * (`device_id`, `production_starting_interval`, `production_ending_interval`,
 * `bundle_quantity`, `face_value`, `energy_carrier`): a production interval of at most one
 * hour, a face value of 1 Wh and the volume "rounded down to the nearest Wh whole number".
 * The standard issues certificates for production only; a consumption record carries the
 * same fields for hourly matching and is not a certificate.
 */
export interface GranularCertificateRecord {
  readonly energyCarrier: 'electricity';
  /** The meter id: the device the readings were signed for. */
  readonly deviceId: string;
  readonly direction: Direction;
  /** The OBIS register the energy comes from. */
  readonly register: string;
  /** Start of the UTC hour, RFC 3339 (`2026-01-01T10:00:00Z`; after year 9999 ISO 8601 expanded). */
  readonly productionStartingInterval: string;
  /** End of the UTC hour (exclusive), RFC 3339. */
  readonly productionEndingInterval: string;
  /** Wh each certificate of the record stands for: always 1. */
  readonly faceValue: 1;
  /** Number of 1-Wh certificates: the hour's energy in whole Wh, rounded down. */
  readonly bundleQuantity: number;
  /** Trust modes of the readings summed, sorted, distinct. */
  readonly trustModes: readonly TrustMode[];
  /** Leaf indices of the readings summed, ascending. */
  readonly entries: readonly number[];
  /** SHA-256 of the exact bundle bytes, lowercase hex. */
  readonly evidenceSha256: string;
}

/** Why a reading is in no hourly record. */
export type ExclusionReason =
  'LONGER_THAN_AN_HOUR' | 'CROSSES_HOUR_BOUNDARY' | 'OTHER_REGISTER' | 'ERASED';

/** A reading's channel (or an erased reading) of the bundle left out of the hourly records. */
export interface ExcludedReading {
  /** Leaf index of the reading. */
  readonly entry: number;
  /** Its meter id; null for an erased reading, whose figures are gone. */
  readonly deviceId: string | null;
  /**
   * The OBIS register of the channel left out (a reading has one per register: an OCMF record
   * may leave out both); null for an erased reading.
   */
  readonly register: string | null;
  readonly reason: ExclusionReason;
  readonly detail: string;
}

/** Guarantee-of-Origin units of one meter's production over the bundle period. */
export interface GuaranteeOfOriginAccount {
  readonly deviceId: string;
  /** The bundle period [start, end), RFC 3339. */
  readonly periodStart: string;
  readonly periodEnd: string;
  /** Production (1-0:2.8.0 channels) of every verified reading of the meter, whole Wh rounded down. */
  readonly productionWh: number;
  /** Wh carried in from the previous period (below one unit). */
  readonly carryInWh: number;
  /** Size of one unit: 1 MWh (Directive (EU) 2018/2001 art. 19(2)). */
  readonly unitWh: 1_000_000;
  /** Whole units: ⌊(carryInWh + productionWh) / 1 000 000⌋. */
  readonly units: number;
  /** The remainder, carried to the next period. */
  readonly carryOutWh: number;
  readonly evidenceSha256: string;
}

/** A consumption and its location-based emissions, exact decimals. */
export interface Scope2Figures {
  /** Consumption (1-0:1.8.0 channels) of every verified reading, Wh, exact (milli-Wh precision). */
  readonly consumptionWh: string;
  /** consumptionWh × factor / 1000, g CO2e, exact. */
  readonly co2eG: string;
  /** `co2eG` rounded up to a whole gram (never understated). */
  readonly co2eGRoundedUp: number;
}

/** The Scope 2 location-based footprint (GHG Protocol Scope 2 Guidance, 2015, ch. 4 and 6). */
export interface Scope2Footprint {
  readonly method: 'location-based';
  /** The supplied grid-average emission factor, g CO2e per kWh, as a normalised decimal. */
  readonly emissionFactorGPerKWh: string;
  readonly meters: readonly (Scope2Figures & { readonly deviceId: string })[];
  /** Sums of the exact per-meter figures (the rounded-up total is of the exact sum). */
  readonly total: Scope2Figures;
  readonly evidenceSha256: string;
}

/** Everything `certify` derives from one verified bundle. */
export interface Certification {
  readonly format: typeof CERTIFICATION_FORMAT;
  readonly evidenceSha256: string;
  /** The log and checkpoint the bundle verified against, and the trusted witnesses that cosigned. */
  readonly log: {
    readonly origin: string;
    readonly treeSize: number;
    readonly root: string;
    readonly witnesses: readonly string[];
  };
  readonly period: { readonly start: string; readonly end: string };
  readonly granularCertificates: readonly GranularCertificateRecord[];
  readonly excluded: readonly ExcludedReading[];
  readonly guaranteesOfOrigin: readonly GuaranteeOfOriginAccount[];
  /** Null when no emission factor was supplied. */
  readonly scope2: Scope2Footprint | null;
}
