/**
 * How much one evidence bundle may hold (docs/bundle.md §Limits), and the advice a refused
 * request gets on how to split itself so that each part fits.
 */
import { BundleBuildError } from './errors.ts';

/** The most one bundle may hold. */
export interface BundleLimits {
  /** Entries (readings, erased ones included) in `entries`. */
  readonly maxEntries: number;
  /** Bytes of the whole JSON document (UTF-8, before any gzip). */
  readonly maxBytes: number;
}

/**
 * The node's default limits: 50,000 entries (a year of 15-minute readings of one meter is
 * 35,040) and 32 MiB of JSON (that year is 13.8 MB; docs/bundle.md §Sizes).
 */
export const DEFAULT_BUNDLE_LIMITS: BundleLimits = Object.freeze({
  maxEntries: 50_000,
  maxBytes: 32 * 1024 * 1024,
});

/** No limits: what {@link BundleLimits} a library caller gets when it gives none. */
export const NO_BUNDLE_LIMITS: BundleLimits = Object.freeze({
  maxEntries: Number.POSITIVE_INFINITY,
  maxBytes: Number.POSITIVE_INFINITY,
});

/** Checks limits given by a caller: positive whole numbers (or +Infinity). */
export function checkBundleLimits(limits: BundleLimits): BundleLimits {
  for (const [name, v] of Object.entries(limits)) {
    if (!(v === Number.POSITIVE_INFINITY || (Number.isSafeInteger(v) && v > 0))) {
      throw new RangeError(`bundle limits: ${name} must be a positive whole number, got ${v}`);
    }
  }
  return limits;
}

/** What the index scan saw of one meter: entries in the period and their interval starts. */
export interface MeterTally {
  count: number;
  firstStart: number;
  lastStart: number;
}

/** What the refusal is based on. */
export interface TooLargeFacts {
  readonly limits: BundleLimits;
  /** Entries of the request (at least this many when `entriesAtLeast`). */
  readonly entries: number;
  readonly entriesAtLeast: boolean;
  /** Bytes the document would have (an estimate when the build stopped early), if known. */
  readonly bytes?: number;
  readonly perMeter: ReadonlyMap<string, MeterTally>;
}

const DAY = 86_400;

function isoMinute(unix: number): string {
  const d = new Date(unix * 1000);
  return Number.isNaN(d.getTime()) ? String(unix) : `${d.toISOString().slice(0, 16)}Z`;
}

/**
 * The `BUNDLE_TOO_LARGE` error for a request over `facts.limits`: how many entries (and bytes)
 * it would hold against the limits, into how many requests to split it at least, and how —
 * fewer meters at a time (with the largest meter's count) or shorter periods (the span of the
 * readings' interval starts and a period length that fits). The evidence carries the figures.
 */
export function bundleTooLarge(facts: TooLargeFacts): BundleBuildError {
  const { limits, entries, bytes } = facts;
  const byEntries = entries / limits.maxEntries;
  const byBytes = bytes === undefined ? 0 : bytes / limits.maxBytes;
  const parts = Math.max(2, Math.ceil(Math.max(byEntries, byBytes)));
  let largest: [string, MeterTally] | undefined;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const [m, t] of facts.perMeter) {
    if (largest === undefined || t.count > largest[1].count) largest = [m, t];
    if (t.count > 0) {
      first = Math.min(first, t.firstStart);
      last = Math.max(last, t.lastStart);
    }
  }
  const what = [
    `${entries}${facts.entriesAtLeast ? ' or more' : ''} entries (limit ${limits.maxEntries})`,
    ...(bytes === undefined ? [] : [`about ${bytes} bytes (limit ${limits.maxBytes})`]),
  ].join(' and ');
  const advice: string[] = [];
  if (facts.perMeter.size > 1 && largest !== undefined) {
    advice.push(
      `fewer meters at a time (${facts.perMeter.size} asked; the largest, ${largest[0]}, has ${largest[1].count})`,
    );
  }
  let periodSeconds: number | undefined;
  if (first <= last) {
    const span = Math.max(1, last - first + 1);
    periodSeconds = Math.max(1, Math.floor(span / parts));
    const days = periodSeconds / DAY;
    advice.push(
      `shorter periods (the interval starts run from ${isoMinute(first)} to ${isoMinute(last)}: ` +
        `periods of at most ${periodSeconds} s${days >= 1 ? ` (${Math.floor(days)} days)` : ''} each)`,
    );
  }
  return new BundleBuildError(
    'BUNDLE_TOO_LARGE',
    `the bundle would hold ${what}; split the request into at least ${parts}: ${advice.join(' or ')}`,
    {
      evidence: {
        entries,
        entriesAtLeast: facts.entriesAtLeast,
        ...(bytes === undefined ? {} : { bytes }),
        maxEntries: limits.maxEntries,
        maxBytes: limits.maxBytes,
        parts,
        ...(periodSeconds === undefined ? {} : { periodSeconds }),
        perMeter: Object.fromEntries([...facts.perMeter].map(([m, t]) => [m, t.count])),
      },
    },
  );
}
