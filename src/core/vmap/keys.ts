/**
 * Keys of the verifiable map and their bits (MPT format, torchwood `mpt/tree.go`, § Tree Format).
 *
 * A key is 0 to {@link MAX_KEY_LEN} bytes. Where keys of different lengths meet, a key of L bytes
 * reads as if followed by one 0x00 byte at position L and 0xFF bytes at every position after
 * that ("padding"): two distinct keys then never share all their bits, even when one is a prefix
 * of the other. Bit 0 is the most significant bit of byte 0. Keys of one fixed length (ours are
 * 32-byte SHA-256 values, possibly with a short suffix) order and split exactly as plain bytes.
 */

/** Longest key the map stores (bytes). */
export const MAX_KEY_LEN = 1024;
/** Longest value the map stores (bytes). */
export const MAX_VALUE_LEN = 1024;
/**
 * One more than the largest bit index at which two padded keys of at most {@link MAX_KEY_LEN}
 * bytes can first differ: a key of 1024 bytes ending in 0x00 and its 1023-byte prefix first
 * differ at bit 8192, inside the padding.
 */
export const MAX_KEY_BITS = MAX_KEY_LEN * 8 + 1;

/** One key-value pair of the map. */
export interface MapEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** The byte at position `i` of `key` padded (0x00 at its length, 0xFF past it). */
export function paddedByte(key: Uint8Array, i: number): number {
  return i < key.length ? key[i]! : i === key.length ? 0x00 : 0xff;
}

/** Bit `n` (0 = most significant bit of byte 0) of `key` padded. */
export function keyBit(key: Uint8Array, n: number): 0 | 1 {
  const i = n >>> 3;
  if (i < key.length) return ((key[i]! >>> (7 - (n & 7))) & 1) as 0 | 1;
  return i === key.length ? 0 : 1;
}

/** Index of the first bit at which `a` and `b` differ once padded, or −1 if they are equal. */
export function firstDifferingBit(a: Uint8Array, b: Uint8Array): number {
  const short = a.length <= b.length ? a : b;
  const long = short === a ? b : a;
  const n = short.length;
  for (let i = 0; i < n; i++) {
    const x = short[i]! ^ long[i]!;
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  if (n === long.length) return -1;
  // Past the short key its padding runs 0x00 then 0xFF...; the long key's own padding starts
  // with 0x00 at its length, where the short key's padding is 0xFF: they differ there at latest.
  if (long[n] !== 0x00) return n * 8 + Math.clz32(long[n]!) - 24;
  for (let i = n + 1; i < long.length; i++) {
    const x = long[i]! ^ 0xff;
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return long.length * 8;
}

/** Order of `a` and `b` in the tree (their padded bits): negative, zero or positive. */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  const d = firstDifferingBit(a, b);
  return d < 0 ? 0 : keyBit(a, d) - keyBit(b, d);
}

/** True when `key`, padded, begins with the bytes of `prefix`. */
export function hasPrefix(key: Uint8Array, prefix: Uint8Array): boolean {
  for (let i = 0; i < prefix.length; i++) {
    if (paddedByte(key, i) !== prefix[i]) return false;
  }
  return true;
}
