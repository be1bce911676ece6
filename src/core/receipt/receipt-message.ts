/**
 * The receipt message a node publishes on a meter's receipt topic after it commits one of the
 * meter's readings (docs/formats.md §Receipts): a deterministic CBOR map telling the meter where
 * its reading landed, with the salt it needs to recompute the public leaf from its own signed
 * bytes, and a COSE Receipt (RFC 9942) proving that leaf is in the log.
 *
 * | key | value |
 * |---|---|
 * | 1 | log origin (text) |
 * | 2 | meter id (text) |
 * | 3 | sequence number (uint) |
 * | 4 | leaf index (uint) |
 * | 5 | entry kind (uint, leaf byte 1) |
 * | 6 | salt (32 bytes) |
 * | 7 | COSE Receipt (bytes) |
 * | 8 | chain link (40 bytes), for a chained reading only (docs/log-format.md §Chained readings) |
 */
import { decodeCbor, encodeCborView, type CborValue } from '../cbor/index.ts';
import {
  CHAIN_LINK_SIZE,
  encodeLeaf,
  entryBytesOf,
  isChainedKind,
  SALT_SIZE,
  type EntryKind,
} from '../leaf/index.ts';
import { ReceiptError, verifyReceipt, type InclusionProof } from './receipt.ts';

/** The fields of a receipt message. */
export interface ReceiptMessage {
  readonly origin: string;
  readonly meterId: string;
  readonly sequence: number;
  readonly leafIndex: number;
  readonly kind: EntryKind;
  readonly salt: Uint8Array;
  readonly receipt: Uint8Array;
  /** The link a chained reading's entry bytes start with (absent for other kinds). */
  readonly link?: Uint8Array;
}

/** Encodes a receipt message. */
export function encodeReceiptMessage(m: ReceiptMessage): Uint8Array {
  return encodeCborView(
    new Map<number, CborValue>([
      [1, m.origin],
      [2, m.meterId],
      [3, m.sequence],
      [4, m.leafIndex],
      [5, m.kind],
      [6, m.salt],
      [7, m.receipt],
      ...(m.link === undefined ? [] : [[8, m.link] as [number, CborValue]]),
    ]),
  );
}

/** Decodes a receipt message; throws `MALFORMED_RECEIPT` for anything else. */
export function decodeReceiptMessage(bytes: Uint8Array): ReceiptMessage {
  let m: CborValue;
  try {
    m = decodeCbor(bytes);
  } catch (e) {
    throw new ReceiptError('MALFORMED_RECEIPT', 'receipt message is not CBOR', { cause: e });
  }
  if (!(m instanceof Map) || m.size < 7 || m.size > 8)
    throw new ReceiptError('MALFORMED_RECEIPT', 'receipt message is not a 7- or 8-field map');
  const [origin, meterId, sequence, leafIndex, kind, salt, receipt, link] = [
    1, 2, 3, 4, 5, 6, 7, 8,
  ].map((k) => m.get(k));
  if (
    typeof origin !== 'string' ||
    typeof meterId !== 'string' ||
    typeof sequence !== 'number' ||
    typeof leafIndex !== 'number' ||
    typeof kind !== 'number' ||
    !(salt instanceof Uint8Array) ||
    salt.length !== SALT_SIZE ||
    !(receipt instanceof Uint8Array) ||
    (isChainedKind(kind)
      ? !(link instanceof Uint8Array) || link.length !== CHAIN_LINK_SIZE
      : link !== undefined || m.size !== 7)
  ) {
    throw new ReceiptError('MALFORMED_RECEIPT', 'receipt message fields have the wrong types');
  }
  return {
    origin,
    meterId,
    sequence,
    leafIndex,
    kind: kind as EntryKind,
    salt,
    receipt,
    ...(link instanceof Uint8Array ? { link } : {}),
  };
}

/**
 * What a meter does with a receipt: recomputes the leaf from its own signed reading bytes and
 * the salt, and verifies the COSE Receipt against the log key it trusts. Returns the message
 * and the proof; throws if anything does not hold.
 */
export function verifyReceiptMessage(
  bytes: Uint8Array,
  signedReading: Uint8Array,
  logVkey: string,
): { message: ReceiptMessage; proof: InclusionProof } {
  const message = decodeReceiptMessage(bytes);
  const leaf = encodeLeaf(
    message.kind,
    message.salt,
    entryBytesOf(message.kind, signedReading, message.link),
  );
  const proof = verifyReceipt(message.receipt, leaf, logVkey);
  if (proof.leafIndex !== message.leafIndex) {
    throw new ReceiptError(
      'MALFORMED_RECEIPT',
      'the receipt proves another leaf index than the message states',
    );
  }
  return { message, proof };
}
