/**
 * The UTC period blocks of an evidence bundle's index proofs (docs/index.md §Keys; docs/bundle.md
 * §Index): the whole hours of a request [from, to) split into the fewest UTC years, months, days
 * and hours, each of which is one key prefix of the readings family and so one prefix proof.
 */
import { LedgerIndexError } from './errors.ts';
import { utcHourOf, type UtcPeriod } from './keys.ts';

const HOUR = 3600;

function startOf(p: UtcPeriod): number {
  return Date.UTC(p.year, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0) / 1000;
}

function endOf(p: UtcPeriod): number {
  if (p.hour !== undefined) return startOf(p) + HOUR;
  if (p.day !== undefined) return Date.UTC(p.year, p.month! - 1, p.day + 1) / 1000;
  if (p.month !== undefined) return Date.UTC(p.year, p.month, 1) / 1000;
  return Date.UTC(p.year + 1, 0, 1) / 1000;
}

/** Start and end (exclusive) of a UTC period, Unix seconds. */
export function periodSpan(p: UtcPeriod): { readonly start: number; readonly end: number } {
  return { start: startOf(p), end: endOf(p) };
}

/**
 * The whole UTC hours of [from, to) as the fewest year, month, day and hour blocks, in order.
 * Hours only partly inside the request are left out (nothing is proven of them). Throws
 * `INVALID_KEY_PART` for times outside the years 1970–9999.
 */
export function periodBlocks(from: number, to: number): UtcPeriod[] {
  const out: UtcPeriod[] = [];
  let t = Math.ceil(from / HOUR) * HOUR;
  const end = Math.floor(to / HOUR) * HOUR;
  while (t < end) {
    const h = utcHourOf(t);
    const candidates: UtcPeriod[] = [
      { year: h.year },
      { year: h.year, month: h.month },
      { year: h.year, month: h.month, day: h.day },
      h,
    ];
    const block = candidates.find((p) => startOf(p) === t && endOf(p) <= end)!;
    out.push(block);
    t = endOf(block);
  }
  return out;
}

/** A period as `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or `YYYY-MM-DDTHH`. */
export function periodLabel(p: UtcPeriod): string {
  const two = (n: number) => String(n).padStart(2, '0');
  let s = String(p.year).padStart(4, '0');
  if (p.month !== undefined) s += `-${two(p.month)}`;
  if (p.day !== undefined) s += `-${two(p.day)}`;
  if (p.hour !== undefined) s += `T${two(p.hour)}`;
  return s;
}

/** Parses {@link periodLabel}'s form; throws `INVALID_KEY_PART` for anything else. */
export function parsePeriodLabel(s: string): UtcPeriod {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}))?)?)?$/.exec(s);
  if (m === null) {
    throw new LedgerIndexError('INVALID_KEY_PART', `period "${s}" is not YYYY[-MM[-DD[THH]]]`, {
      evidence: { field: 'period', value: s.slice(0, 32) },
    });
  }
  return {
    year: Number(m[1]),
    ...(m[2] === undefined ? {} : { month: Number(m[2]) }),
    ...(m[3] === undefined ? {} : { day: Number(m[3]) }),
    ...(m[4] === undefined ? {} : { hour: Number(m[4]) }),
  };
}
