/**
 * Floating-point helpers for the deterministic encoding of RFC 8949 §4.2.1 (preferred
 * serialization, §4.2.2 for NaN): a float is written in the shortest of binary16, binary32 and
 * binary64 that represents it exactly, and every NaN is written as `f97e00`.
 */

/** IEEE 754 binary16 bits of `v` when `v` is exactly representable in half precision, else null. */
export function halfBitsIfExact(v: number): number | null {
  if (Number.isNaN(v)) return 0x7e00;
  if (v === Infinity) return 0x7c00;
  if (v === -Infinity) return 0xfc00;
  if (v === 0) return Object.is(v, -0) ? 0x8000 : 0x0000;
  const sign = v < 0 ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a < 2 ** -14) {
    // Subnormal: a = m · 2^-24 with 1 ≤ m ≤ 1023 (scaling by a power of two is exact).
    const m = a * 2 ** 24;
    return Number.isInteger(m) && m >= 1 && m <= 1023 ? sign | m : null;
  }
  let e = Math.floor(Math.log2(a));
  // Math.log2 may be off by one ulp near powers of two.
  while (2 ** e > a) e--;
  while (2 ** (e + 1) <= a) e++;
  if (e > 15) return null;
  const f = (a / 2 ** e - 1) * 1024;
  if (!Number.isInteger(f)) return null;
  return sign | ((e + 15) << 10) | f;
}

/** Value of IEEE 754 binary16 bits (RFC 8949 Appendix D). */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/**
 * The deterministic encoding of a float: initial byte `f9`/`fa`/`fb` and the big-endian
 * bits, in the shortest width that preserves the value exactly (RFC 8949 §4.2.1, §4.2.2).
 */
export function encodeFloatShortest(v: number): Uint8Array {
  const half = halfBitsIfExact(v);
  if (half !== null) return Uint8Array.of(0xf9, half >> 8, half & 0xff);
  if (Math.fround(v) === v) {
    const out = new Uint8Array(5);
    out[0] = 0xfa;
    new DataView(out.buffer).setFloat32(1, v);
    return out;
  }
  const out = new Uint8Array(9);
  out[0] = 0xfb;
  new DataView(out.buffer).setFloat64(1, v);
  return out;
}
