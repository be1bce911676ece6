/**
 * Typed errors for the Merkle tree code (RFC 9162 §2.1).
 */
import { WattproofError } from '../errors.ts';

/**
 * Why a Merkle operation or check failed.
 *
 * - `INVALID_INDEX`: a leaf index that is not a safe non-negative integer, or not below the size.
 * - `INVALID_SIZE`: a tree size that is not a safe non-negative integer, or sizes out of order.
 * - `INVALID_HASH`: a hash (leaf hash, root, proof element, stored node) that is not 32 bytes.
 * - `WRONG_HASH_COUNT`: a list of hashes (compact range, node read) with the wrong length.
 * - `WRONG_PROOF_SIZE`: a proof with more or fewer hashes than RFC 9162 §2.1.3/§2.1.4 require.
 * - `ROOT_MISMATCH`: the root recomputed from a proof differs from the expected root.
 * - `INCONSISTENT_ROOTS`: two roots of the same tree size differ (equivocation).
 */
export type MerkleErrorCode =
  | 'INVALID_INDEX'
  | 'INVALID_SIZE'
  | 'INVALID_HASH'
  | 'WRONG_HASH_COUNT'
  | 'WRONG_PROOF_SIZE'
  | 'ROOT_MISMATCH'
  | 'INCONSISTENT_ROOTS';

/**
 * Error thrown by `core/merkle`. Failed checks carry evidence: the expected and computed roots
 * (hex), the proof (hex), the index and sizes involved.
 */
export class MerkleError extends WattproofError<MerkleErrorCode> {}
