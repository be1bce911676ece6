/** Typed errors for c2sp.org/tlog-proof parsing and formatting. */
import { WattproofError } from '../errors.ts';

/** Machine-readable reasons a tlog-proof was refused. */
export type TlogProofErrorCode =
  /** The text does not follow c2sp.org/tlog-proof §Format. */
  'MALFORMED_PROOF';

/** Error thrown by `core/tlog-proof`. */
export class TlogProofError extends WattproofError<TlogProofErrorCode> {}
