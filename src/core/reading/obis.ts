/**
 * OBIS code syntax (IEC 62056-61 / DLMS Blue Book "A-B:C.D.E*F"), as text.
 */

const OBIS_RE =
  /^(0|[1-9]\d{0,2})-(0|[1-9]\d{0,2}):(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})(?:\*(0|[1-9]\d{0,2}))?$/;

/** OBIS code of active energy import, total (`1-0:1.8.0`, A+). */
export const OBIS_ACTIVE_IMPORT = '1-0:1.8.0';
/** OBIS code of active energy export, total (`1-0:2.8.0`, A−). */
export const OBIS_ACTIVE_EXPORT = '1-0:2.8.0';

/**
 * True when `s` is an OBIS code in reduced-ID text form `A-B:C.D.E` with an optional `*F`
 * (IEC 62056-61 §4): six value groups, each a decimal 0–255 without leading zeros, so each
 * code has one spelling. Letter group values (e.g. `C` for 96) are not accepted.
 */
export function isValidObis(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const m = OBIS_RE.exec(s);
  if (m === null) return false;
  for (let i = 1; i < m.length; i++) {
    if (m[i] !== undefined && Number(m[i]) > 255) return false;
  }
  return true;
}
