/**
 * Typed errors of the node's verifiable index (docs/index.md §Epochs).
 */
import { WattproofError } from '../core/errors.ts';

/**
 * Why the index cannot go on. (A log whose epochs disagree with its entries is refused at
 * open with the core's `LedgerIndexError`, `EPOCH_ROOT_MISMATCH` or `EPOCH_OUT_OF_ORDER`.)
 *
 * - `INDEX_FAILED`: an entry could not be filed; the index stops cutting epochs until a restart
 *   rebuilds it.
 */
export type IndexerErrorCode = 'INDEX_FAILED';

/** Error of the node's index; carries its evidence. */
export class IndexerError extends WattproofError<IndexerErrorCode> {}
