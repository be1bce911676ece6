/**
 * Typed errors for C2SP tlog-tiles paths, hash tiles and entry bundles.
 */
import { WattproofError } from '../errors.ts';

/**
 * Why a tile operation failed.
 *
 * - `MALFORMED_PATH`: a resource path that is not a canonical tlog-tiles path.
 * - `MALFORMED_TILE`: hash tile bytes that are not 1..256 whole 32-byte hashes (or not the
 *   expected width), or hashes that cannot form a subtree.
 * - `MALFORMED_BUNDLE`: an entry bundle that is truncated, has trailing bytes, too many entries,
 *   or not the expected width.
 * - `ENTRY_TOO_LARGE`: an entry longer than 65,535 bytes, which a uint16 length cannot frame.
 * - `INVALID_TILE`: tile coordinates out of range (level outside 0..63, index not a safe
 *   non-negative integer, width outside 1..256).
 * - `MISSING_TILE`: a tile needed for a proof was not available at the expected width.
 */
export type TileErrorCode =
  | 'MALFORMED_PATH'
  | 'MALFORMED_TILE'
  | 'MALFORMED_BUNDLE'
  | 'ENTRY_TOO_LARGE'
  | 'INVALID_TILE'
  | 'MISSING_TILE';

/** Error thrown by `core/tiles`. */
export class TileError extends WattproofError<TileErrorCode> {}
