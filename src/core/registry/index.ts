/**
 * The key registry's entry formats (DESIGN.md decision 6; docs/registry.md): operator key
 * declarations signed by the log key, key registrations and revocations signed by the operator
 * key, each a COSE_Sign1 (RFC 9052) with a deterministic CBOR payload. Pure: runs in browsers.
 */
export { entryKindOfContentType, RegistryContentType } from './content-types.ts';
export type { RegistryEntryKind } from './content-types.ts';
export { checkEntrySignature, ed25519KeyId, openEntryEnvelope, signEntry } from './envelope.ts';
export type { EntrySigner } from './envelope.ts';
export { RegistryError } from './errors.ts';
export type { RegistryErrorCode } from './errors.ts';
export {
  decodeOperatorDeclaration,
  encodeOperatorDeclaration,
  operatorKeyAt,
  OperatorKeyDeclarationKey,
  sameOperatorKey,
  signOperatorDeclaration,
  verifyOperatorDeclaration,
} from './operator-declaration.ts';
export type {
  OperatorKeyDeclaration,
  VerifiedOperatorDeclaration,
} from './operator-declaration.ts';
export { MAX_REASON_LENGTH } from './payload-map.ts';
export { normalizeSignerPublicKey, validateSignerPublicKey } from './public-key.ts';
export { SIGNER_KEY_TYPES, TRUST_MODES } from './signer-types.ts';
export type { SignerKeyType, TrustMode } from './signer-types.ts';
export { openRegistryEntry, verifyRegistryEntry } from './registry-entry.ts';
export type { EntryIssuer, RegistryEntry } from './registry-entry.ts';
export {
  decodeKeyRegistration,
  encodeKeyRegistration,
  KeyRegistrationKey,
  MAX_METERS,
  signKeyRegistration,
  validateKeyRegistration,
} from './registration.ts';
export type { KeyRegistration } from './registration.ts';
export {
  decodeKeyRevocation,
  encodeKeyRevocation,
  KeyRevocationKey,
  signKeyRevocation,
  validateKeyRevocation,
} from './revocation.ts';
export type { KeyRevocation } from './revocation.ts';
