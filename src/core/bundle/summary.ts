/**
 * The bundle summary (docs/bundle.md §Summary): per meter, energy per UTC hour, import and
 * export apart, totals, sequence and interval gaps, and counts by trust mode — computed from
 * verified readings only, with exact integer milli-Wh inside and Wh outside. The builder and
 * the verifier both call {@link computeSummary}, so an honest bundle's summary matches exactly.
 */
import { OBIS_ACTIVE_EXPORT, OBIS_ACTIVE_IMPORT, type ChannelFigures } from '../reading/index.ts';
import type { TrustMode } from '../registry/index.ts';
import type {
  BundleSummary,
  HourFigures,
  IntervalGap,
  MeterSummary,
  SequenceGap,
  TrustCounts,
} from './types.ts';

/** A verified reading, as the summary needs it. */
export interface SummaryReading {
  readonly meterId: string;
  readonly sequence: number;
  readonly sequenceScope: string;
  readonly intervalStart: number;
  readonly intervalEnd: number;
  /** Its register channels (one for a native reading; OCMF: one per energy register). */
  readonly channels: readonly ChannelFigures[];
  readonly trustMode: TrustMode;
}

const HOUR = 3600;

function wh(milli: number): number {
  return milli / 1000;
}

function sequenceGaps(rs: readonly SummaryReading[]): SequenceGap[] {
  const scopes = new Map<string, number[]>();
  for (const r of rs) {
    const list = scopes.get(r.sequenceScope) ?? [];
    list.push(r.sequence);
    scopes.set(r.sequenceScope, list);
  }
  const gaps: SequenceGap[] = [];
  for (const scope of [...scopes.keys()].sort()) {
    const seqs = scopes.get(scope)!.sort((a, b) => a - b);
    for (let i = 1; i < seqs.length; i++) {
      if (seqs[i]! > seqs[i - 1]! + 1) {
        gaps.push({ scope, from: seqs[i - 1]! + 1, to: seqs[i]! - 1 });
      }
    }
  }
  return gaps;
}

function intervalGaps(rs: readonly SummaryReading[], from: number, to: number): IntervalGap[] {
  const sorted = [...rs].sort((a, b) => a.intervalStart - b.intervalStart);
  const gaps: IntervalGap[] = [];
  let covered = from;
  for (const r of sorted) {
    if (r.intervalStart > covered) gaps.push({ from: covered, to: r.intervalStart });
    covered = Math.max(covered, r.intervalEnd);
  }
  if (covered < to) gaps.push({ from: covered, to });
  return gaps;
}

function meterSummary(
  meter: string,
  rs: readonly SummaryReading[],
  from: number,
  to: number,
): MeterSummary {
  let importMilli = 0;
  let exportMilli = 0;
  let other = 0;
  let long = 0;
  const trust = { device: 0, platform: 0 };
  const hours = new Map<number, { imp: number; exp: number }>();
  for (const r of rs) {
    trust[r.trustMode]++;
    for (const c of r.channels) {
      const isImport = c.obis === OBIS_ACTIVE_IMPORT;
      if (!isImport && c.obis !== OBIS_ACTIVE_EXPORT) {
        other++;
        continue;
      }
      if (isImport) importMilli += c.energyMilliWh;
      else exportMilli += c.energyMilliWh;
      if (c.intervalEnd - c.intervalStart > HOUR) {
        long++;
        continue;
      }
      // An interval of at most an hour counts in the UTC hour it starts in.
      const start = Math.floor(c.intervalStart / HOUR) * HOUR;
      const h = hours.get(start) ?? { imp: 0, exp: 0 };
      if (isImport) h.imp += c.energyMilliWh;
      else h.exp += c.energyMilliWh;
      hours.set(start, h);
    }
  }
  const hourList: HourFigures[] = [...hours.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([start, h]) => ({ start, importWh: wh(h.imp), exportWh: wh(h.exp) }));
  return {
    meter,
    readings: rs.length,
    trust,
    importWh: wh(importMilli),
    exportWh: wh(exportMilli),
    otherRegisterReadings: other,
    longIntervalReadings: long,
    hours: hourList,
    sequenceGaps: sequenceGaps(rs),
    intervalGaps: intervalGaps(rs, from, to),
  };
}

/**
 * Computes the summary of `readings` (verified, of the requested `meters`) over the period
 * [`from`, `to`), with `erased` erased readings. Meters appear in request order, each one
 * even without readings. Intervals longer than one hour count in the totals but in no hour.
 */
export function computeSummary(
  request: { readonly meters: readonly string[]; readonly from: number; readonly to: number },
  readings: readonly SummaryReading[],
  erased: number,
): BundleSummary {
  const byMeter = new Map<string, SummaryReading[]>(request.meters.map((m) => [m, []]));
  for (const r of readings) byMeter.get(r.meterId)?.push(r);
  const meters = request.meters.map((m) =>
    meterSummary(m, byMeter.get(m)!, request.from, request.to),
  );
  let importMilli = 0;
  let exportMilli = 0;
  const trust: { -readonly [K in keyof TrustCounts]: number } = { device: 0, platform: 0 };
  let count = 0;
  for (const m of meters) {
    importMilli += Math.round(m.importWh * 1000);
    exportMilli += Math.round(m.exportWh * 1000);
    trust.device += m.trust.device;
    trust.platform += m.trust.platform;
    count += m.readings;
  }
  return {
    period: { from: request.from, to: request.to },
    meters,
    totals: {
      readings: count,
      importWh: wh(importMilli),
      exportWh: wh(exportMilli),
      trust,
      erased,
    },
  };
}
