/**
 * Errors of evidence bundle verification (docs/bundle.md §What the verifier checks).
 */
import { WattproofError } from '../errors.ts';

/**
 * Why a bundle was refused:
 * - `MALFORMED_BUNDLE`: not JSON, or not the wattproof.bundle/v1 schema (`evidence.path`).
 * - `UNSUPPORTED_FORMAT`: `format` is not `wattproof.bundle/v1`.
 * - `WRONG_LOG`: the bundle's log vkey or origin is not the trusted log's, or the checkpoint
 *   names another origin.
 * - `BAD_CHECKPOINT`: the checkpoint is not a signed note the log key signed, or its body is
 *   not a tlog-checkpoint.
 * - `TOO_FEW_WITNESSES`: fewer than `minWitnesses` trusted witnesses cosigned the checkpoint.
 * - `INDEX_OUT_OF_RANGE`, `INDEX_ORDER`: an index beyond the tree, out of order, or disclosed twice.
 * - `WRONG_ENTRY_KIND`: an entry of a kind that does not belong where it is.
 * - `MALFORMED_LEAF`: an erased entry's leaf is not a 34-byte wattproof leaf.
 * - `BROKEN_CHAIN`: a chained reading has neither a link nor an earlier entry of its meter in
 *   the bundle, its link is malformed or does not point back, or it names an earlier entry of
 *   the bundle with another leaf hash (docs/bundle.md §Chains).
 * - `PROOF_MISMATCH`: the multiproof does not lead to the checkpoint root (or has too few or too
 *   many hashes, or its tree size is not the checkpoint's).
 * - `BAD_OPERATOR_DECLARATION`: an operator key declaration is not signed by the log key.
 * - `NO_OPERATOR_KEY`: no disclosed declaration precedes a registry entry.
 * - `BAD_REGISTRY_ENTRY`: a registration or revocation does not verify under the operator key.
 * - `MALFORMED_READING`: a reading's bytes do not decode as COSE_Sign1 or OCMF.
 * - `BAD_READING_SIGNATURE`: a reading's signature fails under its registered key.
 * - `KEY_NOT_REGISTERED`, `KEY_REVOKED`, `METER_NOT_AUTHORIZED`, `KEY_TYPE_MISMATCH`,
 *   `ISSUER_MISMATCH`: the reading's signer was not registered before it, was revoked before it,
 *   is not registered for its meter, has a key of another type, or is not the COSE `iss`.
 * - `OUTSIDE_REQUEST`: a reading of another meter, or starting outside [from, to); an erased
 *   entry naming a meter that was not requested.
 * - `SEQUENCE_BROKEN`: a meter's sequence repeats or goes backwards in log order.
 * - `INTERVAL_OVERLAP`: two readings of one meter and channel (OBIS code) overlap in time;
 *   `index` is the later of the two in the log, `evidence.entries` both.
 * - `REGISTER_BACKWARDS`: a register is below the one of the reading before it on its channel,
 *   or decreases inside one OCMF record.
 * - `REGISTER_MISMATCH`: a reading directly follows the previous one of its channel (its start
 *   is that one's end) but the register's progress is not its interval energy.
 * - `ENERGY_EXCEEDS_REGISTER`: after a gap, a reading's energy exceeds the register's progress
 *   since the previous reading of its channel.
 * - `SUMMARY_MISMATCH`: the bundle's summary differs from the one recomputed from the readings.
 * - `ANCHOR_WRONG_LOG`: an anchored checkpoint names another origin than the bundle's.
 * - `ANCHOR_BAD_CHECKPOINT`: an anchored checkpoint is not a tlog-checkpoint the log key signed.
 * - `ANCHOR_RECORD_MISMATCH`: an anchor record's origin, size or root is not its checkpoint's.
 * - `ANCHOR_INCONSISTENT`: an anchored checkpoint's consistency proof with the bundle's
 *   checkpoint fails (docs/bundle.md §Anchors).
 * - `INDEX_EPOCH_INVALID`: the index epoch entry is beyond the checkpoint, not in its tree, or
 *   not an epoch entry (docs/bundle.md §Index).
 * - `INDEX_EPOCH_BEHIND`: a disclosed reading at or beyond the log size the epoch reflects.
 * - `INDEX_SECTION_MISSING`: the index section lacks a proof it must carry (a reading signer, a
 *   requested meter, a channel, or a whole UTC period of the request).
 * - `INDEX_PROOF_MISMATCH`: a lookup proof does not lead to the epoch's map root with the value
 *   the bundle's leaf indices give.
 * - `INDEX_REGISTRY_INCOMPLETE`: the index lists a registration or revocation of a reading's
 *   signer that the bundle leaves out (or the bundle carries one the index does not list).
 * - `INDEX_READINGS_INCOMPLETE`: in a whole UTC period of the request, the index holds other
 *   readings of a meter channel than the bundle: one left out, or a hidden one.
 * - `VERIFIER_ERROR`: not a verdict on the bundle: the verifier itself failed (an error no
 *   check raises on purpose, or a signature checker that answered for the wrong number of
 *   checks). The bundle is not accepted; the CLI exits with its internal-error status.
 */
export type BundleErrorCode =
  | 'MALFORMED_BUNDLE'
  | 'UNSUPPORTED_FORMAT'
  | 'WRONG_LOG'
  | 'BAD_CHECKPOINT'
  | 'TOO_FEW_WITNESSES'
  | 'INDEX_OUT_OF_RANGE'
  | 'INDEX_ORDER'
  | 'WRONG_ENTRY_KIND'
  | 'MALFORMED_LEAF'
  | 'BROKEN_CHAIN'
  | 'PROOF_MISMATCH'
  | 'BAD_OPERATOR_DECLARATION'
  | 'NO_OPERATOR_KEY'
  | 'BAD_REGISTRY_ENTRY'
  | 'MALFORMED_READING'
  | 'BAD_READING_SIGNATURE'
  | 'KEY_NOT_REGISTERED'
  | 'KEY_REVOKED'
  | 'METER_NOT_AUTHORIZED'
  | 'KEY_TYPE_MISMATCH'
  | 'ISSUER_MISMATCH'
  | 'OUTSIDE_REQUEST'
  | 'SEQUENCE_BROKEN'
  | 'INTERVAL_OVERLAP'
  | 'REGISTER_BACKWARDS'
  | 'REGISTER_MISMATCH'
  | 'ENERGY_EXCEEDS_REGISTER'
  | 'SUMMARY_MISMATCH'
  | 'ANCHOR_WRONG_LOG'
  | 'ANCHOR_BAD_CHECKPOINT'
  | 'ANCHOR_RECORD_MISMATCH'
  | 'INDEX_EPOCH_INVALID'
  | 'INDEX_EPOCH_BEHIND'
  | 'INDEX_SECTION_MISSING'
  | 'INDEX_PROOF_MISMATCH'
  | 'INDEX_REGISTRY_INCOMPLETE'
  | 'INDEX_READINGS_INCOMPLETE'
  | 'ANCHOR_INCONSISTENT'
  | 'VERIFIER_ERROR';

/** A bundle was refused; `index` is the leaf index of the failing entry, when one failed. */
export class BundleError extends WattproofError<BundleErrorCode> {
  /** Leaf index of the entry that failed, if the failure is about one entry. */
  readonly index: number | undefined;

  constructor(
    code: BundleErrorCode,
    message: string,
    options: { cause?: unknown; evidence?: Record<string, unknown>; index?: number } = {},
  ) {
    super(code, message, options);
    this.index = options.index;
  }
}
