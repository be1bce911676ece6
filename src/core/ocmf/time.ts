/**
 * OCMF reading time (OCMF Table 7 "TM" and Table 19 "Time Status"):
 * `<YYYY>-<MM>-<DD>T<hh>:<mm>:<ss>,<fff><±hhmm> <status>`, e.g. `2019-08-13T10:03:15,000+0000 I`.
 */
import { OcmfError } from './errors.ts';

/**
 * Clock synchronisation state of a reading (OCMF Table 19):
 * `U` unknown/unsynchronised, `I` informative (info clock), `S` synchronised,
 * `R` relative time accounting (legally accurate duration from an informative start).
 */
export type OcmfTimeStatus = 'U' | 'I' | 'S' | 'R';

/** A parsed TM field. */
export interface OcmfTime {
  /** The field exactly as received. */
  readonly text: string;
  /** The instant as Unix milliseconds (UTC). */
  readonly unixMs: number;
  /** The UTC offset written in the record, in minutes (e.g. +0200 → 120). */
  readonly offsetMinutes: number;
  /** Clock synchronisation state (Table 19). */
  readonly status: OcmfTimeStatus;
}

// ISO 8601 as OCMF profiles it; the decimal mark is ',' in the spec, '.' is also ISO 8601.
const TM_RE =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})[,.]([0-9]{3})([+-])([0-9]{2})([0-9]{2}) ([UISR])$/;

/** Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant, days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * Parses an OCMF TM value into Unix milliseconds and its time status. The format is exactly
 * OCMF Table 7's (four-digit year, two-digit fields, three-digit milliseconds after `,` or
 * `.`, a `±hhmm` offset without colon, one space, a Table 19 letter). Calendar fields are
 * range-checked (no 24:00, no leap second, no 31 April). Throws {@link OcmfError}
 * `INVALID_VALUE` otherwise.
 */
export function parseOcmfTime(text: string, field = 'TM'): OcmfTime {
  const m = TM_RE.exec(text);
  const bad = (why: string): OcmfError =>
    new OcmfError('INVALID_VALUE', `${field}: ${why}: ${JSON.stringify(text)}`, {
      evidence: { field, value: text },
    });
  if (m === null) throw bad('not an OCMF time');
  const [y, mo, d, h, mi, s, ms, , oh, om] = m.slice(1, 11).map(Number) as number[];
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > daysInMonth(y!, mo!)) throw bad('invalid date');
  if (h! > 23 || mi! > 59 || s! > 59) throw bad('invalid time of day');
  if (oh! > 23 || om! > 59) throw bad('invalid UTC offset');
  const offsetMinutes = (m[8] === '-' ? -1 : 1) * (oh! * 60 + om!);
  const localMs =
    daysFromCivil(y!, mo!, d!) * 86_400_000 + ((h! * 60 + mi!) * 60 + s!) * 1000 + ms!;
  return {
    text,
    unixMs: localMs - offsetMinutes * 60_000,
    offsetMinutes,
    status: m[11] as OcmfTimeStatus,
  };
}
