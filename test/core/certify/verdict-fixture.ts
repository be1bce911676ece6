/**
 * Hand-made valid verdicts, as `verifyBundle` returns them, with readings chosen for exact
 * figures: the summary is recomputed by the core's own `computeSummary`, as the verifier does.
 */
import {
  computeSummary,
  type Verdict,
  type VerifiedReading,
} from '../../../src/core/bundle/index.ts';

/** 2026-01-01T00:00:00Z. */
export const T0 = 1_767_225_600;
export const HOUR = 3600;
export const EXPORT = '1-0:2.8.0';
export const IMPORT = '1-0:1.8.0';
/** A made-up evidence hash (64 hex digits). */
export const HASH = 'ab'.repeat(32);

/** A reading with sensible defaults; `index` orders it in the log. */
export function reading(
  index: number,
  r: Partial<VerifiedReading> & { start: number; end: number; milliWh: number },
): VerifiedReading {
  return {
    index,
    signerId: r.signerId ?? 'dev-a',
    meterId: r.meterId ?? 'meter-a',
    sequence: r.sequence ?? index,
    sequenceScope: '',
    intervalStart: r.start,
    intervalEnd: r.end,
    obis: r.obis ?? EXPORT,
    energyMilliWh: r.milliWh,
    trustMode: r.trustMode ?? 'device',
  };
}

/** A valid verdict of `meters` over [from, to) holding `readings` (index order) and `erased`. */
export function validVerdict(
  readings: readonly VerifiedReading[],
  options: { meters?: string[]; from?: number; to?: number; erased?: number[] } = {},
): Extract<Verdict, { valid: true }> {
  const request = {
    meters: options.meters ?? ['meter-a'],
    from: options.from ?? T0,
    to: options.to ?? T0 + 24 * HOUR,
  };
  const erased = options.erased ?? [];
  return {
    valid: true,
    origin: 'wattproof.test/certify',
    treeSize: 1000,
    root: 'A'.repeat(43) + '=',
    witnesses: [],
    readings,
    erased,
    summary: computeSummary(request, readings, erased.length),
  };
}
