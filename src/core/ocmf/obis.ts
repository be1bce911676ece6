/**
 * OBIS codes (IEC 62056-6-1) as OCMF writes them in RI, e.g. `1-b:1.8.0` or
 * `01-00:01.08.00.FF`, reduced to the energy registers the ledger records.
 */

/** Which energy register an OBIS code names, per IEC 62056-6-1 value group C. */
export type OcmfRegisterKind = 'import' | 'export';

// A-B:C.D.E[.F|*F]; B may be the letter placeholder some devices print (`1-b:1.8.0`).
const OBIS_RE =
  /^([0-9]{1,3})-([0-9]{1,3}|[a-z]):([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})(?:[.*]([0-9]{1,3}|FF|ff))?$/;

/**
 * `import` for active energy import registers (A = 1 electricity, C = 1 "Σ Li active power +",
 * D = 8 "time integral 1", i.e. `1-x:1.8.e`), `export` for C = 2 (`1-x:2.8.e`), `null` for
 * anything else (durations, voltages, unparseable text). Tariff register E is not
 * distinguished: OCMF devices write E = 0 for the total.
 */
export function obisRegisterKind(ri: string): OcmfRegisterKind | null {
  const m = OBIS_RE.exec(ri);
  if (m === null) return null;
  const [, a, , c, d] = m;
  if (Number(a) !== 1 || Number(d) !== 8) return null;
  if (Number(c) === 1) return 'import';
  if (Number(c) === 2) return 'export';
  return null;
}
