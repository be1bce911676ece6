/**
 * Certificate events for the tests: builders that fill in the id and the fields a test does
 * not care about, and a fixed issuer key.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  certificateId,
  type CancelEvent,
  type CertificateKind,
  type ExpireEvent,
  type ExportEvent,
  type ImportEvent,
  type IssueEvent,
  type TransferEvent,
  type WithdrawEvent,
} from '../../../src/core/certificates/index.ts';

export { codeOf } from '../ledger-index/code-of.ts';

/** The registry of most tests, and another one. */
export const REGISTRY = 'registry.example/eu';
export const OTHER = 'registry.example/ch';

/** A fixed issuer seed and its public key. */
export const ISSUER_SEED = new Uint8Array(32).fill(7);
export const ISSUER_KEY = ed25519.getPublicKey(ISSUER_SEED);

/** 2026-03-29T01:00:00Z. */
export const HOUR = 1_774_746_000;
export const TIME = HOUR + 7200;
export const EXPORT_OBIS = '1-0:2.8.0';

/** The id of a certificate of `meterId`'s export channel at `hour` issued by `issuer`. */
export function idOf(
  meterId = 'm1',
  hour = HOUR,
  kind: CertificateKind = 'granular',
  issuer = REGISTRY,
): Uint8Array {
  return certificateId({ issuer, kind, meterId, obis: EXPORT_OBIS, hour });
}

/** An issue event; `carryInWh` defaults to 0 for kind go. */
export function issue(p: Partial<IssueEvent> = {}): IssueEvent {
  const kind = p.kind ?? 'granular';
  const base = {
    type: 'issue' as const,
    registry: p.registry ?? REGISTRY,
    time: TIME,
    kind,
    meterId: 'm1',
    obis: EXPORT_OBIS,
    hour: HOUR,
    energyWh: 1234,
    bundleSha256: new Uint8Array(32).fill(0xbb),
    account: 'producer',
    ...(kind === 'go' ? { carryInWh: 0 } : {}),
    ...p,
  };
  const id = certificateId({ ...base, issuer: base.registry });
  return { certificateId: id, ...base } as IssueEvent;
}

/** A transfer of `amount` from `account` to `toAccount`. */
export function transfer(p: Partial<TransferEvent> = {}): TransferEvent {
  return {
    type: 'transfer',
    registry: REGISTRY,
    certificateId: idOf(),
    time: TIME,
    account: 'producer',
    toAccount: 'buyer',
    amount: 100,
    ...p,
  };
}

/** A cancel for a Scope 2 claim over March 2026. */
export function cancel(p: Partial<CancelEvent> = {}): CancelEvent {
  return {
    type: 'cancel',
    registry: REGISTRY,
    certificateId: idOf(),
    time: TIME,
    account: 'producer',
    amount: 100,
    beneficiary: 'Example GmbH',
    purpose: 'GHG Protocol Scope 2 market-based claim',
    claimStart: 1_772_323_200,
    claimEnd: 1_775_001_600,
    ...p,
  };
}

/** A withdrawal. */
export function withdraw(p: Partial<WithdrawEvent> = {}): WithdrawEvent {
  return {
    type: 'withdraw',
    registry: REGISTRY,
    certificateId: idOf(),
    time: TIME,
    reason: 'evidence bundle found faulty',
    ...p,
  };
}

/** An expiry. */
export function expire(p: Partial<ExpireEvent> = {}): ExpireEvent {
  return { type: 'expire', registry: REGISTRY, certificateId: idOf(), time: TIME, ...p };
}

/** An export of 1234 Wh held by `producer` to {@link OTHER}. */
export function exportTo(p: Partial<ExportEvent> = {}): ExportEvent {
  return {
    type: 'export',
    registry: REGISTRY,
    certificateId: idOf(),
    time: TIME,
    account: 'producer',
    amount: 1234,
    importingRegistry: OTHER,
    ...p,
  };
}

/** An import into {@link OTHER} of m1's certificate issued by {@link REGISTRY}. */
export function importFrom(p: Partial<ImportEvent> = {}): ImportEvent {
  const base = {
    type: 'import' as const,
    registry: OTHER,
    time: TIME,
    kind: 'granular' as CertificateKind,
    meterId: 'm1',
    obis: EXPORT_OBIS,
    hour: HOUR,
    account: 'importer',
    amount: 1234,
    issuer: REGISTRY,
    exportingRegistry: REGISTRY,
    exportLeafIndex: 5,
    ...p,
  };
  return { certificateId: certificateId(base), ...base };
}
