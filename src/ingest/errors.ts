/**
 * Errors of the ingest pipeline itself. Refused input is never an error: it becomes a
 * rejection with a `RejectCode` (reject-codes.ts). These are faults of the caller or the node.
 */
import { WattproofError } from '../core/errors.ts';

/**
 * Why the pipeline failed:
 * - `BATCH_ORDER`: store operations of checked batches requested out of order, twice, or with
 *   the wrong number of leaf indices.
 * - `PIPELINE_FAILED`: an earlier batch failed while its state was being staged; the node must
 *   stop (nothing of that batch may be committed).
 * - `VERIFIER_FAILED`: the signature verifier broke its contract (wrong number of verdicts).
 */
export type IngestErrorCode = 'BATCH_ORDER' | 'PIPELINE_FAILED' | 'VERIFIER_FAILED';

/** A fault of the ingest pipeline (not a refused message). */
export class IngestError extends WattproofError<IngestErrorCode> {}
