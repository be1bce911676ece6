/**
 * The OCMF payload data section (OCMF §"Payload Data Section", Tables 1–7) as typed values,
 * with readings' omitted fields inherited from the previous reading of the same record
 * (OCMF §"Readings").
 */
import { toMilliWh, type OcmfDecimal } from './decimal.ts';
import { OcmfError } from './errors.ts';
import {
  decimalField,
  invalidField as invalid,
  missingField as missing,
  stringField as str,
  textField,
} from './fields.ts';
import { isJsonObject, type JsonObject, type JsonValue } from './json.ts';
import { parseLossCompensation, type OcmfLossCompensation } from './loss-compensation.ts';
import { parseOcmfRegister, type OcmfRegister } from './obis.ts';
import { parseOcmfPagination, type OcmfPagination } from './pagination.ts';
import { parseOcmfTime, type OcmfTime } from './time.ts';

/** Most readings accepted in one record. */
export const MAX_OCMF_READINGS = 1000;

/**
 * Reading reason (OCMF Table 7, TX): B begin, C charging, X exception, E end, L local stop,
 * R remote stop, A abort, P power failure, S suspended, T tariff change.
 */
export type OcmfTransactionCode = 'B' | 'C' | 'X' | 'E' | 'L' | 'R' | 'A' | 'P' | 'S' | 'T';

/** Meter state (OCMF Table 10, ST); `G` is the only good state. */
export type OcmfMeterStatus = 'N' | 'G' | 'T' | 'D' | 'R' | 'M' | 'X' | 'I' | 'O' | 'S' | 'E' | 'F';

const TX_CODES = new Set('BCXELRAPST');
const ST_CODES = new Set('NGTDRMXIOSEF');

/** One reading after inheritance (OCMF Table 7). */
export interface OcmfReading {
  /** TM: time and clock status. */
  readonly time: OcmfTime;
  /** TX: reason; absent outside transactions (fiscal metering). */
  readonly transaction: OcmfTransactionCode | undefined;
  /** RV: value exactly as written; absent for an error-event-only reading. */
  readonly value: OcmfDecimal | undefined;
  /**
   * RV in milli-Wh when RU is `kWh` or `Wh`, else absent. A value finer than 1 mWh (Enercharge
   * writes Wh with six decimals) is truncated to whole mWh; `value` keeps it exactly.
   */
  readonly valueMilliWh: bigint | undefined;
  /** RI: OBIS code of the quantity. */
  readonly obis: string | undefined;
  /** The active energy register RI names, if it names one. */
  readonly register: OcmfRegister | null;
  /** RU: unit (Table 20 lists kWh, Wh, mOhm, uOhm; devices also write e.g. `sec`). */
  readonly unit: string | undefined;
  /** RT: current type, `AC` or `DC` (Table 21). */
  readonly currentType: string | undefined;
  /** CL: cumulated cable loss, in RU. */
  readonly cumulatedLoss: OcmfDecimal | undefined;
  /** CL in milli-Wh when RU is an energy unit (truncated like `valueMilliWh`). */
  readonly cumulatedLossMilliWh: bigint | undefined;
  /** EF: error flags (`E` energy, `t` time unusable). */
  readonly errorFlags: string | undefined;
  /** ST: meter state. */
  readonly status: OcmfMeterStatus;
}

/** The payload section's fields (OCMF Tables 1–7). */
export interface OcmfPayload {
  /** FV: format version, as written (a string, or a JSON number's text: DZG writes `1.0`). */
  readonly formatVersion: string | undefined;
  /** GI: gateway identification. */
  readonly gatewayId: string | undefined;
  /** GS: gateway serial. */
  readonly gatewaySerial: string | undefined;
  /** GV: gateway software version. */
  readonly gatewayVersion: string | undefined;
  /** PG: pagination, the record's sequence number within its context. */
  readonly pagination: OcmfPagination;
  /** MV: meter vendor. */
  readonly meterVendor: string | undefined;
  /** MM: meter model. */
  readonly meterModel: string | undefined;
  /** MS: meter serial. */
  readonly meterSerial: string | undefined;
  /** MF: meter firmware. */
  readonly meterFirmware: string | undefined;
  /** IS: user assignment status. */
  readonly identificationStatus: boolean | undefined;
  /** IL: identification level (Table 11). */
  readonly identificationLevel: string | undefined;
  /** IF: identification flags (Tables 13–16). */
  readonly identificationFlags: readonly string[] | undefined;
  /** IT: identification type (Table 17). */
  readonly identificationType: string | undefined;
  /** ID: identification data (e.g. an RFID UID). Personal data: disclose with care. */
  readonly identificationData: string | undefined;
  /** TT: tariff text. */
  readonly tariffText: string | undefined;
  /** CF: charge controller firmware version (Table 5). */
  readonly chargeControllerVersion: string | undefined;
  /** CT: charge point identification type (Table 18), as written (DZG writes the number `0`). */
  readonly chargePointIdType: string | undefined;
  /** CI: charge point identification. */
  readonly chargePointId: string | undefined;
  /** LC: cable loss compensation parameters (Table 24). */
  readonly lossCompensation: OcmfLossCompensation | undefined;
  /** RD: readings, with inherited fields filled in. */
  readonly readings: readonly OcmfReading[];
  /** Every top-level field as parsed, including vendor extensions (U…Z). */
  readonly fields: JsonObject;
}

function energy(
  d: OcmfDecimal | undefined,
  unit: string | undefined,
  where: string,
): bigint | undefined {
  if (d === undefined || (unit !== 'kWh' && unit !== 'Wh')) return undefined;
  return toMilliWh(d, unit, where, 'floor');
}

function reading(r: JsonObject, i: number): OcmfReading {
  const at = (k: string): string => `RD[${i}].${k}`;
  const tm = str(r, 'TM', at('TM'));
  if (tm === undefined) throw missing(at('TM'));
  const st = str(r, 'ST', at('ST'));
  if (st === undefined) throw missing(at('ST'));
  if (st.length !== 1 || !ST_CODES.has(st))
    throw invalid(at('ST'), `unknown meter state ${JSON.stringify(st)}`);
  const tx = str(r, 'TX', at('TX'));
  if (tx !== undefined && (tx.length !== 1 || !TX_CODES.has(tx))) {
    throw invalid(at('TX'), `unknown reason ${JSON.stringify(tx)}`);
  }
  const value = decimalField(r, 'RV', at('RV'));
  const unit = str(r, 'RU', at('RU'));
  if (value !== undefined && unit === undefined) throw missing(at('RU'));
  const obis = str(r, 'RI', at('RI'));
  const cumulatedLoss = decimalField(r, 'CL', at('CL'));
  return {
    time: parseOcmfTime(tm, at('TM')),
    transaction: tx as OcmfTransactionCode | undefined,
    value,
    valueMilliWh: energy(value, unit, at('RV')),
    obis,
    register: obis === undefined ? null : parseOcmfRegister(obis),
    unit,
    currentType: str(r, 'RT', at('RT')),
    cumulatedLoss,
    cumulatedLossMilliWh: energy(cumulatedLoss, unit, at('CL')),
    errorFlags: str(r, 'EF', at('EF')),
    status: st as OcmfMeterStatus,
  };
}

/**
 * Interprets a parsed payload object. PG and RD (a non-empty array of objects) are required,
 * and MS or GS must be a non-empty string (OCMF §"Relation of Serial Numbers": the serial
 * identifies the signing component). Each reading first takes every field of the previous
 * reading, then its own (OCMF §"Readings"), after which TM and ST are required and RU is
 * required whenever RV is present. Unknown fields are kept in `fields`, never rejected.
 *
 * Value types (docs/ocmf.md, "Value types"): every field the tables type String must be a
 * JSON string, except FV and CT, which devices also write as numbers (their exact text is
 * kept); every field typed Number (RV, CL, LC.LI, LC.LR) may be a JSON number or a decimal
 * string; IS is a boolean, IF an array of strings, LC an object (Table 24).
 * Throws {@link OcmfError}: `MISSING_FIELD`, `INVALID_VALUE`, `TOO_LARGE`.
 */
export function interpretOcmfPayload(obj: JsonObject): OcmfPayload {
  if (!isJsonObject(obj)) throw new TypeError('payload must be a JSON object');
  const pg = str(obj, 'PG');
  if (pg === undefined) throw missing('PG');
  const gatewaySerial = str(obj, 'GS');
  const meterSerial = str(obj, 'MS');
  if (!meterSerial && !gatewaySerial) throw missing('MS');
  const is = obj.get('IS');
  if (is !== undefined && typeof is !== 'boolean') throw invalid('IS', 'expected a boolean');
  const flags = obj.get('IF');
  if (
    flags !== undefined &&
    (!Array.isArray(flags) || !flags.every((f) => typeof f === 'string'))
  ) {
    throw invalid('IF', 'expected an array of strings');
  }
  const lcValue = obj.get('LC');
  const lc = lcValue === undefined ? undefined : parseLossCompensation(lcValue);
  const rd = obj.get('RD');
  if (rd === undefined) throw missing('RD');
  if (!Array.isArray(rd) || rd.length === 0) throw invalid('RD', 'expected a non-empty array');
  if (rd.length > MAX_OCMF_READINGS) {
    throw new OcmfError('TOO_LARGE', `RD: more than ${MAX_OCMF_READINGS} readings`, {
      evidence: { field: 'RD' },
    });
  }
  const readings: OcmfReading[] = [];
  let previous: JsonObject = new Map();
  (rd as readonly JsonValue[]).forEach((r, i) => {
    if (!isJsonObject(r)) throw invalid(`RD[${i}]`, 'expected an object');
    const merged = new Map(previous);
    for (const [k, v] of r) merged.set(k, v);
    readings.push(reading(merged, i));
    previous = merged;
  });
  return {
    formatVersion: textField(obj, 'FV'),
    gatewayId: str(obj, 'GI'),
    gatewaySerial,
    gatewayVersion: str(obj, 'GV'),
    pagination: parseOcmfPagination(pg),
    meterVendor: str(obj, 'MV'),
    meterModel: str(obj, 'MM'),
    meterSerial,
    meterFirmware: str(obj, 'MF'),
    identificationStatus: is,
    identificationLevel: str(obj, 'IL'),
    identificationFlags: flags as readonly string[] | undefined,
    identificationType: str(obj, 'IT'),
    identificationData: str(obj, 'ID'),
    tariffText: str(obj, 'TT'),
    chargeControllerVersion: str(obj, 'CF'),
    chargePointIdType: textField(obj, 'CT'),
    chargePointId: str(obj, 'CI'),
    lossCompensation: lc,
    readings,
    fields: obj,
  };
}
