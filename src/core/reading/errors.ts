/**
 * Errors of the native reading format (docs/formats.md, "Native signed reading").
 */
import { WattproofError } from '../errors.ts';

/**
 * Why a reading was refused:
 * - `MALFORMED_READING`: the payload is not strict CBOR, not a map, or has missing or unknown
 *   keys (`evidence.key`, `evidence.field`).
 * - `INVALID_FIELD`: a field has the wrong type or value — negative, float, NaN, beyond
 *   2^53 − 1, bad OBIS syntax, unknown quality bits, end ≤ start (`evidence.field`).
 * - `WRONG_CONTENT_TYPE`: the COSE content type (label 3) is not the reading media type.
 * - `UNPROTECTED_NOT_EMPTY`: the COSE unprotected header is not empty; unsigned bytes would
 *   let one signed reading travel as many different byte strings.
 * - `SUBJECT_MISMATCH`: the CWT `sub` claim differs from the payload's meter id.
 */
export type ReadingErrorCode =
  | 'MALFORMED_READING'
  | 'INVALID_FIELD'
  | 'WRONG_CONTENT_TYPE'
  | 'UNPROTECTED_NOT_EMPTY'
  | 'SUBJECT_MISMATCH';

/** A reading was refused. */
export class ReadingError extends WattproofError<ReadingErrorCode> {}
