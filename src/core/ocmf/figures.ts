/**
 * What an OCMF record says as ledger readings (docs/ocmf.md, "Mapping a record to ledger
 * readings"): the meter, the pagination counter, and one channel per meter register the record
 * reads at two different times (the total import `1-0:1.8.0`, total export `1-0:2.8.0`, and
 * each tariff register `1-0:1.8.<E>` / `1-0:2.8.<E>`), each with its own interval and exact
 * milli-Wh. The ingest node and the bundle verifier both take a record's figures from here, so
 * they agree.
 */
import { isValidMeterId } from '../reading/index.ts';
import { QualityFlag } from '../reading/index.ts';
import type { ChannelFigures } from '../reading/index.ts';
import { OcmfError } from './errors.ts';
import { invalidField as invalid } from './fields.ts';
import type { OcmfReading } from './payload.ts';
import type { OcmfRecord } from './parse.ts';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A record's figures. */
export interface OcmfFigures {
  /** `MS`, else `GS`: the meter and the signer id. */
  readonly meterId: string;
  /** PG number. */
  readonly sequence: number;
  /** PG kind: `T` transaction or `F` fiscal counter. */
  readonly sequenceScope: string;
  /** Earliest `RD` time, in whole Unix seconds (rounded down, as every TM is). */
  readonly intervalStart: number;
  /** Latest `RD` time, in whole Unix seconds (rounded down, as every TM is). */
  readonly intervalEnd: number;
  /**
   * One channel per meter register read at two different seconds: import before export, the
   * total before the tariff registers. A register read at one time only (a transaction's begin
   * or end record written alone) is a point, not an energy interval: it gives no channel.
   */
  readonly channels: readonly ChannelFigures[];
  /** Quality bits of the core's `QualityFlag`. */
  readonly quality: number;
  /**
   * A fault of the signed content that the ledger reports only once the signature is known to
   * be good (a forged record is `BAD_SIGNATURE`, whatever it says): a register that decreases
   * inside the record.
   */
  readonly fault?: { readonly code: 'REGISTER_BACKWARDS'; readonly message: string };
}

/** TM in whole Unix seconds: the second it falls in (docs/ocmf.md, "Rounding"). */
function second(r: OcmfReading): number {
  return Math.floor(r.time.unixMs / 1000);
}

/**
 * Quality bits (docs/ocmf.md, "Mapping", quality row): clock synchronised when every reading's
 * TM status is `S`; meter error when a meter state is not `G`, an error flag (`E` energy, `t`
 * time) is set, or a reading's reason is `X` (Table 7: "time and/or energy are no longer
 * usable from this reading").
 */
function qualityOf(readings: readonly OcmfReading[]): number {
  let q = 0;
  if (readings.every((r) => r.time.status === 'S')) q |= QualityFlag.CLOCK_SYNCED;
  const error = readings.some(
    (r) =>
      r.status !== 'G' ||
      r.transaction === 'X' ||
      (r.errorFlags !== undefined && /[Et]/.test(r.errorFlags)),
  );
  if (error) q |= QualityFlag.METER_ERROR;
  return q;
}

/** One register's readings inside the record, in record order. */
interface Series {
  readonly channel: string;
  readonly ri: string;
  readonly at: number[];
  readonly values: bigint[];
}

/** The readings of each ledger channel, checked: one RI per channel, times in order. */
function seriesOf(rd: readonly OcmfReading[]): Series[] {
  const byChannel = new Map<string, Series>();
  rd.forEach((r, i) => {
    const channel = r.register?.channel;
    if (channel == null || r.valueMilliWh === undefined) return;
    let s = byChannel.get(channel);
    if (s === undefined) {
      s = { channel, ri: r.obis!, at: [], values: [] };
      byChannel.set(channel, s);
    } else if (s.ri !== r.obis) {
      throw invalid(`RD[${i}].RI`, `${r.obis} and ${s.ri} are both the ${channel} register`);
    }
    const last = s.at[s.at.length - 1];
    if (last !== undefined && r.time.unixMs < rd[last]!.time.unixMs) {
      throw invalid(`RD[${i}].TM`, `out of order for the ${channel} register`);
    }
    if (r.valueMilliWh > MAX_SAFE) {
      throw new OcmfError('INVALID_VALUE', `RD[${i}].RV: beyond 2^53 − 1 milli-Wh`, {
        evidence: { field: `RD[${i}].RV`, outOfRange: true },
      });
    }
    s.at.push(i);
    s.values.push(r.valueMilliWh);
  });
  return [...byChannel.values()].sort((a, b) => channelOrder(a.channel) - channelOrder(b.channel));
}

/** `1-0:C.8.E` → C·1000 + E: import (C = 1) before export (C = 2), total (E = 0) first. */
function channelOrder(obis: string): number {
  const [c, , e] = obis.slice(obis.indexOf(':') + 1).split('.');
  return Number(c) * 1000 + Number(e);
}

/**
 * The figures of a parsed record. Every TM is taken as the whole second it falls in, for the
 * start and the end alike, so records that do not overlap in milliseconds do not overlap in
 * seconds and a record that starts where the previous one ended still does (docs/ocmf.md,
 * "Rounding"). A channel's interval runs from its register's first reading to its last, its
 * energy is last − first, its register the last value.
 *
 * Throws {@link OcmfError} `INVALID_VALUE` (`MS`/`GS` not a valid meter id; a reading before
 * 1970; one register's readings out of time order; two RI spellings for one channel; a
 * register beyond 2^53 − 1 milli-Wh; a register that changes value within one second) or
 * `MISSING_FIELD` (no reading of an active energy register at all).
 */
export function ocmfFigures(record: OcmfRecord): OcmfFigures {
  const p = record.payload;
  const serial = p.meterSerial || p.gatewaySerial || '';
  if (!isValidMeterId(serial)) throw invalid(p.meterSerial ? 'MS' : 'GS', 'not a valid meter id');
  const rd = p.readings;
  const seconds = rd.map(second);
  const early = seconds.indexOf(Math.min(...seconds));
  if (seconds[early]! < 0) throw invalid(`RD[${early}].TM`, 'before 1970');
  if (!rd.some((r) => r.register !== null && r.valueMilliWh !== undefined)) {
    throw new OcmfError('MISSING_FIELD', 'RD: no energy register reading (RI 1-x:1.8.e or 2.8.e)', {
      evidence: { field: 'RD' },
    });
  }
  const channels: ChannelFigures[] = [];
  let fault: OcmfFigures['fault'];
  for (const s of seriesOf(rd)) {
    const { values } = s;
    const first = values[0]!;
    const last = values[values.length - 1]!;
    if (fault === undefined && values.some((v, i) => i > 0 && v < values[i - 1]!)) {
      fault = {
        code: 'REGISTER_BACKWARDS',
        message: `the ${s.channel} register decreases inside the record`,
      };
    }
    const start = seconds[s.at[0]!]!;
    const end = seconds[s.at[s.at.length - 1]!]!;
    if (end === start) {
      if (values.some((v) => v !== first)) {
        throw invalid(`RD[${s.at[0]}].RV`, `the ${s.channel} register changes within one second`);
      }
      continue;
    }
    channels.push({
      obis: s.channel,
      intervalStart: start,
      intervalEnd: end,
      registerMilliWh: Number(last),
      energyMilliWh: last >= first ? Number(last - first) : 0,
    });
  }
  return {
    meterId: serial,
    sequence: p.pagination.number,
    sequenceScope: p.pagination.kind,
    intervalStart: seconds[early]!,
    intervalEnd: Math.max(...seconds),
    channels,
    quality: qualityOf(rd),
    ...(fault === undefined ? {} : { fault }),
  };
}
