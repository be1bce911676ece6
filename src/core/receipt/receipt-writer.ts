/**
 * The receipt message of one reading written in one pass (a node publishes one per reading):
 * the same deterministic CBOR bytes as {@link encodeReceiptMessage} of {@link encodeReceipt}
 * (RFC 8949 §4.2.1: shortest heads, definite lengths, map keys in order), sized first and written
 * into a single buffer, with no intermediate maps, arrays or encodings.
 */
import { COSE_SIGN1_TAG } from '../cose/index.ts';
import { utf8 } from '../bytes.ts';
import { ReceiptLabel } from './receipt.ts';
import type { ReceiptMessage } from './receipt-message.ts';

/** A receipt message's fields, with the parts of its COSE Receipt instead of the receipt. */
export interface ReceiptMessageParts extends Omit<ReceiptMessage, 'receipt'> {
  /** The log's receipt protected header (`receiptProtectedHeader`). */
  readonly protectedHeader: Uint8Array;
  /** The log's signature over the root of `treeSize` (`receiptToBeSigned`). */
  readonly signature: Uint8Array;
  readonly treeSize: number;
  /**
   * The RFC 9162 §2.1.3.1 inclusion proof of `leafIndex` in the tree of `treeSize`: its hashes,
   * or all of them in one array (32 bytes each, in proof order).
   */
  readonly path: readonly Uint8Array[] | Uint8Array;
}

/** Bytes of a CBOR head with argument `n` (RFC 8949 §3: shortest form). */
function headSize(n: number): number {
  return n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x100000000 ? 5 : 9;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

class Writer {
  private o = 0;
  constructor(readonly out: Uint8Array) {}

  head(major: number, n: number): void {
    const m = major << 5;
    const out = this.out;
    if (n < 24) out[this.o++] = m | n;
    else if (n < 0x100) {
      out[this.o++] = m | 24;
      out[this.o++] = n;
    } else if (n < 0x10000) {
      out[this.o++] = m | 25;
      out[this.o++] = n >>> 8;
      out[this.o++] = n & 0xff;
    } else if (n < 0x100000000) {
      out[this.o++] = m | 26;
      out[this.o++] = n >>> 24;
      out[this.o++] = (n >>> 16) & 0xff;
      out[this.o++] = (n >>> 8) & 0xff;
      out[this.o++] = n & 0xff;
    } else {
      out[this.o++] = m | 27;
      const hi = Math.floor(n / 2 ** 32);
      const lo = n >>> 0;
      for (const w of [hi, lo]) {
        out[this.o++] = w >>> 24;
        out[this.o++] = (w >>> 16) & 0xff;
        out[this.o++] = (w >>> 8) & 0xff;
        out[this.o++] = w & 0xff;
      }
    }
  }

  byte(b: number): void {
    this.out[this.o++] = b;
  }

  bytes(b: Uint8Array): void {
    this.head(2, b.length);
    this.out.set(b, this.o);
    this.o += b.length;
  }

  /** The byte string of `src[from, from + n)`, copied without a view. */
  bytesOf(src: Uint8Array, from: number, n: number): void {
    this.head(2, n);
    const out = this.out;
    for (let k = 0; k < n; k++) out[this.o + k] = src[from + k]!;
    this.o += n;
  }

  text(s: string, encoded: Uint8Array | undefined): void {
    if (encoded !== undefined) {
      this.head(3, encoded.length);
      this.out.set(encoded, this.o);
      this.o += encoded.length;
      return;
    }
    this.head(3, s.length);
    for (let i = 0; i < s.length; i++) this.out[this.o++] = s.charCodeAt(i);
  }

  get length(): number {
    return this.o;
  }
}

function uint(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new TypeError(`receipt: ${what} is not a uint`);
  return n;
}

/**
 * The receipt message of `p`, byte for byte `encodeReceiptMessage({ ...p, receipt:
 * encodeReceipt(p.protectedHeader, p.signature, { treeSize, leafIndex, path }) })`.
 */
export function writeReceiptMessage(p: ReceiptMessageParts): Uint8Array {
  const treeSize = uint(p.treeSize, 'tree size');
  const leafIndex = uint(p.leafIndex, 'leaf index');
  const sequence = uint(p.sequence, 'sequence');
  const kind = uint(p.kind, 'kind');
  const origin = isAscii(p.origin) ? undefined : utf8(p.origin);
  const meter = isAscii(p.meterId) ? undefined : utf8(p.meterId);
  const originLen = origin?.length ?? p.origin.length;
  const meterLen = meter?.length ?? p.meterId.length;

  // [tree-size, leaf-index, [+ hash]] (RFC 9942 §5.2)
  const flat = p.path instanceof Uint8Array ? p.path : undefined;
  if (flat !== undefined && flat.length % 32 !== 0) {
    throw new TypeError('receipt: a flat path is a whole number of 32-byte hashes');
  }
  const hashes = flat === undefined ? (p.path as readonly Uint8Array[]).length : flat.length / 32;
  let pathBytes = headSize(hashes);
  if (flat === undefined) {
    for (const h of p.path as readonly Uint8Array[]) pathBytes += headSize(h.length) + h.length;
  } else pathBytes += hashes * 34;
  const proofLen = 1 + headSize(treeSize) + headSize(leafIndex) + pathBytes;
  // 18([protected, {396: {-1: [proof]}}, null, signature]) (RFC 9052 §4.2, RFC 9942 §5.2)
  const receiptLen =
    headSize(COSE_SIGN1_TAG) +
    1 +
    headSize(p.protectedHeader.length) +
    p.protectedHeader.length +
    1 +
    headSize(ReceiptLabel.VDP) +
    1 +
    1 +
    1 +
    headSize(proofLen) +
    proofLen +
    1 +
    headSize(p.signature.length) +
    p.signature.length;
  const fields = p.link === undefined ? 7 : 8;
  const total =
    1 +
    (1 + headSize(originLen) + originLen) +
    (1 + headSize(meterLen) + meterLen) +
    (1 + headSize(sequence)) +
    (1 + headSize(leafIndex)) +
    (1 + headSize(kind)) +
    (1 + headSize(p.salt.length) + p.salt.length) +
    (1 + headSize(receiptLen) + receiptLen) +
    (p.link === undefined ? 0 : 1 + headSize(p.link.length) + p.link.length);

  const w = new Writer(new Uint8Array(total));
  w.head(5, fields);
  w.byte(1);
  w.text(p.origin, origin);
  w.byte(2);
  w.text(p.meterId, meter);
  w.byte(3);
  w.head(0, sequence);
  w.byte(4);
  w.head(0, leafIndex);
  w.byte(5);
  w.head(0, kind);
  w.byte(6);
  w.bytes(p.salt);
  w.byte(7);
  w.head(2, receiptLen);
  w.head(6, COSE_SIGN1_TAG);
  w.head(4, 4);
  w.bytes(p.protectedHeader);
  w.head(5, 1);
  w.head(0, ReceiptLabel.VDP);
  w.head(5, 1);
  w.head(1, -1 - ReceiptLabel.INCLUSION_PROOFS);
  w.head(4, 1);
  w.head(2, proofLen);
  w.head(4, 3);
  w.head(0, treeSize);
  w.head(0, leafIndex);
  w.head(4, hashes);
  if (flat === undefined) for (const h of p.path as readonly Uint8Array[]) w.bytes(h);
  else for (let i = 0; i < hashes; i++) w.bytesOf(flat, i * 32, 32);
  w.byte(0xf6);
  w.bytes(p.signature);
  if (p.link !== undefined) {
    w.byte(8);
    w.bytes(p.link);
  }
  if (w.length !== total) throw new Error(`receipt: wrote ${w.length} of ${total} bytes`);
  return w.out;
}
