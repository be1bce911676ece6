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
 */
export type LedgerIndexErrorCode =
  'INVALID_KEY_PART' | 'INVALID_INDICES' | 'MALFORMED_EPOCH' | 'MALFORMED_FLAG';

/** Error thrown by `core/ledger-index`; `evidence` names the offending field. */
export class LedgerIndexError extends WattproofError<LedgerIndexErrorCode> {}
