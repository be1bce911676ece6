/**
 * The data model of the strict CBOR codec (RFC 8949 §2): what {@link decodeCbor} returns and
 * what {@link encodeCbor} accepts.
 */

/**
 * A tagged data item (RFC 8949 §3.4, major type 6). Tag contents are not interpreted: a tag 2
 * bignum stays a `CborTag` around its byte string.
 */
export class CborTag {
  /** Tag number, 0 ≤ tag ≤ 2^53 − 1. */
  readonly tag: number;
  /** Tag content. */
  readonly value: CborValue;

  constructor(tag: number, value: CborValue) {
    if (!Number.isSafeInteger(tag) || tag < 0) {
      throw new RangeError('CborTag: tag must be a non-negative safe integer');
    }
    this.tag = tag;
    this.value = value;
  }
}

/**
 * A floating-point number (RFC 8949 §3.3, major type 7, additional information 25–27).
 *
 * Floats are kept apart from integers on purpose: a decoded `1.0` is a `CborFloat`, never the
 * number `1`, so that a consumer that wants integers (a meter reading) can refuse floats,
 * NaN and infinities by type alone.
 */
export class CborFloat {
  /** The value, which may be NaN, ±Infinity or −0. */
  readonly value: number;

  constructor(value: number) {
    if (typeof value !== 'number') throw new TypeError('CborFloat: value must be a number');
    this.value = value;
  }
}

/** A map key this codec supports: an integer (major types 0/1) or a text string. */
export type CborKey = number | string;

/** A CBOR map (RFC 8949 §3.1, major type 5). */
export type CborMap = Map<CborKey, CborValue>;

/**
 * Any supported data item. Integers are `number` when in the safe range (|n| ≤ 2^53 − 1) and
 * `bigint` otherwise (down to −2^64, up to 2^64 − 1).
 */
export type CborValue =
  | number
  | bigint
  | string
  | Uint8Array
  | boolean
  | null
  | undefined
  | CborValue[]
  | CborMap
  | CborTag
  | CborFloat;
