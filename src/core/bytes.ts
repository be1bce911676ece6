/**
 * Byte helpers for the pure core: `Uint8Array` only, never `Buffer`, so the same code runs in
 * Node and in a browser. Base64 is RFC 4648 §4 (standard alphabet, with padding), strict.
 */
import {
  bytesToHex as nobleBytesToHex,
  hexToBytes as nobleHexToBytes,
} from '@noble/hashes/utils.js';

const textEncoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** Lowercase hex of `b`. */
export function toHex(b: Uint8Array): string {
  return nobleBytesToHex(b);
}

/** Bytes of a hex string (even length, 0-9a-fA-F only). Throws `TypeError` otherwise. */
export function fromHex(hex: string): Uint8Array {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new TypeError('fromHex: expected an even-length hex string');
  }
  return nobleHexToBytes(hex);
}

/** UTF-8 bytes of `s`. */
export function utf8(s: string): Uint8Array {
  return textEncoder.encode(s);
}

/**
 * True when `s` contains an unpaired UTF-16 surrogate, i.e. has no UTF-8 encoding (RFC 3629
 * §3): `TextEncoder` would silently replace it with U+FFFD, changing the bytes a signature
 * covers.
 */
export function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d < 0xdc00 || d > 0xdfff) return true;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return true;
    }
  }
  return false;
}

/** Strict UTF-8 decode: throws `TypeError` on invalid sequences. */
export function fromUtf8(b: Uint8Array): string {
  return strictDecoder.decode(b);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** The value of every UTF-16 code unit as a base64 digit, −1 outside the alphabet. */
const B64_VALUE = (() => {
  const t = new Int8Array(65_536).fill(-1);
  for (let i = 0; i < B64.length; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

/** Standard base64 with padding (RFC 4648 §4). */
export function toBase64(b: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = b.length - i;
  if (rest === 1) {
    const n = b[i]! << 16;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8);
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + '=';
  }
  return out;
}

/**
 * Many small byte strings carved out of a few large buffers: each of a bundle's tens of
 * thousands of decoded fields would otherwise be an array with its own buffer. A slab's views
 * keep its whole buffer alive: for byte strings that live and die together.
 */
export class ByteSlab {
  #buffer = new Uint8Array(0);
  #used = 0;

  /** `size`: bytes per buffer; a request of more than a quarter of it gets its own array. */
  constructor(private readonly size = 1 << 20) {}

  /** `n` zero bytes, a view into the current buffer (or a new one). */
  take(n: number): Uint8Array {
    if (n > this.size >>> 2) return new Uint8Array(n);
    if (this.#used + n > this.#buffer.length) {
      this.#buffer = new Uint8Array(this.size);
      this.#used = 0;
    }
    const view = this.#buffer.subarray(this.#used, this.#used + n);
    this.#used += n;
    return view;
  }
}

/**
 * Strict standard base64 decode (RFC 4648 §4): padding required, no whitespace, and the unused
 * bits of the last character must be zero (RFC 4648 §3.5), so every byte string has exactly
 * one accepted encoding. Throws `TypeError` otherwise.
 */
export function fromBase64(s: string): Uint8Array {
  return decodeBase64(s, undefined);
}

/**
 * {@link fromBase64} into a view of `slab` (a refused string may leave unused bytes behind in
 * it).
 */
export function fromBase64Into(s: string, slab: ByteSlab): Uint8Array {
  return decodeBase64(s, slab);
}

function decodeBase64(s: string, slab: ByteSlab | undefined): Uint8Array {
  if (typeof s !== 'string' || s.length % 4 !== 0) {
    throw new TypeError('fromBase64: length is not a multiple of 4');
  }
  const len = s.length;
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const size = (len / 4) * 3 - pad;
  const out = slab === undefined ? new Uint8Array(size) : slab.take(size);
  if (len === 0) return out;
  const t = B64_VALUE;
  const full = len - 4; // every group but the last
  let o = 0;
  for (let i = 0; i < full; i += 4) {
    // Any character outside the alphabet is −1, which makes the group negative.
    const n =
      (t[s.charCodeAt(i)]! << 18) |
      (t[s.charCodeAt(i + 1)]! << 12) |
      (t[s.charCodeAt(i + 2)]! << 6) |
      t[s.charCodeAt(i + 3)]!;
    if (n < 0) throw new TypeError('fromBase64: invalid character');
    out[o] = n >> 16;
    out[o + 1] = (n >> 8) & 255;
    out[o + 2] = n & 255;
    o += 3;
  }
  // The last group: '=' only as padding, and the padding bits must be zero (RFC 4648 §3.5).
  const a = t[s.charCodeAt(full)]!;
  const b = t[s.charCodeAt(full + 1)]!;
  const c = pad === 2 ? 0 : t[s.charCodeAt(full + 2)]!;
  const d = pad >= 1 ? 0 : t[s.charCodeAt(full + 3)]!;
  if ((a | b | c | d) < 0) throw new TypeError('fromBase64: invalid character');
  const n = (a << 18) | (b << 12) | (c << 6) | d;
  out[o++] = n >> 16;
  if (pad === 2) {
    if ((n & 0xffff) !== 0) throw new TypeError('fromBase64: non-zero padding bits');
    return out;
  }
  out[o++] = (n >> 8) & 255;
  if (pad === 1) {
    if ((n & 0xff) !== 0) throw new TypeError('fromBase64: non-zero padding bits');
    return out;
  }
  out[o++] = n & 255;
  return out;
}

/** Concatenation of byte arrays. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Byte equality (not constant-time; for public data only). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** 8-byte big-endian encoding of a non-negative safe integer. */
export function u64be(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError('u64be: not a non-negative safe integer');
  const out = new Uint8Array(8);
  const hi = Math.floor(n / 2 ** 32);
  const lo = n >>> 0;
  out[0] = hi >>> 24;
  out[1] = (hi >>> 16) & 0xff;
  out[2] = (hi >>> 8) & 0xff;
  out[3] = hi & 0xff;
  out[4] = lo >>> 24;
  out[5] = (lo >>> 16) & 0xff;
  out[6] = (lo >>> 8) & 0xff;
  out[7] = lo & 0xff;
  return out;
}

/** Reads an 8-byte big-endian integer; throws `RangeError` above 2^53 - 1. */
export function readU64be(b: Uint8Array, offset = 0): number {
  if (offset < 0 || offset + 8 > b.length) throw new RangeError('readU64be: out of bounds');
  const view = new DataView(b.buffer, b.byteOffset + offset, 8);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  if (hi >= 2 ** 21) throw new RangeError('readU64be: value above 2^53 - 1');
  return hi * 2 ** 32 + lo;
}
