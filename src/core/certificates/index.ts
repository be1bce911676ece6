/**
 * The pure core of a certificate registry (docs/registry-certificates.md; DESIGN.md decision
 * 16): certificate events as deterministic CBOR, signed as COSE_Sign1 by the registry's issuer
 * key, applied in log order by a state machine that enforces once-only, issue events made
 * from an evidence bundle the core verifies itself, and the keys and values under which a
 * verifiable index files them. Runs in browsers.
 */
export {
  CERTIFICATE_ID_SIZE,
  CERTIFICATE_ID_TAG,
  certificateId,
  certificateIdHex,
  type CertificateSubject,
} from './certificate-id.ts';
export { BundleRefusedError, CertificateError, type CertificateErrorCode } from './errors.ts';
export { decodeCertificateEvent, encodeCertificateEvent } from './event.ts';
export {
  CERTIFICATE_EVENT_VERSION,
  EventType,
  type CancelEvent,
  type CertificateEvent,
  type EventBase,
  type ExpireEvent,
  type ExportEvent,
  type ImportEvent,
  type IssueEvent,
  type MeterHourFields,
  type TransferEvent,
  type WithdrawEvent,
} from './event-types.ts';
export {
  CertificateIndexFamily,
  certificateIndexEntries,
  certificateIndexKey,
  certificateIndexKeysOf,
  METER_HOUR_KEY_SIZE,
  meterHourIndexKey,
  type CertificateIndexEntry,
} from './index-keys.ts';
export { checkImportOf } from './import-check.ts';
export {
  issueFromBundle,
  type IssueFromBundle,
  type IssueFromBundleRequest,
  type IssueRefusal,
} from './issue-from-bundle.ts';
export {
  CertificateKind,
  END_OF_HOURS,
  HOUR_SECONDS,
  isValidAccountId,
  isValidRegistryOrigin,
  MAX_TEXT_LENGTH,
} from './names.ts';
export {
  coversHour,
  provenHours,
  type MeterHour,
  type ProvenBundle,
  type ProvenHour,
} from './proven-hours.ts';
export { RegistryState, replayRegistry, type RegistryFilings } from './registry-state.ts';
export {
  CERTIFICATE_EVENT_CONTENT_TYPE,
  issuerKid,
  signCertificateEvent,
  verifySignedCertificateEvent,
  type VerifiedCertificateEvent,
} from './signed-event.ts';
export {
  VOID_CODES,
  type CertificateState,
  type CertificateStatus,
  type EventVerdict,
  type VoidCode,
} from './verdicts.ts';
