/**
 * OCMF pagination (OCMF Table 2, "PG"): `<context letter><number>`, e.g. `T32` or `F12`.
 */
import { OcmfError } from './errors.ts';

/**
 * A pagination value. `kind` is the context: `T` transaction readings (mandatory for
 * devices), `F` fiscal readings outside transactions. Each context has its own counter,
 * incremented by one per signed record.
 */
export interface OcmfPagination {
  /** Pagination context (Table 2). */
  readonly kind: 'T' | 'F';
  /** Counter value within the context. */
  readonly number: number;
}

/**
 * Parses PG. The number has no leading zeros (Table 2: "a number without leading zeros") and
 * must be a safe integer, so every counter value has exactly one spelling. Throws
 * {@link OcmfError} `INVALID_VALUE` otherwise.
 */
export function parseOcmfPagination(text: string): OcmfPagination {
  const m = /^([TF])(0|[1-9][0-9]{0,15})$/.exec(text);
  const n = m === null ? NaN : Number(m[2]);
  if (m === null || !Number.isSafeInteger(n)) {
    throw new OcmfError('INVALID_VALUE', `PG: not <T|F><number>: ${JSON.stringify(text)}`, {
      evidence: { field: 'PG', value: text },
    });
  }
  return { kind: m[1] as 'T' | 'F', number: n };
}
