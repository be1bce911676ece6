/**
 * The node's key registry (DESIGN.md decision 6; docs/registry.md): signers in memory for the
 * ingest checks, registrations and revocations as operator-signed log entries, and the
 * operator key with its declaration by the log key.
 */
export {
  BROKER_SECRET_PREFIX,
  type BrokerCredential,
  type IssuedBrokerCredential,
} from './broker-credential.ts';
export { registryBrokerAccess } from './broker-access.ts';
export { SignerRegistryError } from './errors.ts';
export type { SignerRegistryErrorCode } from './errors.ts';
export { loadOperatorKey, operatorKeyName } from './operator-key.ts';
export type { OperatorKey } from './operator-key.ts';
export { Registry } from './registry.ts';
export type {
  DeclarationAt,
  RegisterRequest,
  RegistryChange,
  RegistryOptions,
} from './registry.ts';
export type { RegisteredSigner } from './signer-record.ts';
export type { SignerDirectory, SignerRecord } from './signer.ts';
