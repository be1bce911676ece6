import { WattproofError } from '../core/errors.ts';

/** Reasons a ledger operation is refused. */
export type LedgerErrorCode = 'PLAN_REUSED' | 'LOG_DIVERGED';

/** A plan committed twice, or a log appended to outside its ledger. */
export class LedgerError extends WattproofError<LedgerErrorCode> {}
