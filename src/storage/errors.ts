import { WattproofError } from '../core/errors.ts';

/** Reasons a log store can fail. */
export type StorageErrorCode =
  | 'STORE_OPEN_FAILED'
  | 'STORE_LOCKED'
  | 'STORE_CORRUPT'
  | 'STORE_CLOSED'
  | 'ENTRY_NOT_FOUND'
  | 'ENTRY_ERASED';

/** A failure of the LevelDB store: opening, a missing record, or an inconsistent state on disk. */
export class StorageError extends WattproofError<StorageErrorCode> {}
