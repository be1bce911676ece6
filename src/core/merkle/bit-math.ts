/**
 * Bit arithmetic on non-negative safe integers (up to 2^53 − 1). JavaScript bit operators work
 * on 32 bits only, so these split a number into its high and low 32-bit halves.
 */

const TWO_32 = 2 ** 32;

function hi(n: number): number {
  return Math.floor(n / TWO_32);
}

function lo(n: number): number {
  return n >>> 0;
}

/** Number of bits needed to write `n` (0 for 0), like Go's `bits.Len64`. */
export function bitLength(n: number): number {
  const h = hi(n);
  return h > 0 ? 64 - Math.clz32(h) : 32 - Math.clz32(lo(n));
}

/** Number of trailing zero bits of `n` (64 for 0), like Go's `bits.TrailingZeros64`. */
export function trailingZeros(n: number): number {
  const l = lo(n);
  if (l !== 0) return 31 - Math.clz32(l & -l);
  const h = hi(n);
  if (h !== 0) return 32 + 31 - Math.clz32(h & -h);
  return 64;
}

function popcount32(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Number of one bits of `n`. */
export function popcount(n: number): number {
  return popcount32(lo(n)) + popcount32(hi(n));
}

/** `a XOR b` for non-negative safe integers. */
export function xor(a: number, b: number): number {
  return ((hi(a) ^ hi(b)) >>> 0) * TWO_32 + ((lo(a) ^ lo(b)) >>> 0);
}

/** `n >> k` (floor division by 2^k). */
export function shiftRight(n: number, k: number): number {
  return Math.floor(n / 2 ** k);
}

/** True when `n` is a power of two (1, 2, 4, …). */
export function isPowerOfTwo(n: number): boolean {
  return n > 0 && popcount(n) === 1;
}
