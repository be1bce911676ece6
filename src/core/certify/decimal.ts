/**
 * Exact decimal arithmetic on scaled bigints for the carbon figures: no binary floating point
 * anywhere between the supplied factor text and the printed grams.
 */

/** Ten to the power `n`, as a bigint. */
export function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/**
 * Parses a non-negative decimal such as `"231"`, `"231.5"` or `"0.000125"` (at most
 * `maxInt` integer and `maxFrac` fraction digits, no sign, no exponent) into an integer scaled
 * by 10^`maxFrac`. Returns undefined for any other text.
 */
export function parseDecimal(text: string, maxInt: number, maxFrac: number): bigint | undefined {
  const m = new RegExp(`^([0-9]{1,${maxInt}})(?:\\.([0-9]{1,${maxFrac}}))?$`).exec(text);
  if (m === null) return undefined;
  const frac = (m[2] ?? '').padEnd(maxFrac, '0');
  return BigInt(m[1]!) * pow10(maxFrac) + BigInt(frac === '' ? '0' : frac);
}

/**
 * Formats a non-negative integer scaled by 10^`scale` as a plain decimal, exactly, without
 * trailing fraction zeros: (2315n, 1) → `"231.5"`, (2300n, 2) → `"23"`.
 */
export function formatScaled(value: bigint, scale: number): string {
  if (value < 0n) throw new RangeError('formatScaled: negative value');
  const unit = pow10(scale);
  const whole = value / unit;
  const frac = (value % unit).toString().padStart(scale, '0').replace(/0+$/, '');
  return frac === '' ? whole.toString() : `${whole}.${frac}`;
}

/** ⌈a / b⌉ for a ≥ 0, b > 0. */
export function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}
