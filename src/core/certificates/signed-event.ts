/**
 * Signed certificate events (docs/registry-certificates.md §Signed events): a tagged
 * COSE_Sign1 (RFC 9052 §4.2) over the exact event bytes, signed with the registry's issuer
 * key, Ed25519 (`alg` −8, EdDSA; RFC 9053 §2.2). The protected header is exactly
 * `{1: −8, 3: content type, 4: kid, 15: {1: registry origin, 2: certificate id hex}}`
 * (CWT Claims, RFC 9597), so the event is also shaped as a SCITT Signed Statement, and `kid`
 * is the issuer key's signed-note key ID (c2sp.org/signed-note §Signatures: the key name is
 * the registry origin, DESIGN.md decision 2) as 4 big-endian bytes.
 */
import { bytesEqual } from '../bytes.ts';
import {
  assertValidPublicKey,
  CoseAlg,
  CoseError,
  decodeCoseSign1,
  encodeProtectedHeader,
  publicKeyFromPrivate,
  signCoseSign1,
  verifyCoseSign1,
  type DecodedSign1,
} from '../cose/index.ts';
import { keyId, SignatureType, u32be, withType } from '../note/index.ts';
import { certificateIdHex } from './certificate-id.ts';
import { CertificateError } from './errors.ts';
import { decodeCertificateEvent, encodeCertificateEvent } from './event.ts';
import type { CertificateEvent } from './event-types.ts';
import { isValidRegistryOrigin } from './names.ts';

/** Content type (COSE label 3) of a signed certificate event's payload. */
export const CERTIFICATE_EVENT_CONTENT_TYPE = 'application/vnd.wattproof.certificate-event+cbor';

/** A signed event that verified. */
export interface VerifiedCertificateEvent {
  /** The whole COSE_Sign1, as received. */
  readonly bytes: Uint8Array;
  /** The event bytes (the payload), as received. */
  readonly payload: Uint8Array;
  /** What they say. */
  readonly event: CertificateEvent;
  /** The issuer key's 4-byte key ID. */
  readonly kid: Uint8Array;
}

/** The 4-byte `kid` of a registry's Ed25519 issuer key: its signed-note key ID, big-endian. */
export function issuerKid(registry: string, publicKey: Uint8Array): Uint8Array {
  if (!isValidRegistryOrigin(registry)) {
    throw new CertificateError('INVALID_FIELD', 'registry: not a registry origin', {
      evidence: { field: 'registry' },
    });
  }
  return u32be(keyId(registry, withType(SignatureType.ed25519, publicKey)));
}

function protectedHeaderOf(event: CertificateEvent, kid: Uint8Array): Uint8Array {
  return encodeProtectedHeader({
    alg: CoseAlg.EdDSA,
    kid,
    iss: event.registry,
    sub: certificateIdHex(event.certificateId),
    contentType: CERTIFICATE_EVENT_CONTENT_TYPE,
  });
}

/**
 * Signs `event` with the registry's 32-byte Ed25519 issuer seed (RFC 8032 §5.1.5): encodes it
 * ({@link encodeCertificateEvent}, whose errors it throws) and wraps the bytes in a COSE_Sign1.
 * Deterministic: equal inputs give equal bytes.
 */
export function signCertificateEvent(event: CertificateEvent, privateKey: Uint8Array): Uint8Array {
  const payload = encodeCertificateEvent(event);
  const kid = issuerKid(event.registry, publicKeyFromPrivate(CoseAlg.EdDSA, privateKey));
  return signCoseSign1({
    alg: CoseAlg.EdDSA,
    kid,
    iss: event.registry,
    sub: certificateIdHex(event.certificateId),
    contentType: CERTIFICATE_EVENT_CONTENT_TYPE,
    payload,
    privateKey,
  });
}

function mismatch(field: string, why: string): never {
  throw new CertificateError('HEADER_MISMATCH', `signed certificate event: ${why}`, {
    evidence: { field },
  });
}

function decodeSigned(bytes: Uint8Array): DecodedSign1 {
  try {
    return decodeCoseSign1(bytes);
  } catch (e) {
    if (!(e instanceof CoseError)) throw e;
    throw new CertificateError('MALFORMED_SIGNED_EVENT', `signed certificate event: ${e.message}`, {
      cause: e,
      evidence: { cose: e.code },
    });
  }
}

/**
 * Verifies a signed certificate event under the registry's Ed25519 issuer `publicKey`, over
 * the exact protected and payload bytes received (RFC 9052 §4.4), then decodes the payload
 * strictly and checks that the header names the event's registry and certificate. With
 * `registry`, the event must be of that registry. Throws {@link CertificateError} only:
 * `MALFORMED_SIGNED_EVENT`, `INVALID_KEY`, `HEADER_MISMATCH` (alg, kid, unprotected header,
 * content type, iss, sub, or any other protected header than the one this registry writes),
 * `BAD_SIGNATURE`, and the event decoder's codes.
 */
export function verifySignedCertificateEvent(
  bytes: Uint8Array,
  publicKey: Uint8Array,
  registry?: string,
): VerifiedCertificateEvent {
  try {
    assertValidPublicKey(CoseAlg.EdDSA, publicKey);
  } catch (e) {
    throw new CertificateError('INVALID_KEY', 'issuer key: not an Ed25519 public key', {
      cause: e,
    });
  }
  const d = decodeSigned(bytes);
  if (d.alg !== CoseAlg.EdDSA) mismatch('alg', 'alg is not EdDSA (−8)');
  if (d.unprotectedHeader.size !== 0)
    mismatch('unprotected', 'the unprotected header is not empty');
  if (registry !== undefined && d.iss !== registry) mismatch('iss', 'iss is not the registry');
  if (!isValidRegistryOrigin(d.iss)) mismatch('iss', 'iss is not a registry origin');
  if (!bytesEqual(d.kid, issuerKid(d.iss, publicKey))) {
    mismatch('kid', 'kid is not the key ID of the issuer key');
  }
  if (d.contentType !== CERTIFICATE_EVENT_CONTENT_TYPE) {
    mismatch('contentType', 'content type is not a certificate event');
  }
  if (!verifyCoseSign1(d, publicKey, CoseAlg.EdDSA)) {
    throw new CertificateError('BAD_SIGNATURE', 'signed certificate event: bad signature', {
      evidence: { iss: d.iss, sub: d.sub },
    });
  }
  const event = decodeCertificateEvent(d.payload);
  if (event.registry !== d.iss) mismatch('iss', 'iss is not the event’s registry');
  if (d.sub !== certificateIdHex(event.certificateId)) {
    mismatch('sub', 'sub is not the event’s certificate id');
  }
  if (!bytesEqual(d.protectedBytes, protectedHeaderOf(event, d.kid))) {
    mismatch('protected', 'the protected header is not the one the registry writes');
  }
  return { bytes: d.bytes, payload: d.payload.slice(), event, kid: d.kid.slice() };
}
