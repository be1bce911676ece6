/**
 * One timeline per meter and channel (DESIGN.md decision 14; docs/formats.md "Energy counted
 * once"): the rules between a channel's reading and the one before it on that channel. The
 * ingest node applies them to each reading against the channel's last accepted one; the bundle
 * verifier applies them to the readings of a bundle sorted by interval. Values are exact integer
 * milli-Wh and the tolerance is zero: a register and an interval energy agree to the milli-Wh.
 */

/** One register channel of a reading (one OBIS code): what the timeline rules look at. */
export interface ChannelFigures {
  /** OBIS code of the register, native spelling (e.g. `1-0:1.8.0`). */
  readonly obis: string;
  /** Interval start, Unix seconds, inclusive. */
  readonly intervalStart: number;
  /** Interval end, Unix seconds, exclusive; after the start. */
  readonly intervalEnd: number;
  /** Register value at the interval end, milli-Wh. */
  readonly registerMilliWh: number;
  /** Energy of the interval, milli-Wh. */
  readonly energyMilliWh: number;
}

/** Why a reading cannot follow the previous one of its channel. */
export const TIMELINE_CODES = [
  'INTERVAL_OVERLAP',
  'INTERVAL_OUT_OF_ORDER',
  'REGISTER_BACKWARDS',
  'REGISTER_MISMATCH',
  'ENERGY_EXCEEDS_REGISTER',
] as const;

/**
 * - `INTERVAL_OVERLAP`: its [start, end) overlaps the previous reading's.
 * - `INTERVAL_OUT_OF_ORDER`: it ends before the previous reading starts (a channel's timeline
 *   only moves forward; only the ingest node raises it).
 * - `REGISTER_BACKWARDS`: its register is below the previous reading's.
 * - `REGISTER_MISMATCH`: it directly follows (start = previous end) but register − previous
 *   register ≠ its energy.
 * - `ENERGY_EXCEEDS_REGISTER`: after a gap, its energy exceeds the register's progress.
 */
export type TimelineCode = (typeof TIMELINE_CODES)[number];

/** A broken timeline rule. */
export interface TimelineFault {
  readonly code: TimelineCode;
  readonly message: string;
}

function fault(code: TimelineCode, message: string): TimelineFault {
  return { code, message };
}

/**
 * The rule `next` breaks when it follows `prev` on the same meter and channel, or undefined.
 * Checked in this order: the intervals (overlap, then order), the register's direction, then
 * register against energy — exact equality where `next` starts at `prev`'s end, and energy at
 * most the register's progress after a gap.
 */
export function timelineFault(
  prev: Pick<ChannelFigures, 'intervalStart' | 'intervalEnd' | 'registerMilliWh'>,
  next: ChannelFigures,
): TimelineFault | undefined {
  if (next.intervalStart < prev.intervalEnd) {
    if (next.intervalEnd > prev.intervalStart) {
      return fault(
        'INTERVAL_OVERLAP',
        `[${next.intervalStart}, ${next.intervalEnd}) overlaps [${prev.intervalStart}, ${prev.intervalEnd}) of ${next.obis}`,
      );
    }
    return fault(
      'INTERVAL_OUT_OF_ORDER',
      `[${next.intervalStart}, ${next.intervalEnd}) lies before [${prev.intervalStart}, ${prev.intervalEnd}) of ${next.obis}`,
    );
  }
  const progress = next.registerMilliWh - prev.registerMilliWh;
  if (progress < 0) {
    return fault(
      'REGISTER_BACKWARDS',
      `register ${next.registerMilliWh} mWh below the previous ${prev.registerMilliWh} mWh (${next.obis})`,
    );
  }
  if (next.intervalStart === prev.intervalEnd) {
    if (progress !== next.energyMilliWh) {
      return fault(
        'REGISTER_MISMATCH',
        `register moved ${progress} mWh since the previous reading, the interval holds ${next.energyMilliWh} mWh (${next.obis})`,
      );
    }
  } else if (next.energyMilliWh > progress) {
    return fault(
      'ENERGY_EXCEEDS_REGISTER',
      `${next.energyMilliWh} mWh after a gap, the register moved only ${progress} mWh (${next.obis})`,
    );
  }
  return undefined;
}
