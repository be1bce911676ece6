/**
 * The simulator's signing keys. Each key is derived from the run's seed and the signer id
 * (SHA-256 of a labelled string), so the same `--seed` and `--prefix` always give the same keys:
 * `--print-commands` can print registrations for a later run to use.
 */
import { createECDH, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { p256 } from '@noble/curves/nist.js';
import { CborTag, encodeCbor } from '../../src/core/cbor/index.ts';
import { concatBytes, fromHex, utf8 } from '../../src/core/bytes.ts';
import { CoseAlg } from '../../src/core/cose/algorithms.ts';
import { sigStructure1 } from '../../src/core/cose/sig-structure.ts';
import { encodeProtectedHeader } from '../../src/core/cose/sign1-sign.ts';
import { encodeReading } from '../../src/core/reading/reading-codec.ts';
import type { Reading } from '../../src/core/reading/reading.ts';
import { READING_CONTENT_TYPE } from '../../src/core/reading/signed-reading.ts';
import { ed25519KeyObject, fastReadingSigner } from '../load/fast-signer.ts';

/** Key types the registry knows (docs/registry.md, key registration). */
export type SimKeyType = 'Ed25519' | 'P-256' | 'OCMF';

/** A signer's key: what to register and how to sign. */
export interface SimKey {
  readonly signerId: string;
  readonly keyType: SimKeyType;
  /** The bytes to register: 32-byte Ed25519 key, 65-byte SEC 1 P-256 point, or DER SPKI (OCMF). */
  readonly publicKey: Uint8Array;
  /** Signs a native reading as a COSE_Sign1 with `kid` = `iss` = the signer id (not for OCMF). */
  signReading(reading: Reading): Uint8Array;
  /** Signs OCMF payload bytes: DER ECDSA-Sig-Value over SHA-256 (OCMF keys only). */
  signOcmf(payload: Uint8Array): Uint8Array;
}

/** RFC 5480 SubjectPublicKeyInfo prefix of an uncompressed P-256 point (id-ecPublicKey, prime256v1). */
const P256_SPKI_PREFIX = fromHex('3059301306072a8648ce3d020106082a8648ce3d030107034200');

/** 32 secret bytes for `signerId`, from the run seed. */
export function deriveSecret(seed: number, signerId: string): Uint8Array {
  return sha256(utf8(`wattproof-sim/v1|${seed}|${signerId}`));
}

/** A valid P-256 scalar from secret bytes (re-hashed in the negligible case it is out of range). */
function p256Scalar(secret: Uint8Array): Uint8Array {
  let k = secret;
  while (!p256.utils.isValidSecretKey(k)) k = sha256(k);
  return k;
}

/** A `node:crypto` P-256 key pair from a scalar: the private key and the uncompressed point. */
function p256KeyObject(scalar: Uint8Array): { key: KeyObject; point: Uint8Array } {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(scalar);
  const point = new Uint8Array(ecdh.getPublicKey());
  const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
  const key = createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: b64(scalar),
      x: b64(point.subarray(1, 33)),
      y: b64(point.subarray(33, 65)),
    },
    format: 'jwk',
  });
  return { key, point };
}

/**
 * An ES256 COSE_Sign1 reading signer with `node:crypto`: the same layout as the core's
 * `signReading` with `alg` −7 (RFC 9053 §2.1: raw `r ‖ s`), with OpenSSL's random nonces
 * instead of RFC 6979 ones — the signatures differ, and verify the same.
 */
function es256Signer(key: KeyObject, kid: Uint8Array, issuer: string): (r: Reading) => Uint8Array {
  return (reading) => {
    const protectedHeader = encodeProtectedHeader({
      alg: CoseAlg.ES256,
      kid,
      iss: issuer,
      sub: reading.meterId,
      contentType: READING_CONTENT_TYPE,
    });
    const payload = encodeReading(reading);
    const signature = sign('sha256', sigStructure1(protectedHeader, payload), {
      key,
      dsaEncoding: 'ieee-p1363',
    });
    return encodeCbor(
      new CborTag(18, [protectedHeader, new Map(), payload, new Uint8Array(signature)]),
    );
  };
}

function notFor(what: string, keyType: SimKeyType): never {
  throw new TypeError(`a ${keyType} key does not sign ${what}`);
}

/** Derives the key of `signerId` of the given type. */
export function simKey(seed: number, signerId: string, keyType: SimKeyType): SimKey {
  const secret = deriveSecret(seed, signerId);
  const kid = utf8(signerId);
  switch (keyType) {
    case 'Ed25519': {
      const sign = fastReadingSigner(secret, kid, signerId);
      return {
        signerId,
        keyType,
        publicKey: new Uint8Array(
          Buffer.from(
            createPublicKey(ed25519KeyObject(secret)).export({ format: 'jwk' }).x!,
            'base64url',
          ),
        ),
        signReading: sign,
        signOcmf: () => notFor('OCMF records', keyType),
      };
    }
    case 'P-256': {
      const { key, point } = p256KeyObject(p256Scalar(secret));
      return {
        signerId,
        keyType,
        publicKey: point,
        signReading: es256Signer(key, kid, signerId),
        signOcmf: () => notFor('OCMF records', keyType),
      };
    }
    case 'OCMF': {
      const { key, point } = p256KeyObject(p256Scalar(secret));
      return {
        signerId,
        keyType,
        publicKey: concatBytes(P256_SPKI_PREFIX, point),
        signReading: () => notFor('COSE readings', keyType),
        // OCMF: ECDSA-secp256r1-SHA256 over the exact payload bytes, DER signature.
        signOcmf: (payload) => new Uint8Array(sign('sha256', payload, { key, dsaEncoding: 'der' })),
      };
    }
  }
}
