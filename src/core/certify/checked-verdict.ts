/**
 * The only input the figures rest on: a valid verdict of `verifyBundle`, its readings
 * re-checked for the shape a verified reading always has and for the one timeline per meter
 * and channel the verifier enforces (a hand-made verdict is refused, never trusted), and the
 * bundle's SHA-256.
 */
import {
  findTimelineBreak,
  formatUtc,
  type Verdict,
  type VerifiedReading,
} from '../bundle/index.ts';
import { CertifyError } from './errors.ts';
import type { TrustMode } from './types.ts';

/** A valid verdict. */
export type ValidVerdict = Extract<Verdict, { valid: true }>;

/** What the figures use of one register channel of a verified reading. */
export interface CertifiedChannel {
  /** OBIS code of the register. */
  readonly obis: string;
  readonly intervalStart: number;
  readonly intervalEnd: number;
  readonly registerMilliWh: number;
  readonly energyMilliWh: bigint;
}

/** What the figures use of a verified reading. */
export interface CertifiedReading {
  readonly index: number;
  readonly meterId: string;
  /** Its register channels, one per OBIS code, each on the meter's timeline for that code. */
  readonly channels: readonly CertifiedChannel[];
  readonly trustMode: TrustMode;
}

/**
 * The checked verdict: meters in request order, readings in index order, and per meter and
 * channel a timeline without overlaps whose registers agree with the interval energies.
 */
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

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function checkChannel(c: unknown, at: string): CertifiedChannel {
  if (typeof c !== 'object' || c === null) invalid(`${at}: a channel is not an object`);
  const ch = c as Partial<Record<keyof CertifiedChannel, unknown>>;
  if (typeof ch.obis !== 'string') invalid(`${at}: a channel has no OBIS register`);
  const { intervalStart: start, intervalEnd: end } = ch;
  if (!isCount(start) || !isCount(end) || end <= start) {
    invalid(`${at}: the interval of ${ch.obis} is not [start, end) in Unix seconds`);
  }
  if (!isCount(ch.registerMilliWh)) {
    invalid(`${at}: the register of ${ch.obis} is not a non-negative milli-Wh count`);
  }
  if (!isCount(ch.energyMilliWh)) {
    invalid(`${at}: the energy of ${ch.obis} is not a non-negative milli-Wh count`);
  }
  return {
    obis: ch.obis,
    intervalStart: start,
    intervalEnd: end,
    registerMilliWh: ch.registerMilliWh,
    energyMilliWh: BigInt(ch.energyMilliWh),
  };
}

function checkReading(r: VerifiedReading, meters: ReadonlySet<string>): CertifiedReading {
  if (typeof r !== 'object' || r === null) invalid('a reading is not an object');
  const at = `reading at entry ${String(r.index)}`;
  if (!isCount(r.index)) invalid('a reading has no valid leaf index');
  if (typeof r.meterId !== 'string' || !meters.has(r.meterId)) {
    invalid(`${at}: meter ${String(r.meterId)} is not one of the verdict's meters`);
  }
  if (!Array.isArray(r.channels)) invalid(`${at}: no list of register channels`);
  const channels = r.channels.map((c) => checkChannel(c, at));
  if (new Set(channels.map((c) => c.obis)).size !== channels.length) {
    invalid(`${at}: two channels of one OBIS register`);
  }
  if (r.trustMode !== 'device' && r.trustMode !== 'platform') invalid(`${at}: no trust mode`);
  return { index: r.index, meterId: r.meterId, channels, trustMode: r.trustMode };
}

/**
 * Energy counted once: the verifier refuses a bundle whose readings overlap on a meter's
 * channel or whose registers and energies disagree, so a verdict that holds such readings was
 * made by hand. Refused with the bundle verifier's own rule and code (docs/bundle.md step 9).
 */
function checkTimeline(readings: readonly CertifiedReading[]): void {
  const b = findTimelineBreak(
    readings.map((r) => ({
      index: r.index,
      meterId: r.meterId,
      channels: r.channels.map((c) => ({ ...c, energyMilliWh: Number(c.energyMilliWh) })),
    })),
  );
  if (b === undefined) return;
  throw new CertifyError(b.code, `reading at entry ${b.index}: ${b.message}`, {
    evidence: { meter: b.meterId, obis: b.obis, entries: [b.previous, b.next] },
  });
}

/**
 * Checks that `verdict` is a valid verdict of `verifyBundle` and takes its meters (from the
 * summary the verifier recomputed, in request order), readings and erased indices. Throws
 * {@link CertifyError} `INVALID_VERDICT` for a refused or malformed verdict, and the timeline
 * codes `INTERVAL_OVERLAP`, `REGISTER_BACKWARDS`, `REGISTER_MISMATCH`,
 * `ENERGY_EXCEEDS_REGISTER` for readings no verified bundle holds (two of one meter and
 * channel that overlap, registers that disagree with energies): figures come only from a
 * timeline that counts each Wh once.
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
  if (!isCount(period?.from) || !isCount(period.to) || period.to < period.from) {
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
  checkTimeline(readings);
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

/**
 * Unix seconds as an RFC 3339 §5.6 UTC date-time with whole seconds (`2026-01-01T10:00:00Z`);
 * after year 9999, which RFC 3339 cannot write, the ISO 8601 expanded form the core's
 * `formatUtc` gives (`+285428751-11-12T07:36:31Z` for 2^53 − 1), so that every period a
 * bundle can name has a date.
 */
export function rfc3339(seconds: number): string {
  return formatUtc(seconds);
}
