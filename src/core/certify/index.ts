/**
 * Certificate and carbon figures from verified evidence bundles (docs/certify.md): hourly
 * granular certificate records (EnergyTag), Guarantee-of-Origin units (Directive (EU)
 * 2018/2001 art. 19) and a Scope 2 location-based footprint (GHG Protocol). Pure core.
 */
export {
  bundleSha256,
  certify,
  certifyBundle,
  type CertifyOptions,
  type CertifyOutcome,
} from './certify.ts';
export {
  checkVerdict,
  type CertifiedChannel,
  type CertifiedReading,
  type CheckedVerdict,
} from './checked-verdict.ts';
export { CertifyError, type CertifyErrorCode } from './errors.ts';
export { directionOf, granularRecords } from './granular.ts';
export { GO_UNIT_WH, guaranteesOfOrigin } from './guarantees.ts';
export { FACTOR_FRACTION_DIGITS, parseEmissionFactor, scope2Footprint } from './scope2.ts';
export {
  CERTIFICATION_FORMAT,
  type Certification,
  type Direction,
  type ExcludedReading,
  type ExclusionReason,
  type GranularCertificateRecord,
  type GuaranteeOfOriginAccount,
  type Scope2Figures,
  type Scope2Footprint,
  type TrustMode,
} from './types.ts';
