/**
 * Hourly granular certificate records in the EnergyTag manner (EnergyTag Granular Certificate
 * Scheme Standard v2: a production interval of at most one hour, volume in whole Wh rounded
 * down): one record per meter, direction and UTC hour with at least 1 Wh.
 */
import { OBIS_ACTIVE_EXPORT, OBIS_ACTIVE_IMPORT } from '../reading/index.ts';
import { rfc3339, safeNumber, type CheckedVerdict } from './checked-verdict.ts';
import type { Direction, ExcludedReading, GranularCertificateRecord, TrustMode } from './types.ts';

const HOUR = 3600;

/** The direction an OBIS register stands for, or undefined for any other register. */
export function directionOf(obis: string): Direction | undefined {
  if (obis === OBIS_ACTIVE_EXPORT) return 'production';
  if (obis === OBIS_ACTIVE_IMPORT) return 'consumption';
  return undefined;
}

interface Bucket {
  readonly meterId: string;
  readonly direction: Direction;
  readonly register: string;
  readonly hour: number;
  milliWh: bigint;
  readonly trust: Set<TrustMode>;
  readonly entries: number[];
}

/**
 * Sums the channels of the verified readings of `v` into records per meter, direction and UTC
 * hour [H, H + 1 h). A channel counts in an hour only when its whole interval lies inside it;
 * channels longer than an hour, channels that cross an hour boundary, channels of another
 * register and erased readings are listed in `excluded` instead. The checked verdict holds one
 * timeline per meter and channel without overlaps, so no Wh counts twice. The volume is the
 * exact milli-Wh sum of the hour rounded down to whole Wh; hours below 1 Wh give no record.
 * Records come in request order of meters, then by hour, production before consumption.
 */
export function granularRecords(
  v: CheckedVerdict,
  evidenceSha256: string,
): { records: GranularCertificateRecord[]; excluded: ExcludedReading[] } {
  const buckets = new Map<string, Bucket>();
  const excluded: ExcludedReading[] = v.erased.map((entry) => ({
    entry,
    deviceId: null,
    register: null,
    reason: 'ERASED',
    detail: 'erased reading: its figures are gone',
  }));
  for (const r of v.readings) {
    for (const c of r.channels) {
      const direction = directionOf(c.obis);
      const exclude = (reason: ExcludedReading['reason'], detail: string): void => {
        excluded.push({ entry: r.index, deviceId: r.meterId, register: c.obis, reason, detail });
      };
      if (direction === undefined) {
        exclude('OTHER_REGISTER', `register ${c.obis} is neither 1-0:2.8.0 nor 1-0:1.8.0`);
        continue;
      }
      const length = c.intervalEnd - c.intervalStart;
      if (length > HOUR) {
        exclude('LONGER_THAN_AN_HOUR', `interval of ${length} s is longer than one hour`);
        continue;
      }
      const hour = Math.floor(c.intervalStart / HOUR) * HOUR;
      if (c.intervalEnd > hour + HOUR) {
        exclude(
          'CROSSES_HOUR_BOUNDARY',
          `interval ${rfc3339(c.intervalStart)} .. ${rfc3339(c.intervalEnd)} crosses ${rfc3339(hour + HOUR)}`,
        );
        continue;
      }
      const key = `${r.meterId}\u0000${direction}\u0000${hour}`;
      let b = buckets.get(key);
      if (b === undefined) {
        b = {
          meterId: r.meterId,
          direction,
          register: c.obis,
          hour,
          milliWh: 0n,
          trust: new Set(),
          entries: [],
        };
        buckets.set(key, b);
      }
      b.milliWh += c.energyMilliWh;
      b.trust.add(r.trustMode);
      b.entries.push(r.index);
    }
  }
  const meterOrder = new Map(v.meters.map((m, i) => [m, i]));
  const sorted = [...buckets.values()].sort(
    (a, b) =>
      meterOrder.get(a.meterId)! - meterOrder.get(b.meterId)! ||
      a.hour - b.hour ||
      (a.direction === b.direction ? 0 : a.direction === 'production' ? -1 : 1),
  );
  const records: GranularCertificateRecord[] = [];
  for (const b of sorted) {
    const wh = b.milliWh / 1000n; // rounds down: bigint division truncates, and the sum is ≥ 0
    if (wh < 1n) continue;
    records.push({
      energyCarrier: 'electricity',
      deviceId: b.meterId,
      direction: b.direction,
      register: b.register,
      productionStartingInterval: rfc3339(b.hour),
      productionEndingInterval: rfc3339(b.hour + HOUR),
      faceValue: 1,
      bundleQuantity: safeNumber(wh, `the energy of ${b.meterId} in hour ${rfc3339(b.hour)}`),
      trustModes: [...b.trust].sort(),
      entries: b.entries,
      evidenceSha256,
    });
  }
  // By leaf index; a reading's channels keep their order (import before export).
  excluded.sort((a, b) => a.entry - b.entry);
  return { records, excluded };
}
