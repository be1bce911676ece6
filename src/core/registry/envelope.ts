/**
 * The COSE_Sign1 envelope shared by the registry entry formats (RFC 9052 §4.2, shaped as a SCITT
 * Signed Statement, RFC 9943, like readings): EdDSA only, `kid` the signer's 4-byte signed-note
 * key ID (c2sp.org/signed-note §Signatures), CWT `iss` its key name and `sub` the entry's
 * subject (RFC 9597), a content type naming the format, an empty unprotected header.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesEqual } from '../bytes.ts';
import { CborTag, encodeCbor } from '../cbor/index.ts';
import {
  COSE_SIGN1_TAG,
  CoseAlg,
  CoseError,
  decodeCoseSign1,
  encodeProtectedHeader,
  sigStructure1,
  verifyWithAlg,
} from '../cose/index.ts';
import type { DecodedSign1 } from '../cose/index.ts';
import { isValidKeyName, keyId, SignatureType, u32be, withType } from '../note/index.ts';
import { RegistryError } from './errors.ts';

/**
 * An Ed25519 key that signs registry entries: the log key (declarations) or the operator key
 * (registrations, revocations). A signed-note Ed25519 `NoteSigner` (type 0x01) is one.
 */
export interface EntrySigner {
  /** Key name: the CWT `iss` of the entries it signs. */
  readonly name: string;
  /** Signed-note key ID of (name, 0x01 ‖ public key): the `kid` of the entries it signs. */
  readonly keyId: number;
  /** Ed25519 signature (RFC 8032 §5.1.6) of `message`. */
  sign(message: Uint8Array): Uint8Array;
}

/** The signed-note Ed25519 key ID (c2sp.org/signed-note §Signatures) of `name` and `publicKey`. */
export function ed25519KeyId(name: string, publicKey: Uint8Array): number {
  return keyId(name, withType(SignatureType.ed25519, publicKey));
}

/** Signs `payload` as a tagged COSE_Sign1 `18([protected, {}, payload, signature])`. */
export function signEntry(
  signer: EntrySigner,
  contentType: string,
  sub: string,
  payload: Uint8Array,
): Uint8Array {
  if (!isValidKeyName(signer.name))
    throw new TypeError('signEntry: signer name is not a valid key name');
  const protectedBytes = encodeProtectedHeader({
    alg: CoseAlg.EdDSA,
    kid: u32be(signer.keyId),
    iss: signer.name,
    sub,
    contentType,
  });
  const signature = signer.sign(sigStructure1(protectedBytes, payload));
  return encodeCbor(new CborTag(COSE_SIGN1_TAG, [protectedBytes, new Map(), payload, signature]));
}

/**
 * Decodes the envelope without a key: a strict tagged COSE_Sign1 with EdDSA, `kid`, `iss`,
 * `sub` and a content type in the protected header and an empty unprotected header. Throws
 * {@link RegistryError} only (`MALFORMED_ENTRY` with the `CoseError` as cause,
 * `UNSUPPORTED_ALG`, `UNPROTECTED_NOT_EMPTY`).
 */
export function openEntryEnvelope(bytes: Uint8Array): DecodedSign1 {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('expected a Uint8Array');
  let sign1: DecodedSign1;
  try {
    sign1 = decodeCoseSign1(bytes);
  } catch (e) {
    if (!(e instanceof CoseError)) throw e;
    const code = e.code === 'UNSUPPORTED_ALG' ? 'UNSUPPORTED_ALG' : 'MALFORMED_ENTRY';
    throw new RegistryError(code, `not a registry entry: ${e.message}`, {
      cause: e,
      evidence: { coseCode: e.code },
    });
  }
  if (sign1.alg !== CoseAlg.EdDSA) {
    throw new RegistryError('UNSUPPORTED_ALG', 'registry entries are signed with EdDSA (-8)', {
      evidence: { alg: sign1.alg },
    });
  }
  if (sign1.unprotectedHeader.size !== 0) {
    throw new RegistryError(
      'UNPROTECTED_NOT_EMPTY',
      'a registry entry has an empty unprotected header',
      {
        evidence: { labels: [...sign1.unprotectedHeader.keys()] },
      },
    );
  }
  return sign1;
}

/**
 * Checks that `sign1` was signed by the Ed25519 key `publicKey`: its `kid` must be the
 * signed-note key ID of its `iss` and that key (and `iss` must be `expectedName` when given),
 * else `WRONG_KEY`; the signature must verify over the Sig_structure built from the bytes
 * received (RFC 9052 §4.4), else `BAD_SIGNATURE`. A malformed key gives `INVALID_KEY`.
 */
export function checkEntrySignature(
  sign1: DecodedSign1,
  publicKey: Uint8Array,
  expectedName?: string,
): void {
  if (
    !(publicKey instanceof Uint8Array) ||
    publicKey.length !== 32 ||
    !ed25519.utils.isValidPublicKey(publicKey, false)
  ) {
    throw new RegistryError('INVALID_KEY', 'the verifying key is not a valid Ed25519 public key');
  }
  if (expectedName !== undefined && sign1.iss !== expectedName) {
    throw new RegistryError(
      'WRONG_KEY',
      `entry issued by "${sign1.iss}", expected "${expectedName}"`,
      {
        evidence: { iss: sign1.iss, expected: expectedName },
      },
    );
  }
  if (!bytesEqual(sign1.kid, u32be(ed25519KeyId(sign1.iss, publicKey)))) {
    throw new RegistryError(
      'WRONG_KEY',
      'the entry kid is not the key ID of its issuer and this key',
      {
        evidence: { iss: sign1.iss, kid: sign1.kid },
      },
    );
  }
  const toBeSigned = sigStructure1(sign1.protectedBytes, sign1.payload);
  if (!verifyWithAlg(CoseAlg.EdDSA, sign1.signature, toBeSigned, publicKey)) {
    throw new RegistryError('BAD_SIGNATURE', 'registry entry signature does not verify', {
      evidence: { iss: sign1.iss, sub: sign1.sub },
    });
  }
}
