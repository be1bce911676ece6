/**
 * Errors of the key registry's entry formats (docs/registry.md): operator key declarations,
 * key registrations and key revocations, each a COSE_Sign1 (RFC 9052).
 */
import { WattproofError } from '../errors.ts';

/**
 * Why a registry entry was refused:
 * - `MALFORMED_ENTRY`: not a strict tagged COSE_Sign1 (RFC 9052 §4.2) with `alg`, `kid` and CWT
 *   `iss`/`sub` in the protected header (`evidence.coseCode`), or a payload that is not a strict
 *   CBOR map of the format's keys (`evidence.key`).
 * - `UNSUPPORTED_ALG`: `alg` is not EdDSA (−8); registry entries are Ed25519 only.
 * - `UNPROTECTED_NOT_EMPTY`: the unprotected header is not empty.
 * - `WRONG_CONTENT_TYPE`: the content type (label 3) is not the one of the expected entry kind.
 * - `WRONG_KEY`: the entry names another key: `kid` is not the signed-note key ID of `iss` and
 *   the verifying key (c2sp.org/signed-note §Signatures), or `iss` is not the expected name.
 * - `INVALID_KEY`: the key given to verify with is not a valid Ed25519 key or vkey.
 * - `BAD_SIGNATURE`: the signature does not verify over the Sig_structure (RFC 9052 §4.4).
 * - `INVALID_FIELD`: a payload field has the wrong type or value (`evidence.field`).
 * - `SUBJECT_MISMATCH`: the CWT `sub` differs from the payload's subject (signer id, or the
 *   declared operator key name).
 */
export type RegistryErrorCode =
  | 'MALFORMED_ENTRY'
  | 'UNSUPPORTED_ALG'
  | 'UNPROTECTED_NOT_EMPTY'
  | 'WRONG_CONTENT_TYPE'
  | 'WRONG_KEY'
  | 'INVALID_KEY'
  | 'BAD_SIGNATURE'
  | 'INVALID_FIELD'
  | 'SUBJECT_MISMATCH';

/** A registry entry was refused, or a registration request has an invalid field. */
export class RegistryError extends WattproofError<RegistryErrorCode> {}

/** Throws `INVALID_FIELD` for `field`, with the reason in the message and evidence. */
export function invalidField(field: string, reason: string): never {
  throw new RegistryError('INVALID_FIELD', `${field}: ${reason}`, { evidence: { field, reason } });
}
