/**
 * Typed errors of the ledger's index definitions (docs/index.md).
 */
import { WattproofError } from '../errors.ts';

/**
 * Why an index key, value or epoch entry is refused.
 *
 * - `INVALID_KEY_PART`: a meter id, signer id or OBIS code that is not in its one canonical
 *   spelling, or a time outside the years 1970–9999.
 * - `INVALID_INDICES`: leaf indices that are not strictly increasing non-negative safe integers.
 * - `MALFORMED_EPOCH`: epoch entry bytes that are not the deterministic CBOR map of
 *   docs/index.md §Epochs (unknown or missing field, wrong type, non-canonical encoding).
 * - `MALFORMED_FLAG`: meter flag entry bytes that are not the map of docs/index.md §Meter flags.
 * - `EPOCH_OUT_OF_ORDER`: rebuilding from the log, an epoch whose number or log size does not
 *   follow the one before (or whose log size lies beyond its own entry).
 * - `EPOCH_ROOT_MISMATCH`: rebuilt from the log, the map's root at an epoch's log size is not the
 *   root the epoch records (`evidence`: epoch, entry, log size, both roots).
 */
export type LedgerIndexErrorCode =
  | 'INVALID_KEY_PART'
  | 'INVALID_INDICES'
  | 'MALFORMED_EPOCH'
  | 'MALFORMED_FLAG'
  | 'EPOCH_OUT_OF_ORDER'
  | 'EPOCH_ROOT_MISMATCH';

/** Error thrown by `core/ledger-index`; `evidence` names the offending field. */
export class LedgerIndexError extends WattproofError<LedgerIndexErrorCode> {}
