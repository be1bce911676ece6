/**
 * What the registry's state machine says (docs/registry-certificates.md §Once-only rules): the
 * verdict on each event, with the reason it is void, and where a certificate stands.
 */
import type { CertificateKind } from './names.ts';

/**
 * Why an event is void (§Once-only rules):
 * - `WRONG_REGISTRY`: it names another registry than the one whose log holds it.
 * - `ALREADY_ISSUED`: an issue for a meter channel and hour already issued (of either kind).
 * - `CARRY_MISMATCH`: a GO issue whose carry-in is not the Wh the channel carries.
 * - `UNKNOWN_CERTIFICATE`: about a certificate this registry does not hold; or an import of
 *   one issued here that never left.
 * - `INSUFFICIENT_HOLDING`: a transfer, cancel or export of more than the account holds.
 * - `EXPORT_NOT_WHOLE`: an export of less than the certificate's whole live amount.
 * - `CERTIFICATE_CANCELLED`, `CERTIFICATE_WITHDRAWN`, `CERTIFICATE_EXPIRED`,
 *   `CERTIFICATE_EXPORTED`: the certificate is no longer live here.
 * - `ALREADY_PRESENT`: an import of a certificate that is live here.
 * - `EXPORT_ALREADY_IMPORTED`: a second import of one export event.
 */
export const VOID_CODES = [
  'WRONG_REGISTRY',
  'ALREADY_ISSUED',
  'CARRY_MISMATCH',
  'UNKNOWN_CERTIFICATE',
  'INSUFFICIENT_HOLDING',
  'EXPORT_NOT_WHOLE',
  'CERTIFICATE_CANCELLED',
  'CERTIFICATE_WITHDRAWN',
  'CERTIFICATE_EXPIRED',
  'CERTIFICATE_EXPORTED',
  'ALREADY_PRESENT',
  'EXPORT_ALREADY_IMPORTED',
] as const;
/** One of {@link VOID_CODES}. */
export type VoidCode = (typeof VOID_CODES)[number];

/** The verdict on one event; `firstLeafIndex` names the earlier event that won, if one did. */
export type EventVerdict =
  | { readonly status: 'accepted' }
  | { readonly status: 'void'; readonly code: VoidCode; readonly firstLeafIndex?: number };

/** Where a certificate stands in this registry. */
export type CertificateStatus = 'active' | 'cancelled' | 'withdrawn' | 'expired' | 'exported';

/**
 * A certificate as this registry holds it. Amounts are Wh for kind `granular` and whole GO
 * units (1 MWh) for kind `go`.
 */
export interface CertificateState {
  readonly certificateId: Uint8Array;
  readonly kind: CertificateKind;
  readonly issuer: string;
  readonly meterId: string;
  readonly obis: string;
  readonly hour: number;
  readonly status: CertificateStatus;
  /** Leaf index of the event that gave the status (the issue or import for `active`). */
  readonly statusLeafIndex: number;
  /** Holdings per account, each at least 1. */
  readonly holdings: ReadonlyMap<string, number>;
  /** Sum of the holdings. */
  readonly live: number;
  /** Cancelled (redeemed) here so far. */
  readonly cancelled: number;
  /** For `exported`: the importing registry. */
  readonly exportedTo?: string;
}
