/**
 * OCMF records of a charging session (OCMF 1.x, docs/ocmf.md): one record per session with a
 * begin reading, a reading at every interval boundary while charging, and an end reading;
 * registers in kWh with three decimals (whole Wh), signed ECDSA-secp256r1-SHA256, DER, hex.
 */
import { toHex, utf8 } from '../../src/core/bytes.ts';
import type { SimKey } from './keys.ts';

/** OCMF time `YYYY-MM-DDThh:mm:ss,fff+0000 S` (UTC, clock synchronised). */
export function ocmfTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace('.', ',').replace('Z', '+0000 S');
}

/** kWh with three decimals from whole Wh, as a JSON number. */
function kwh(wh: number): number {
  return Number((wh / 1000).toFixed(3));
}

/** What one session record states. */
export interface SessionRecordInput {
  readonly meterId: string;
  /** The gateway serial (GS). */
  readonly gatewayId: string;
  /** Pagination number: the record is `T<number>`. */
  readonly pagination: number;
  /** Register readings: time (Unix seconds) and register value (Wh), in time order, at least two. */
  readonly points: readonly { readonly t: number; readonly registerWh: number }[];
}

/** The record text `OCMF|payload|signature`, signed with `key`. */
export function sessionRecord(input: SessionRecordInput, key: SimKey): string {
  const last = input.points.length - 1;
  const payload = JSON.stringify({
    FV: '1.0',
    GI: 'WATTPROOF_SIM',
    GS: input.gatewayId,
    GV: '1.0.0',
    PG: `T${input.pagination}`,
    MV: 'WattproofSim',
    MM: 'SIM-EV-11',
    MS: input.meterId,
    IS: false,
    RD: input.points.map((p, i) => ({
      TM: ocmfTime(p.t),
      TX: i === 0 ? 'B' : i === last ? 'E' : 'C',
      RV: kwh(p.registerWh),
      RI: '1-b:1.8.0',
      RU: 'kWh',
      ST: 'G',
    })),
  });
  const sd = toHex(key.signOcmf(utf8(payload))).toUpperCase();
  return `OCMF|${payload}|${JSON.stringify({ SA: 'ECDSA-secp256r1-SHA256', SD: sd })}`;
}
