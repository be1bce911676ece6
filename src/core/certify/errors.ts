/**
 * Errors of certificate and carbon figures (docs/certify.md).
 */
import type { TimelineBreakCode } from '../bundle/index.ts';
import { WattproofError } from '../errors.ts';

/**
 * Why figures could not be computed:
 * - `INVALID_VERDICT`: the verdict is not a valid one of `verifyBundle` (a refused bundle never
 *   yields certificates), or a reading in it has figures no verified reading can have.
 * - `BAD_EVIDENCE_HASH`: the bundle hash is not 64 lowercase hex digits (SHA-256).
 * - `BAD_CARRY_IN`: a carried Wh figure is not a non-negative safe integer below 1 MWh, or
 *   names a meter the bundle does not cover.
 * - `BAD_EMISSION_FACTOR`: the emission factor is not a non-negative decimal (at most 9
 *   integer and 6 fraction digits).
 * - `FIGURE_TOO_LARGE`: a whole-Wh figure is beyond 2^53 − 1 and cannot be given as a number.
 * - `INTERVAL_OVERLAP`, `REGISTER_BACKWARDS`, `REGISTER_MISMATCH`, `ENERGY_EXCEEDS_REGISTER`: a
 *   hand-made verdict holds two readings of one meter and channel whose intervals overlap, or
 *   whose registers and energies disagree (the bundle verifier's rules and codes,
 *   docs/bundle.md §What the verifier checks): its figures would count energy twice
 *   (`evidence`: `meter`, `obis`, both `entries`).
 */
export type CertifyErrorCode =
  | 'INVALID_VERDICT'
  | 'BAD_EVIDENCE_HASH'
  | 'BAD_CARRY_IN'
  | 'BAD_EMISSION_FACTOR'
  | 'FIGURE_TOO_LARGE'
  | TimelineBreakCode;

/** Certificate or carbon figures were refused. */
export class CertifyError extends WattproofError<CertifyErrorCode> {}
