/**
 * Typed errors of the node's verifiable index (docs/index.md §Epochs).
 */
import { WattproofError } from '../core/errors.ts';

/**
 * Why the index cannot go on.
 *
 * - `EPOCH_ROOT_MISMATCH`: rebuilt from the log, the map's root at an epoch's log size is not
 *   the root the epoch entry records (`evidence`: epoch, log size, both roots).
 * - `EPOCH_OUT_OF_ORDER`: an epoch entry whose number or log size does not follow the one before.
 * - `INDEX_FAILED`: an entry could not be filed; the index stops cutting epochs until a restart
 *   rebuilds it.
 */
export type IndexerErrorCode = 'EPOCH_ROOT_MISMATCH' | 'EPOCH_OUT_OF_ORDER' | 'INDEX_FAILED';

/** Error of the node's index; carries its evidence. */
export class IndexerError extends WattproofError<IndexerErrorCode> {}
