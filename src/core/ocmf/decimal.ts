/**
 * Exact decimal values for OCMF readings (OCMF Table 7, RV and CL) and their conversion to
 * whole milli-watt-hours, with bigint arithmetic on the original text: never a double.
 */
import { OcmfError } from './errors.ts';

/**
 * A non-negative decimal `coefficient × 10^exponent`, exactly as written in the record.
 * `text` is the source text (a JSON number literal, or a string value as received).
 */
export interface OcmfDecimal {
  /** The value as it appeared in the payload (a JSON string keeps its padding). */
  readonly text: string;
  /** Digits of the value without the decimal point (leading zeros dropped). */
  readonly coefficient: bigint;
  /** Power of ten applied to `coefficient`. */
  readonly exponent: number;
}

/** Energy units of OCMF Table 20 that convert to watt-hours. */
export type OcmfEnergyUnit = 'kWh' | 'Wh';

/** Largest register value accepted, in milli-Wh: 2^63 − 1 (about 9.2 × 10^9 MWh). */
export const MAX_MILLI_WH = 2n ** 63n - 1n;

/** Most digits accepted in a value's coefficient (integer and fraction parts together). */
const MAX_DIGITS = 40;
/** Largest absolute exponent accepted before range checks (keeps bigint work bounded). */
const MAX_EXPONENT = 400;

// JSON number grammar (RFC 8259 §6) for number tokens; for strings, OCMF devices pad with
// spaces and may zero-pad, so leading zeros are allowed there.
const NUMBER_GRAMMAR = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/;
const STRING_GRAMMAR = /^ *(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))? *$/;

function invalid(field: string, text: string, why: string): OcmfError {
  return new OcmfError('INVALID_VALUE', `${field}: ${why}: ${JSON.stringify(text)}`, {
    evidence: { field, value: text },
  });
}

/**
 * Parses an OCMF numeric value exactly. `kind` says whether it was a JSON number (RFC 8259 §6
 * grammar) or a JSON string (optional space padding on either side, leading zeros allowed,
 * e.g. `"       9.038"`). Negative values, NaN/Infinity spellings, more than 40 digits or an
 * exponent beyond ±400 are rejected with {@link OcmfError} `INVALID_VALUE`; `field` names the
 * field in the error.
 */
export function parseOcmfDecimal(
  text: string,
  kind: 'number' | 'string',
  field: string,
): OcmfDecimal {
  const m = (kind === 'number' ? NUMBER_GRAMMAR : STRING_GRAMMAR).exec(text);
  if (m === null) throw invalid(field, text, 'not a decimal number');
  const [, sign, intPart = '', fracPart = '', expPart] = m;
  if (sign === '-') throw invalid(field, text, 'negative value');
  const digits = (intPart + fracPart).replace(/^0+(?=.)/, '');
  if (digits.length > MAX_DIGITS) throw invalid(field, text, 'too many digits');
  let exp = 0;
  if (expPart !== undefined) {
    const expDigits = expPart.replace(/^[+-]?0*/, '');
    if (expDigits.length > 4) throw invalid(field, text, 'exponent out of range');
    exp = Number(expDigits === '' ? '0' : expDigits) * (expPart.startsWith('-') ? -1 : 1);
  }
  exp -= fracPart.length;
  if (Math.abs(exp) > MAX_EXPONENT) throw invalid(field, text, 'exponent out of range');
  const coefficient = BigInt(digits);
  return { text, coefficient, exponent: coefficient === 0n ? 0 : exp };
}

/**
 * How {@link toMilliWh} treats a value finer than 1 mWh: `exact` rejects it, `floor` truncates
 * it to whole mWh (the value is non-negative, so this rounds towards zero).
 */
export type MilliWhRounding = 'exact' | 'floor';

/**
 * The value in whole milli-watt-hours (1 kWh = 10^6 mWh, 1 Wh = 10^3 mWh), computed exactly.
 * A value finer than 1 mWh (for kWh, more than six significant decimals; for Wh, more than
 * three) is rejected with {@link OcmfError} `INVALID_VALUE` under `exact` (the default) and
 * truncated to whole mWh under `floor`; trailing zeros are fine either way (`1.0000000` kWh).
 * A value above {@link MAX_MILLI_WH} is always rejected (`INVALID_VALUE`).
 */
export function toMilliWh(
  value: OcmfDecimal,
  unit: OcmfEnergyUnit,
  field: string,
  rounding: MilliWhRounding = 'exact',
): bigint {
  if (value.coefficient === 0n) return 0n;
  const shift = value.exponent + (unit === 'kWh' ? 6 : 3);
  let mwh: bigint;
  if (shift >= 0) {
    // coefficient ≥ 1, so 10^shift alone bounds the result from below.
    if (shift > 19) throw invalid(field, value.text, 'value out of range');
    mwh = value.coefficient * 10n ** BigInt(shift);
  } else {
    const div = 10n ** BigInt(-shift);
    if (rounding === 'exact' && value.coefficient % div !== 0n) {
      throw invalid(field, value.text, `${unit} value finer than 1 mWh`);
    }
    mwh = value.coefficient / div;
  }
  if (mwh > MAX_MILLI_WH) throw invalid(field, value.text, 'value out of range');
  return mwh;
}

/** `milliWh / 1000` when it is a whole number of watt-hours, else `null`. */
export function wholeWh(milliWh: bigint): bigint | null {
  return milliWh % 1000n === 0n ? milliWh / 1000n : null;
}

/**
 * The canonical decimal text of a value (no padding, no exponent, no superfluous zeros),
 * e.g. `0.2597` for `2.597E-1`. For display and comparison, not for signing.
 */
export function decimalToString(value: OcmfDecimal): string {
  const digits = value.coefficient.toString();
  if (value.exponent >= 0)
    return value.coefficient === 0n ? '0' : digits + '0'.repeat(value.exponent);
  const scale = -value.exponent;
  const padded = digits.padStart(scale + 1, '0');
  const int = padded.slice(0, padded.length - scale);
  const frac = padded.slice(padded.length - scale).replace(/0+$/, '');
  return frac === '' ? int : `${int}.${frac}`;
}
