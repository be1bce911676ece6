/** The public face of src/indexer/: the node's verifiable index (docs/index.md). */
export { IndexerError, type IndexerErrorCode } from './errors.ts';
export { LedgerIndexer } from './ledger-indexer.ts';
export type { EpochRecord, IndexerStatus, LedgerIndexerOptions } from './ledger-indexer.ts';
