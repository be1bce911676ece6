/** The public face of src/ledger/: what other parts import from it. */
export type { EntryRecord } from './entry-record.ts';
export type { ErasureRecord } from './erasure-record.ts';
export { LedgerError, type LedgerErrorCode } from './errors.ts';
export { indexFactsOf } from './entry-facts.ts';
export { Ledger } from './ledger.ts';
export type {
  AppendPlanner,
  CommitListener,
  LedgerAppendResult,
  LedgerAppended,
  LedgerItem,
  LedgerPlan,
  MeterEntryPosition,
} from './ledger.ts';
