/**
 * Typed access to the fields of an OCMF section (OCMF Tables 1–8, 24), with the value types
 * the specification names and the ones devices in the field write (docs/ocmf.md, "Value
 * types"). Every accessor returns `undefined` for an absent field and throws
 * {@link OcmfError} `INVALID_VALUE` naming the field for a value of another JSON type.
 */
import { parseOcmfDecimal, type OcmfDecimal } from './decimal.ts';
import { OcmfError } from './errors.ts';
import { JsonNumber, type JsonObject } from './json.ts';

/** `INVALID_VALUE` for `field`, with the field as evidence. */
export function invalidField(field: string, why: string): OcmfError {
  return new OcmfError('INVALID_VALUE', `${field}: ${why}`, { evidence: { field } });
}

/** `MISSING_FIELD` for `field`, with the field as evidence. */
export function missingField(field: string): OcmfError {
  return new OcmfError('MISSING_FIELD', `${field}: required field is missing`, {
    evidence: { field },
  });
}

/** A field of type String: a JSON string, nothing else. */
export function stringField(obj: JsonObject, key: string, where = key): string | undefined {
  const v = obj.get(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalidField(where, 'expected a string');
  return v;
}

/**
 * A field of type String that devices also write as a JSON number (FV `1.0`, CT `0` from a
 * DZG/TwinCharger): a string as received, or the number's exact source text.
 */
export function textField(obj: JsonObject, key: string, where = key): string | undefined {
  const v = obj.get(key);
  if (v === undefined) return undefined;
  if (v instanceof JsonNumber) return v.text;
  if (typeof v !== 'string') throw invalidField(where, 'expected a string or a number');
  return v;
}

/**
 * A field of type Number (RV, CL, LI, LR): a JSON number, or a decimal in a JSON string as
 * devices write RV (`"0.0"`, `"       9.038"`, `"00000000.000"`), parsed exactly by
 * {@link parseOcmfDecimal}.
 */
export function decimalField(obj: JsonObject, key: string, where = key): OcmfDecimal | undefined {
  const v = obj.get(key);
  if (v === undefined) return undefined;
  if (v instanceof JsonNumber) return parseOcmfDecimal(v.text, 'number', where);
  if (typeof v === 'string') return parseOcmfDecimal(v, 'string', where);
  throw invalidField(where, 'expected a number');
}
