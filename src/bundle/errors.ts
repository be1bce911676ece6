/** Errors of the bundle builder (docs/bundle.md §Building, §Limits). */
import { WattproofError } from '../core/errors.ts';

/**
 * Why a bundle could not be built: `INVALID_REQUEST` (no meters, duplicate meters, an empty
 * period, or a checkpoint this log did not publish), `BUNDLE_TOO_LARGE` (more entries or bytes
 * than the limits allow; the message says how to split the request), `RECORD_MISSING` (a
 * private record the bundle needs is gone), `RECORD_CHANGED` (a reading was erased while its
 * bundle was being sent), `UNKNOWN_SIGNER` (a reading's signer is not in the registry),
 * `ABORTED` (the caller's signal fired: the client went away).
 */
export type BundleBuildErrorCode =
  | 'INVALID_REQUEST'
  | 'BUNDLE_TOO_LARGE'
  | 'RECORD_MISSING'
  | 'RECORD_CHANGED'
  | 'UNKNOWN_SIGNER'
  | 'ABORTED';

/** A bundle could not be built. */
export class BundleBuildError extends WattproofError<BundleBuildErrorCode> {}
