/**
 * Typed errors of the C2SP tlog-witness witness and its client (c2sp.org/tlog-witness).
 */
import { WattproofError } from '../../src/core/errors.ts';

/**
 * Why the witness refused a request or could not start.
 *
 * - `MALFORMED_REQUEST`: the add-checkpoint body is not `old <N>`, proof lines, a blank line
 *   and a signed checkpoint (tlog-witness §add-checkpoint), or `old` is above the checkpoint size.
 * - `UNKNOWN_ORIGIN`: no log is configured for the checkpoint origin (404).
 * - `UNTRUSTED_SIGNATURE`: no signature verifies against the origin's keys (403).
 * - `OLD_SIZE_MISMATCH`: `old` is not the size of the latest cosigned checkpoint (409).
 * - `ROOT_CONFLICT`: same size as the latest cosigned checkpoint, different root (409): a fork.
 * - `INCONSISTENT_PROOF`: the consistency proof does not verify (422).
 * - `BAD_CONFIG`: a configured log vkey, witness name or key cannot be used.
 * - `STATE_CORRUPT`: a stored state record cannot be decoded.
 */
export type WitnessErrorCode =
  | 'MALFORMED_REQUEST'
  | 'UNKNOWN_ORIGIN'
  | 'UNTRUSTED_SIGNATURE'
  | 'OLD_SIZE_MISMATCH'
  | 'ROOT_CONFLICT'
  | 'INCONSISTENT_PROOF'
  | 'BAD_CONFIG'
  | 'STATE_CORRUPT';

/** Error of the witness side (`anchors/witness`). */
export class WitnessError extends WattproofError<WitnessErrorCode> {}

/**
 * Why a submission to a witness gave no cosignature.
 *
 * - `CONFLICT`: 409 with a `text/x.tlog.size` body; `witnessSize` is the witness's latest size.
 * - `INCONSISTENT`: 422, the witness found the consistency proof wrong.
 * - `FORBIDDEN`: 403, the witness does not trust the log key that signed the checkpoint.
 * - `UNKNOWN_LOG`: 404, the witness has no log for this origin.
 * - `BAD_REQUEST`: 400, the witness found the request malformed.
 * - `UNEXPECTED_STATUS`: any other status (5xx and the like).
 * - `UNREACHABLE`: the connection failed.
 * - `TIMEOUT`: no complete answer in time.
 * - `BAD_COSIGNATURE`: a 200 answer without a valid cosignature from the witness key.
 */
export type WitnessClientErrorCode =
  | 'CONFLICT'
  | 'INCONSISTENT'
  | 'FORBIDDEN'
  | 'UNKNOWN_LOG'
  | 'BAD_REQUEST'
  | 'UNEXPECTED_STATUS'
  | 'UNREACHABLE'
  | 'TIMEOUT'
  | 'BAD_COSIGNATURE';

/** Error of {@link submitCheckpoint}; `witnessSize` is set for `CONFLICT`. */
export class WitnessClientError extends WattproofError<WitnessClientErrorCode> {
  /** The witness's latest cosigned size, from a 409 `text/x.tlog.size` body. */
  readonly witnessSize: number | undefined;

  constructor(
    code: WitnessClientErrorCode,
    message: string,
    options: { cause?: unknown; evidence?: Record<string, unknown>; witnessSize?: number } = {},
  ) {
    super(code, message, options);
    this.witnessSize = options.witnessSize;
  }
}
