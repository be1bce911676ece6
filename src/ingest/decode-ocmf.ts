/**
 * Decoding of an OCMF record (docs/ocmf.md, "Mapping a record to a ledger reading") into a
 * reading: signer and meter from `MS` (else `GS`), sequence from `PG`, interval from the first
 * and last `RD` times, register and energy in exact milli-Wh from the energy register readings.
 * The signature is checked later, in bulk, over the exact payload bytes received.
 */
import { EntryKind } from '../core/leaf/leaf.ts';
import { OcmfError, parseOcmf, type OcmfReading, type OcmfRecord } from '../core/ocmf/index.ts';
import {
  isValidMeterId,
  OBIS_ACTIVE_EXPORT,
  OBIS_ACTIVE_IMPORT,
  QualityFlag,
} from '../core/reading/index.ts';
import type { DecodeResult } from './candidate.ts';
import { reject, type Rejection } from './reject-codes.ts';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function refused(rejection: Rejection): DecodeResult {
  return { ok: false, rejection };
}

function rejectionOf(e: unknown): Rejection {
  if (e instanceof OcmfError) {
    if (e.code === 'UNSUPPORTED_ALGORITHM') return reject('UNSUPPORTED_ALGORITHM', e.message);
    if (e.code === 'TOO_LARGE') return reject('OVERSIZE', e.message);
    return reject('MALFORMED_OCMF', `${e.code}: ${e.message}`);
  }
  return reject('INTERNAL_ERROR', `unexpected error decoding OCMF: ${String(e)}`);
}

/**
 * Quality bits from the record (docs/ocmf.md, "Mapping", quality row): clock synchronised when
 * every reading's TM status is `S`; meter error when a meter state is not `G` or an error flag
 * (`E` energy, `t` time) is set.
 */
function qualityOf(readings: readonly OcmfReading[]): number {
  let q = 0;
  if (readings.every((r) => r.time.status === 'S')) q |= QualityFlag.CLOCK_SYNCED;
  const error = readings.some(
    (r) => r.status !== 'G' || (r.errorFlags !== undefined && /[Et]/.test(r.errorFlags)),
  );
  if (error) q |= QualityFlag.METER_ERROR;
  return q;
}

/**
 * Decodes an OCMF record (`parseOcmf`) into a candidate reading. Energy readings are those
 * with an energy unit and an import or export register (`RI` `1-x:1.8.e` / `1-x:2.8.e`); the
 * register of the last one is the reading's, with OBIS `1-0:1.8.0` or `1-0:2.8.0`. Never
 * throws: `MALFORMED_OCMF` (parse failures, a serial that is not a valid meter id, no energy
 * reading, times out of order or before 1970), `UNSUPPORTED_ALGORITHM`, `OVERSIZE`,
 * `REGISTER_BACKWARDS` (the register falls inside the record), `IMPLAUSIBLE_ENERGY` (beyond
 * 2^53 − 1 milli-Wh).
 */
export function decodeOcmfReading(bytes: Uint8Array): DecodeResult {
  let record: OcmfRecord;
  try {
    record = parseOcmf(bytes);
  } catch (e) {
    return refused(rejectionOf(e));
  }
  const p = record.payload;
  const serial = p.meterSerial || p.gatewaySerial || '';
  if (!isValidMeterId(serial)) {
    return refused(reject('MALFORMED_OCMF', 'MS/GS is not a valid meter id'));
  }
  const first = p.readings[0]!.time.unixMs;
  const last = p.readings[p.readings.length - 1]!.time.unixMs;
  for (let i = 1; i < p.readings.length; i++) {
    if (p.readings[i]!.time.unixMs < p.readings[i - 1]!.time.unixMs) {
      return refused(reject('MALFORMED_OCMF', 'RD times are not in order'));
    }
  }
  if (first < 0) return refused(reject('MALFORMED_OCMF', 'RD time before 1970'));

  const energy = p.readings.filter((r) => r.valueMilliWh !== undefined && r.register !== null);
  const kind = energy[energy.length - 1]?.register;
  if (kind === undefined || kind === null) {
    return refused(reject('MALFORMED_OCMF', 'no energy register reading (RI 1-x:1.8.e or 2.8.e)'));
  }
  const values = energy.filter((r) => r.register === kind).map((r) => r.valueMilliWh!);
  for (let i = 1; i < values.length; i++) {
    if (values[i]! < values[i - 1]!) {
      return refused(reject('REGISTER_BACKWARDS', 'the register decreases inside the record'));
    }
  }
  const start = values[0]!;
  const end = values[values.length - 1]!;
  if (end > MAX_SAFE) {
    return refused(reject('IMPLAUSIBLE_ENERGY', 'register beyond 2^53 - 1 milli-Wh'));
  }
  return {
    ok: true,
    candidate: {
      kind: EntryKind.readingOcmf,
      bytes: record.bytes,
      signerId: serial,
      keyType: 'OCMF',
      message: record.payloadBytes,
      signature: record.signature.der,
      ocmfCurve: record.signature.curve.name,
      reading: {
        meterId: serial,
        sequence: p.pagination.number,
        sequenceScope: p.pagination.kind,
        intervalStart: Math.floor(first / 1000),
        intervalEnd: Math.ceil(last / 1000),
        obis: kind === 'import' ? OBIS_ACTIVE_IMPORT : OBIS_ACTIVE_EXPORT,
        registerMilliWh: Number(end),
        registerStartMilliWh: Number(start),
        energyMilliWh: Number(end - start),
        quality: qualityOf(p.readings),
      },
    },
  };
}
