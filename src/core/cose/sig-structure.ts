/**
 * The to-be-signed bytes of a COSE_Sign1 (RFC 9052 §4.4).
 */
import type { ByteSlab } from '../bytes.ts';

const EMPTY = new Uint8Array(0);

/** `84 6A "Signature1"`: an array of four items, then the context text string (RFC 8949 §3.1). */
const HEAD = Uint8Array.of(0x84, 0x6a, 0x53, 0x69, 0x67, 0x6e, 0x61, 0x74, 0x75, 0x72, 0x65, 0x31);

/** Length of the head of a byte string of `n` bytes, shortest form (RFC 8949 §4.2.1). */
function headLength(n: number): number {
  return n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x100000000 ? 5 : 9;
}

/** Writes a byte string (major type 2) of `b` at `o`; returns the offset after it. */
function writeBstr(out: Uint8Array, o: number, b: Uint8Array): number {
  const n = b.length;
  if (n < 24) {
    out[o++] = 0x40 | n;
  } else if (n < 0x100) {
    out[o++] = 0x58;
    out[o++] = n;
  } else if (n < 0x10000) {
    out[o++] = 0x59;
    out[o++] = n >>> 8;
    out[o++] = n & 0xff;
  } else if (n < 0x100000000) {
    out[o++] = 0x5a;
    out[o++] = n >>> 24;
    out[o++] = (n >>> 16) & 0xff;
    out[o++] = (n >>> 8) & 0xff;
    out[o++] = n & 0xff;
  } else {
    out[o++] = 0x5b;
    const hi = Math.floor(n / 2 ** 32);
    out[o++] = 0;
    out[o++] = 0;
    out[o++] = (hi >>> 8) & 0xff;
    out[o++] = hi & 0xff;
    out[o++] = n >>> 24;
    out[o++] = (n >>> 16) & 0xff;
    out[o++] = (n >>> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  out.set(b, o);
  return o + n;
}

/**
 * `Sig_structure = ["Signature1", body_protected, external_aad, payload]`, CBOR-encoded
 * (RFC 9052 §4.4) in the deterministic encoding (RFC 8949 §4.2.1; the same bytes as the core's
 * CBOR encoder gives, written directly). `protectedBytes` and `payload` must be the exact bytes
 * carried in the message — never a re-serialization. Signed readings use an empty
 * `external_aad`. With `slab`, the bytes are a view into it.
 */
export function sigStructure1(
  protectedBytes: Uint8Array,
  payload: Uint8Array,
  externalAad: Uint8Array = EMPTY,
  slab?: ByteSlab,
): Uint8Array {
  const parts = [protectedBytes, externalAad, payload];
  let n = HEAD.length;
  for (const p of parts) n += headLength(p.length) + p.length;
  const out = slab === undefined ? new Uint8Array(n) : slab.take(n);
  out.set(HEAD, 0);
  let o = HEAD.length;
  for (const p of parts) o = writeBstr(out, o, p);
  return out;
}
