/**
 * OCMF cable loss compensation parameters (OCMF Table 5 "LC" and Table 24).
 */
import type { OcmfDecimal } from './decimal.ts';
import { decimalField, invalidField, missingField, stringField } from './fields.ts';
import { isJsonObject, type JsonValue } from './json.ts';

/** Units of LU (Table 24; Table 20 `mOhm`, `uOhm`). */
export type OcmfResistanceUnit = 'mOhm' | 'uOhm';

/** The LC object (Table 24). */
export interface OcmfLossCompensation {
  /** LN: traceability text, up to 20 characters. */
  readonly name: string | undefined;
  /** LI: traceability id into the meter's lookup table. */
  readonly id: OcmfDecimal | undefined;
  /** LR: cable resistance used by the compensation, in `unit`. */
  readonly resistance: OcmfDecimal;
  /** LU: unit of LR. */
  readonly unit: OcmfResistanceUnit;
}

/**
 * Interprets LC: an object with LR (mandatory, a number) and LU (mandatory, `mOhm` or
 * `uOhm`), LN (a string) and LI (a number) optional; other keys are ignored. Numbers may be
 * JSON numbers or decimal strings, as for RV. Throws {@link OcmfError} `INVALID_VALUE` or
 * `MISSING_FIELD` naming `LC.<key>`.
 */
export function parseLossCompensation(v: JsonValue): OcmfLossCompensation {
  if (!isJsonObject(v)) throw invalidField('LC', 'expected an object');
  const resistance = decimalField(v, 'LR', 'LC.LR');
  if (resistance === undefined) throw missingField('LC.LR');
  const unit = stringField(v, 'LU', 'LC.LU');
  if (unit === undefined) throw missingField('LC.LU');
  if (unit !== 'mOhm' && unit !== 'uOhm') {
    throw invalidField('LC.LU', `unknown unit ${JSON.stringify(unit)}`);
  }
  return {
    name: stringField(v, 'LN', 'LC.LN'),
    id: decimalField(v, 'LI', 'LC.LI'),
    resistance,
    unit,
  };
}
