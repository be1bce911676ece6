/** The public face of src/ledger/: what other parts import from it. */
export type { EntryRecord } from './entry-record.ts';
export type { ErasureRecord } from './erasure-record.ts';
export { Ledger } from './ledger.ts';
export type {
  LedgerAppendResult,
  LedgerAppended,
  LedgerItem,
  MeterEntryPosition,
} from './ledger.ts';
