/** Errors of the bundle builder (docs/bundle.md §Building). */
import { WattproofError } from '../core/errors.ts';

/**
 * Why a bundle could not be built: `INVALID_REQUEST` (no meters, duplicate meters, an empty
 * period, or a checkpoint this log did not publish), `RECORD_MISSING` (a private record the
 * bundle needs is gone), `UNKNOWN_SIGNER` (a reading's signer is not in the registry).
 */
export type BundleBuildErrorCode = 'INVALID_REQUEST' | 'RECORD_MISSING' | 'UNKNOWN_SIGNER';

/** A bundle could not be built. */
export class BundleBuildError extends WattproofError<BundleBuildErrorCode> {}
