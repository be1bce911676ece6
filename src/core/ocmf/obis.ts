/**
 * OBIS codes (IEC 62056-6-1) as OCMF writes them in RI (OCMF Table 7), reduced to the energy
 * registers the ledger records. Devices write three notations:
 *
 * - decimal, `A-B:C.D.E` with an optional `*F` or `.F`: `1-0:1.8.0`, `1-0:1.8.0*198`,
 *   `1-0:2.8.0.FF` (F = 255 written in hex);
 * - decimal with a letter as a placeholder for B or E: `1-b:1.8.0` (KEBA), `1-b:1.8.e`
 *   (eBZ, Isabellenhütte);
 * - hexadecimal, every group two hex digits (OCMF §"Extension to Billing Relevant OBIS
 *   Representation": "The OBIS codes are represented in hexadecimal format"):
 *   `01-0B:01.08.00*FF`, `01-00:B0.08.00*FF`.
 */

/** Which energy register an OBIS code names, per IEC 62056-6-1 value group C. */
export type OcmfRegisterKind = 'import' | 'export';

/**
 * What an active energy register counts:
 * - `total`: the meter's total register (`1-x:1.8.0`, `1-x:2.8.0`, a placeholder E, or OCMF
 *   Table 25 "Total Import/Export Mains Energy" `B0`/`C0`);
 * - `tariff`: the register of one tariff rate, E = 1…63 (`1-0:1.8.1`, `1-0:1.8.2`);
 * - `device`: OCMF Table 25 "Total Import/Export Device Energy" (`B1`/`C1`, energy at the
 *   vehicle after cable-loss compensation: another quantity than the meter's register);
 * - `transaction`: OCMF Table 25 "Transaction … Energy" (`B2`, `B3`, `C2`, `C3`), which
 *   restarts at zero with every transaction;
 * - `other`: a billing-period (F = 0…99) or manufacturer-specific (F = 100…254, e.g. BAUER's
 *   transaction register `1-0:1.8.0*198`) value, or a reserved E.
 */
export type OcmfRegisterRole = 'total' | 'tariff' | 'device' | 'transaction' | 'other';

/** An active energy register named by RI. */
export interface OcmfRegister {
  /** Import (A+) or export (A−). */
  readonly kind: OcmfRegisterKind;
  /** What it counts. */
  readonly role: OcmfRegisterRole;
  /**
   * The ledger channel whose timeline it feeds, as a native OBIS code: `1-0:1.8.0` /
   * `1-0:2.8.0` for a total register, `1-0:1.8.<E>` / `1-0:2.8.<E>` for a tariff register;
   * `null` for a register the ledger keeps no timeline for (device, transaction, other).
   */
  readonly channel: string | null;
}

const HEX_RE =
  /^([0-9A-Fa-f]{2})-([0-9A-Fa-f]{2}):([0-9A-Fa-f]{2})\.([0-9A-Fa-f]{2})\.([0-9A-Fa-f]{2})(?:[*.]([0-9A-Fa-f]{2}))?$/;
const DEC_RE =
  /^([0-9]{1,3})-([0-9]{1,3}|[a-z]):([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3}|[a-z])(?:[*.]([0-9]{1,3}|FF|ff))?$/;

/** Value groups of a parsed code; `null` for a placeholder letter, F `undefined` when absent. */
interface Groups {
  readonly a: number;
  readonly c: number;
  readonly d: number;
  readonly e: number | null;
  readonly f: number | undefined;
}

function groups(ri: string): Groups | null {
  const hex = HEX_RE.exec(ri);
  if (hex !== null) {
    const [a, , c, d, e, f] = hex
      .slice(1)
      .map((g) => (g === undefined ? undefined : parseInt(g, 16)));
    return { a: a!, c: c!, d: d!, e: e!, f };
  }
  const m = DEC_RE.exec(ri);
  if (m === null) return null;
  const num = (g: string): number | null =>
    /^[a-z]$/.test(g) ? null : /^ff$/i.test(g) ? 255 : Number(g);
  const [, a, , c, d, e, f] = m;
  const out = {
    a: num(a!)!,
    c: num(c!)!,
    d: num(d!)!,
    e: num(e!),
    f: f === undefined ? undefined : num(f)!,
  };
  if ([out.a, out.c, out.d, out.e ?? 0, out.f ?? 0].some((v) => v > 255)) return null;
  return out;
}

const TOTAL: Record<OcmfRegisterKind, string> = { import: '1-0:1.8.0', export: '1-0:2.8.0' };

/**
 * The active energy register RI names (A = 1 electricity, C = 1 "Σ Li active power +" or
 * C = 2 "Σ Li active power −", D = 8 "time integral 1", IEC 62056-6-1 §7.5; or an OCMF
 * Table 25 code with C = B0…B3 / C0…C3 and D = 8), or `null` for anything else (durations,
 * resistances, other quantities, unparseable text). Value group B (the measurement channel)
 * is not distinguished: a record is one meter's, and devices print B as a placeholder. For
 * C = 1/2, F absent or 255 is the current value; E = 0 or a placeholder letter is the total.
 */
export function parseOcmfRegister(ri: string): OcmfRegister | null {
  const g = groups(ri);
  if (g === null || g.a !== 1 || g.d !== 8) return null;
  if (g.c === 1 || g.c === 2) {
    const kind: OcmfRegisterKind = g.c === 1 ? 'import' : 'export';
    if (g.f !== undefined && g.f !== 255) return { kind, role: 'other', channel: null };
    if (g.e === null || g.e === 0) return { kind, role: 'total', channel: TOTAL[kind] };
    if (g.e <= 63) return { kind, role: 'tariff', channel: `1-0:${g.c}.8.${g.e}` };
    return { kind, role: 'other', channel: null };
  }
  const kind: OcmfRegisterKind | undefined =
    g.c >= 0xb0 && g.c <= 0xb3 ? 'import' : g.c >= 0xc0 && g.c <= 0xc3 ? 'export' : undefined;
  if (kind === undefined) return null;
  if (g.e !== null && g.e !== 0) return { kind, role: 'other', channel: null };
  switch (g.c & 0x0f) {
    case 0:
      return { kind, role: 'total', channel: TOTAL[kind] };
    case 1:
      return { kind, role: 'device', channel: null };
    default:
      return { kind, role: 'transaction', channel: null };
  }
}

/**
 * `import` or `export` for any active energy register RI names ({@link parseOcmfRegister}),
 * `null` for anything else.
 */
export function obisRegisterKind(ri: string): OcmfRegisterKind | null {
  return parseOcmfRegister(ri)?.kind ?? null;
}
