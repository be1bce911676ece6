/**
 * Verifying operator-signed registry entries (docs/registry.md): a key registration or a key
 * revocation, checked against the operator key a verifier trusts — normally one it got from an
 * operator key declaration verified against the log key ({@link verifyOperatorDeclaration}).
 */
import type { DecodedSign1 } from '../cose/index.ts';
import { EntryKind } from '../leaf/index.ts';
import { RegistryContentType } from './content-types.ts';
import { checkEntrySignature, openEntryEnvelope } from './envelope.ts';
import { RegistryError } from './errors.ts';
import type { OperatorKeyDeclaration } from './operator-declaration.ts';
import { decodeKeyRegistration, type KeyRegistration } from './registration.ts';
import { decodeKeyRevocation, type KeyRevocation } from './revocation.ts';

/** Who signed an operator entry, as its envelope says. */
export interface EntryIssuer {
  /** CWT `iss`: the operator key name. */
  readonly name: string;
  /** `kid` as a big-endian uint32. */
  readonly keyId: number;
}

/** A decoded (and, from {@link verifyRegistryEntry}, verified) operator entry. */
export type RegistryEntry =
  | {
      readonly kind: typeof EntryKind.keyRegistration;
      readonly registration: KeyRegistration;
      readonly issuer: EntryIssuer;
      readonly sign1: DecodedSign1;
    }
  | {
      readonly kind: typeof EntryKind.keyRevocation;
      readonly revocation: KeyRevocation;
      readonly issuer: EntryIssuer;
      readonly sign1: DecodedSign1;
    };

function issuerOf(sign1: DecodedSign1): EntryIssuer {
  const k = sign1.kid;
  if (k.length !== 4) {
    throw new RegistryError('MALFORMED_ENTRY', 'kid is not a 4-byte signed-note key ID', {
      evidence: { kidLength: k.length },
    });
  }
  return { name: sign1.iss, keyId: ((k[0]! << 24) | (k[1]! << 16) | (k[2]! << 8) | k[3]!) >>> 0 };
}

function payloadOf(sign1: DecodedSign1): RegistryEntry {
  const issuer = issuerOf(sign1);
  let entry: RegistryEntry;
  let subject: string;
  if (sign1.contentType === RegistryContentType.keyRegistration) {
    const registration = decodeKeyRegistration(sign1.payload);
    entry = { kind: EntryKind.keyRegistration, registration, issuer, sign1 };
    subject = registration.signerId;
  } else if (sign1.contentType === RegistryContentType.keyRevocation) {
    const revocation = decodeKeyRevocation(sign1.payload);
    entry = { kind: EntryKind.keyRevocation, revocation, issuer, sign1 };
    subject = revocation.signerId;
  } else {
    throw new RegistryError('WRONG_CONTENT_TYPE', 'not a key registration or revocation', {
      evidence: { contentType: sign1.contentType ?? null },
    });
  }
  if (sign1.sub !== subject) {
    throw new RegistryError('SUBJECT_MISMATCH', 'CWT sub differs from the payload signer id', {
      evidence: { sub: sign1.sub, signerId: subject },
    });
  }
  return entry;
}

/**
 * Decodes a registration or revocation without checking its signature (for the node's own
 * listings; a verifier uses {@link verifyRegistryEntry}). Throws {@link RegistryError} only.
 */
export function openRegistryEntry(bytes: Uint8Array): RegistryEntry {
  return payloadOf(openEntryEnvelope(bytes));
}

/**
 * Verifies a key registration or revocation against the operator key: a declaration (then
 * `iss` must be its name) or a raw 32-byte Ed25519 public key. Checks, in order: the envelope
 * (strict tagged COSE_Sign1, EdDSA, empty unprotected header), a registry content type, `kid`
 * = the signed-note key ID of `iss` and the key, the signature over the Sig_structure
 * (RFC 9052 §4.4), the payload fields, and `sub` = the signer id. Throws {@link RegistryError}
 * only. The result's `kind` must match the leaf's entry kind; the caller checks that.
 */
export function verifyRegistryEntry(
  bytes: Uint8Array,
  operatorKey: Uint8Array | OperatorKeyDeclaration,
): RegistryEntry {
  const sign1 = openEntryEnvelope(bytes);
  if (
    sign1.contentType !== RegistryContentType.keyRegistration &&
    sign1.contentType !== RegistryContentType.keyRevocation
  ) {
    throw new RegistryError('WRONG_CONTENT_TYPE', 'not a key registration or revocation', {
      evidence: { contentType: sign1.contentType ?? null },
    });
  }
  if (operatorKey instanceof Uint8Array) checkEntrySignature(sign1, operatorKey);
  else checkEntrySignature(sign1, operatorKey.publicKey, operatorKey.name);
  return payloadOf(sign1);
}
