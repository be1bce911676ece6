/**
 * Errors of the strict CBOR codec (RFC 8949). Decoding garbage throws only {@link CborError}.
 */
import { WattproofError } from '../errors.ts';

/**
 * Why a byte string was refused by {@link decodeCbor}:
 * - `TRUNCATED`: the input ends inside a data item (RFC 8949 §3).
 * - `LENGTH_EXCEEDS_INPUT`: a declared length or element count cannot fit in the bytes left.
 * - `TRAILING_BYTES`: bytes follow the single top-level data item.
 * - `NON_CANONICAL`: well-formed but not deterministically encoded (RFC 8949 §4.2.1): a longer
 *   argument than needed, a float not in its shortest exact width, a NaN other than `f97e00`,
 *   or map keys not in bytewise lexicographic order of their encodings.
 * - `INDEFINITE_LENGTH`: an indefinite-length item or a "break" stop code (RFC 8949 §3.2).
 * - `DUPLICATE_KEY`: the same map key twice (RFC 8949 §5.6).
 * - `TOO_DEEP`: arrays, maps and tags nested deeper than the limit.
 * - `INVALID_UTF8`: a text string that is not valid UTF-8 (RFC 8949 §3.1, major type 3).
 * - `RESERVED`: additional information 28–30 (RFC 8949 §3).
 * - `MALFORMED`: other not-well-formed input (additional information 31 on major types 0, 1, 6;
 *   a two-byte simple value below 32, RFC 8949 §3.3).
 * - `UNSUPPORTED`: well-formed but outside what this codec models (simple values other than
 *   false/true/null/undefined, map keys other than integers and text, tag numbers above
 *   2^53 − 1).
 */
export type CborErrorCode =
  | 'TRUNCATED'
  | 'LENGTH_EXCEEDS_INPUT'
  | 'TRAILING_BYTES'
  | 'NON_CANONICAL'
  | 'INDEFINITE_LENGTH'
  | 'DUPLICATE_KEY'
  | 'TOO_DEEP'
  | 'INVALID_UTF8'
  | 'RESERVED'
  | 'MALFORMED'
  | 'UNSUPPORTED';

/** A CBOR input was refused; `evidence.offset` is the byte offset of the offending item. */
export class CborError extends WattproofError<CborErrorCode> {}
