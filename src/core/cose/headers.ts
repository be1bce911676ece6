/**
 * COSE header parameter labels (RFC 9052 §3.1, IANA "COSE Header Parameters") and CWT claim
 * keys (RFC 8392 §4, carried in the header as RFC 9597 CWT Claims) used by signed readings.
 */

/** CBOR tag of COSE_Sign1_Tagged (RFC 9052 §2). */
export const COSE_SIGN1_TAG = 18;

/** Header parameter labels (RFC 9052 §3.1; `CWT_CLAIMS` from RFC 9597 §2). */
export const HeaderLabel = {
  ALG: 1,
  CRIT: 2,
  CONTENT_TYPE: 3,
  KID: 4,
  CWT_CLAIMS: 15,
} as const;

/** CWT claim keys inside the CWT Claims header (RFC 8392 §3.1.1, §3.1.2). */
export const CwtClaim = {
  ISS: 1,
  SUB: 2,
} as const;

/** Labels this implementation processes, so they may appear in `crit` (RFC 9052 §3.1). */
export const UNDERSTOOD_LABELS: ReadonlySet<number> = new Set([
  HeaderLabel.ALG,
  HeaderLabel.CONTENT_TYPE,
  HeaderLabel.KID,
  HeaderLabel.CWT_CLAIMS,
]);
