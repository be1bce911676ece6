/**
 * Unix seconds as UTC date-time text, for every time a bundle can hold: its numbers go up to
 * 2^53 − 1 (docs/bundle.md §Schema), far beyond what `Date` can represent (±8.64 × 10^15 ms,
 * ECMA-262 §21.4.1.22), so the civil date is computed here in exact integer arithmetic.
 */

const DAY = 86_400n;
/** Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar. */
const EPOCH_SHIFT = 719_468n;
const ERA_DAYS = 146_097n;

function two(n: bigint): string {
  return n.toString().padStart(2, '0');
}

/**
 * `seconds` (a non-negative integer: Unix seconds, UTC) as `YYYY-MM-DDThh:mm:ssZ`: RFC 3339
 * §5.6 for years up to 9999, and after that the ISO 8601-1:2019 §4.3.2 expanded form, a `+`
 * sign and as many year digits as needed (`+285428751-11-12T07:36:31Z` is 2^53 − 1 s), since
 * RFC 3339 has four-digit years only. The proleptic Gregorian calendar, no leap seconds (as
 * Unix time). Days to civil date: H. Hinnant, "chrono-Compatible Low-Level Date Algorithms",
 * `civil_from_days`. Throws `RangeError` for a negative or fractional time.
 */
export function formatUtc(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0) {
    throw new RangeError(`formatUtc: ${seconds} is not a non-negative whole number of seconds`);
  }
  const s = BigInt(seconds);
  const z = s / DAY + EPOCH_SHIFT;
  const time = s % DAY;
  const era = z / ERA_DAYS;
  const doe = z - era * ERA_DAYS; // day of the 400-year era, [0, 146096]
  const yoe = (doe - doe / 1460n + doe / 36_524n - doe / 146_096n) / 365n; // [0, 399]
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n); // day of the March year, [0, 365]
  const mp = (5n * doy + 2n) / 153n; // month from March, [0, 11]
  const day = doy - (153n * mp + 2n) / 5n + 1n;
  const month = mp < 10n ? mp + 3n : mp - 9n;
  const year = yoe + era * 400n + (month <= 2n ? 1n : 0n);
  const y = year <= 9999n ? year.toString().padStart(4, '0') : `+${year}`;
  return `${y}-${two(month)}-${two(day)}T${two(time / 3600n)}:${two((time / 60n) % 60n)}:${two(time % 60n)}Z`;
}
