/**
 * Errors of the node's key registry (`Registry`): requests that conflict with what is
 * registered. Invalid fields are the core's `RegistryError` `INVALID_FIELD`.
 */
import { WattproofError } from '../core/errors.ts';

/**
 * Why a registry change was refused:
 * - `SIGNER_EXISTS`: the signer id is registered already (revoked or not; ids are never reused).
 * - `SIGNER_NOT_FOUND`: no signer has this id.
 * - `SIGNER_REVOKED`: the signer is revoked already.
 * - `OPERATOR_NOT_DECLARED`: the operator key has no declaration in the log yet, so entries it
 *   signed could not be verified; `ensureOperatorDeclared` must run first.
 * - `OPERATOR_KEY_MISMATCH`: the operator or log key given does not match its public key.
 */
export type SignerRegistryErrorCode =
  | 'SIGNER_EXISTS'
  | 'SIGNER_NOT_FOUND'
  | 'SIGNER_REVOKED'
  | 'OPERATOR_NOT_DECLARED'
  | 'OPERATOR_KEY_MISMATCH';

/** A registry change conflicts with the registry's state. */
export class SignerRegistryError extends WattproofError<SignerRegistryErrorCode> {}
