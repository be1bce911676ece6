/**
 * The only input the figures rest on: a valid verdict of `verifyBundle`, its readings
 * re-checked for the shape a verified reading always has (a hand-made verdict is refused,
 * never trusted), and the bundle's SHA-256.
 */
import type { Verdict, VerifiedReading } from '../bundle/index.ts';
import { CertifyError } from './errors.ts';
import type { TrustMode } from './types.ts';

/** A valid verdict. */
export type ValidVerdict = Extract<Verdict, { valid: true }>;

/** What the figures use of a verified reading. */
export interface CertifiedReading {
  readonly index: number;
  readonly meterId: string;
  readonly obis: string;
  readonly intervalStart: number;
  readonly intervalEnd: number;
  readonly energyMilliWh: bigint;
  readonly trustMode: TrustMode;
}

/** The checked verdict: meters in request order, readings in index order. */
export interface CheckedVerdict {
  readonly verdict: ValidVerdict;
  readonly meters: readonly string[];
  readonly readings: readonly CertifiedReading[];
  readonly erased: readonly number[];
  readonly period: { readonly from: number; readonly to: number };
}

function invalid(message: string): never {
  throw new CertifyError('INVALID_VERDICT', message);
}

/** 9999-12-31T23:59:59Z: RFC 3339 years have four digits. */
const MAX_TIME = 253_402_300_799;

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function isTime(n: unknown): n is number {
  return isCount(n) && n <= MAX_TIME;
}

function checkReading(r: VerifiedReading, meters: ReadonlySet<string>): CertifiedReading {
  if (typeof r !== 'object' || r === null) invalid('a reading is not an object');
  const at = `reading at entry ${String(r.index)}`;
  if (!isCount(r.index)) invalid('a reading has no valid leaf index');
  if (typeof r.meterId !== 'string' || !meters.has(r.meterId)) {
    invalid(`${at}: meter ${String(r.meterId)} is not one of the verdict's meters`);
  }
  if (typeof r.obis !== 'string') invalid(`${at}: no OBIS register`);
  if (!isTime(r.intervalStart) || !isTime(r.intervalEnd) || r.intervalEnd < r.intervalStart) {
    invalid(`${at}: the interval is not [start, end] in Unix seconds up to year 9999`);
  }
  if (!isCount(r.energyMilliWh)) invalid(`${at}: energy is not a non-negative milli-Wh count`);
  if (r.trustMode !== 'device' && r.trustMode !== 'platform') invalid(`${at}: no trust mode`);
  return {
    index: r.index,
    meterId: r.meterId,
    obis: r.obis,
    intervalStart: r.intervalStart,
    intervalEnd: r.intervalEnd,
    energyMilliWh: BigInt(r.energyMilliWh),
    trustMode: r.trustMode,
  };
}

/**
 * Checks that `verdict` is a valid verdict of `verifyBundle` and takes its meters (from the
 * summary the verifier recomputed, in request order), readings and erased indices. Throws
 * {@link CertifyError} `INVALID_VERDICT`.
 */
export function checkVerdict(verdict: Verdict): CheckedVerdict {
  if (typeof verdict !== 'object' || verdict === null) invalid('not a verdict');
  if (verdict.valid !== true) {
    const code = (verdict as { code?: unknown }).code;
    invalid(`the bundle was refused (${String(code)}): no figures come from it`);
  }
  if (
    typeof verdict.origin !== 'string' ||
    !isCount(verdict.treeSize) ||
    typeof verdict.root !== 'string' ||
    !Array.isArray(verdict.witnesses) ||
    !verdict.witnesses.every((w) => typeof w === 'string')
  ) {
    invalid('the verdict names no log, checkpoint or witness list');
  }
  const summary = verdict.summary as ValidVerdict['summary'] | undefined;
  if (!Array.isArray(summary?.meters) || !Array.isArray(verdict.readings)) {
    invalid('the verdict has no meters or readings');
  }
  if (!Array.isArray(verdict.erased) || !verdict.erased.every(isCount)) {
    invalid('the verdict has no list of erased entries');
  }
  const period = summary.period as { from: unknown; to: unknown } | undefined;
  if (!isTime(period?.from) || !isTime(period.to) || period.to < period.from) {
    invalid('the verdict has no period');
  }
  const meters = summary.meters.map((m) => m?.meter);
  if (!meters.every((m): m is string => typeof m === 'string')) invalid('a meter has no id');
  const set = new Set(meters);
  if (set.size !== meters.length) invalid('a meter is listed twice');
  const readings = verdict.readings.map((r) => checkReading(r, set));
  for (let i = 1; i < readings.length; i++) {
    if (readings[i]!.index <= readings[i - 1]!.index) invalid('readings are not in index order');
  }
  return {
    verdict,
    meters,
    readings,
    erased: verdict.erased,
    period: { from: period.from, to: period.to },
  };
}

/** Checks a SHA-256 given as lowercase hex; throws {@link CertifyError} `BAD_EVIDENCE_HASH`. */
export function checkEvidenceHash(hex: string): string {
  if (typeof hex !== 'string' || !/^[0-9a-f]{64}$/.test(hex)) {
    throw new CertifyError('BAD_EVIDENCE_HASH', 'the bundle hash must be 64 lowercase hex digits');
  }
  return hex;
}

/** A bigint figure as a number; throws {@link CertifyError} `FIGURE_TOO_LARGE` beyond 2^53 − 1. */
export function safeNumber(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new CertifyError('FIGURE_TOO_LARGE', `${what} is beyond 2^53 − 1`);
  }
  return Number(v);
}

/** Unix seconds as RFC 3339 §5.6 UTC date-time with whole seconds (`2026-01-01T10:00:00Z`). */
export function rfc3339(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}
