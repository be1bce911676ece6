/**
 * What the pipeline returns for a batch of messages: the planned ledger append, the store
 * operations that go with it, and one outcome per message for the transport's PUBACK.
 */
import type { LedgerPlan } from '../ledger/index.ts';
import type { StoreOp } from '../storage/index.ts';
import type { RejectCode } from './reject-codes.ts';

/** What happened to one reading. */
export interface ReadingOutcome {
  /** Accepted (a new entry), duplicate (already in the log, same bytes) or rejected. */
  readonly status: 'accepted' | 'duplicate' | 'rejected';
  /** Why it was rejected: the coarse class. */
  readonly code?: RejectCode;
  /** Why it was rejected: the precise code (docs/formats.md reject table). */
  readonly detail?: string;
  /** Human explanation of the rejection. */
  readonly message?: string;
  /** The reading's meter, once decoded. */
  readonly meterId?: string;
  /** The reading's sequence, once decoded. */
  readonly sequence?: number;
  /** The counter its sequence belongs to (`''` native, `T`/`F` OCMF), once decoded. */
  readonly sequenceScope?: string;
  /** The signer the reading names, once decoded. */
  readonly signerId?: string;
  /**
   * For `INTERVAL_OVERLAP` and the other timeline refusals: the leaf index of the accepted
   * reading it collides with (in the log, or planned in this or an earlier batch).
   */
  readonly collidesWith?: number;
  /** Index of its entry in the plan's {@link LedgerPlan.entries}, when accepted. */
  readonly itemIndex?: number;
  /** Leaf index of the entry it duplicates (in the log, or planned in this or an earlier batch). */
  readonly duplicateOf?: number;
  /** Id of its quarantine record, when rejected. */
  readonly quarantineId?: number;
}

/** What happened to one message. */
export interface MessageOutcome {
  /** All readings accepted, all duplicates, all rejected, or a mix. */
  readonly status: 'accepted' | 'duplicate' | 'rejected' | 'mixed';
  /**
   * MQTT 5 PUBACK reason code: 0 when any reading was accepted or a duplicate, otherwise the
   * code of the first rejection (`PUBACK_REASON_BY_CODE`).
   */
  readonly reasonCode: number;
  /** The rejection of the whole message, or of its first reading when all were rejected. */
  readonly code?: RejectCode;
  /** For a message refused as a whole: the precise code and its quarantine record. */
  readonly detail?: string;
  readonly quarantineId?: number;
  /** One outcome per reading; empty when the message was refused before it was split. */
  readonly readings: readonly ReadingOutcome[];
}

/**
 * A checked batch: what to commit and what to answer, complete when returned. The pipeline
 * returns it with its full {@link MessageOutcome}s; the batcher (`IngestService`) reads it as
 * `CheckedBatch<MessageResult>`, the part of an outcome it needs.
 */
export interface CheckedBatch<Outcome = MessageOutcome> {
  /** The ledger append of its accepted readings, in message order (commit it with `ops`). */
  readonly plan: LedgerPlan;
  /**
   * The batch's other store operations: meter state, (meter, sequence) → leaf index,
   * quarantine records and counters, equivocation evidence. Commit them with `plan`, batches
   * in `check` order (the ledger commits plans in the order they were made).
   */
  readonly ops: readonly StoreOp[];
  /** One outcome per message, in order. */
  readonly outcomes: readonly Outcome[];
}
