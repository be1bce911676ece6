/**
 * What a certificate event says (docs/registry-certificates.md §Event format): one of the
 * seven events a registry's log records about a certificate — issue, transfer, cancel,
 * withdraw, expire, export, import — each naming the registry whose log holds it, the
 * certificate and the time it was made.
 */
import type { CertificateKind } from './names.ts';

/** Format version of certificate events (key 1). */
export const CERTIFICATE_EVENT_VERSION = 1;

/** The event types, as written under key 2. */
export const EventType = {
  issue: 'issue',
  transfer: 'transfer',
  cancel: 'cancel',
  withdraw: 'withdraw',
  expire: 'expire',
  export: 'export',
  import: 'import',
} as const;
/** One of {@link EventType}. */
export type EventType = (typeof EventType)[keyof typeof EventType];

/** What every event says. */
export interface EventBase {
  /** Origin of the registry whose log holds the event (key 3). */
  readonly registry: string;
  /** The certificate the event is about, 32 bytes (key 4; §Certificate id). */
  readonly certificateId: Uint8Array;
  /** When the registry made the event, Unix seconds (key 5). */
  readonly time: number;
}

/** Where a certificate comes from: its kind and meter-hour (keys 6–9). */
export interface MeterHourFields {
  readonly kind: CertificateKind;
  readonly meterId: string;
  /** OBIS code of the channel, reduced canonical form. */
  readonly obis: string;
  /** Start of the UTC hour, Unix seconds, a multiple of 3600. */
  readonly hour: number;
}

/**
 * Issue: a certificate for one meter channel's energy in one UTC hour, from a verified
 * evidence bundle, credited to `account`. Its id is that of (registry, kind, meter, channel,
 * hour). For kind `go`, `carryInWh` is the remainder below one unit carried from the meter
 * channel's previous GO issue in this registry (0 for the first), and the certificate holds
 * ⌊(carryInWh + energyWh) / 1 000 000⌋ units.
 */
export interface IssueEvent extends EventBase, MeterHourFields {
  readonly type: 'issue';
  /** The hour's energy, whole Wh, at least 1 (key 10). */
  readonly energyWh: number;
  /** SHA-256 of the exact evidence bundle bytes (key 11). */
  readonly bundleSha256: Uint8Array;
  /** Kind `go` only: Wh carried in, below 1 000 000 (key 12). */
  readonly carryInWh?: number;
  /** The account credited (key 13). */
  readonly account: string;
}

/** Transfer: `amount` moves from `account` to `toAccount` (Wh, or GO units). */
export interface TransferEvent extends EventBase {
  readonly type: 'transfer';
  readonly account: string;
  readonly toAccount: string;
  readonly amount: number;
}

/**
 * Cancel (redeem): `amount` of `account`'s holding is used up for `beneficiary` and
 * `purpose` (e.g. a Scope 2 claim) over the claim period [`claimStart`, `claimEnd`).
 */
export interface CancelEvent extends EventBase {
  readonly type: 'cancel';
  readonly account: string;
  readonly amount: number;
  readonly beneficiary: string;
  readonly purpose: string;
  readonly claimStart: number;
  readonly claimEnd: number;
}

/** Withdraw: the registry takes the whole certificate out of circulation, for `reason`. */
export interface WithdrawEvent extends EventBase {
  readonly type: 'withdraw';
  readonly reason: string;
}

/** Expire: the whole certificate's live amount expires. */
export interface ExpireEvent extends EventBase {
  readonly type: 'expire';
}

/**
 * Export: the whole live amount, held by `account`, leaves for the registry
 * `importingRegistry`; afterwards only that registry's import of it is valid.
 */
export interface ExportEvent extends EventBase {
  readonly type: 'export';
  readonly account: string;
  readonly amount: number;
  readonly importingRegistry: string;
}

/**
 * Import: the certificate issued by `issuer` arrives from `exportingRegistry`, whose export
 * event is at `exportLeafIndex` of that registry's log, and `amount` is credited to `account`.
 * Its id is that of (issuer, kind, meter, channel, hour).
 */
export interface ImportEvent extends EventBase, MeterHourFields {
  readonly type: 'import';
  readonly issuer: string;
  readonly exportingRegistry: string;
  readonly exportLeafIndex: number;
  readonly account: string;
  readonly amount: number;
}

/** Any certificate event. */
export type CertificateEvent =
  | IssueEvent
  | TransferEvent
  | CancelEvent
  | WithdrawEvent
  | ExpireEvent
  | ExportEvent
  | ImportEvent;
