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

/** Marks a register for {@link validVerdict} to fill in. */
const AUTO = -1;

/**
 * A reading of one channel with sensible defaults; `index` orders it in the log. Without
 * `register`, {@link validVerdict} gives it the register an honest meter would: the channel's
 * running sum of energies.
 */
export function reading(
  index: number,
  r: Partial<Omit<VerifiedReading, 'channels'>> & {
    start: number;
    end: number;
    milliWh: number;
    obis?: string;
    register?: number;
  },
): VerifiedReading {
  return {
    index,
    signerId: r.signerId ?? 'dev-a',
    meterId: r.meterId ?? 'meter-a',
    sequence: r.sequence ?? index,
    sequenceScope: '',
    intervalStart: r.start,
    intervalEnd: r.end,
    channels: [
      {
        obis: r.obis ?? EXPORT,
        intervalStart: r.start,
        intervalEnd: r.end,
        registerMilliWh: r.register ?? AUTO,
        energyMilliWh: r.milliWh,
      },
    ],
    trustMode: r.trustMode ?? 'device',
  };
}

/** The readings with each unset register the channel's running sum, in interval order. */
function withRegisters(readings: readonly VerifiedReading[]): VerifiedReading[] {
  const order = readings
    .flatMap((r, i) => r.channels.map((c, j) => ({ r, i, j, c })))
    .sort((a, b) => a.c.intervalStart - b.c.intervalStart || a.r.index - b.r.index);
  const sums = new Map<string, number>();
  const out = readings.map((r) => ({ ...r, channels: [...r.channels] }));
  for (const { r, i, j, c } of order) {
    const key = `${r.meterId}\u0000${c.obis}`;
    const sum = (sums.get(key) ?? 1_000_000) + c.energyMilliWh;
    sums.set(key, sum);
    if (c.registerMilliWh === AUTO) out[i]!.channels[j] = { ...c, registerMilliWh: sum };
  }
  return out;
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
  readings = withRegisters(readings);
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
