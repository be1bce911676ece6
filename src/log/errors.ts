import { WattproofError } from '../core/errors.ts';

/** Reasons a log operation is refused. */
export type LogErrorCode = 'OUT_OF_RANGE' | 'ENTRY_TOO_LARGE' | 'LOG_CLOSED' | 'LOG_FAILED';

/** A request the log cannot serve (an index beyond the tree, an oversize entry, a closed log). */
export class LogError extends WattproofError<LogErrorCode> {}
