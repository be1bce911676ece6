/**
 * OCMF signature verification (OCMF §"Signing and Verification Process"): ECDSA (SEC 1 v2.0
 * §4.1.4) with SHA-256 over the exact payload section bytes, with the meter's public key
 * obtained out of band.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../bytes.ts';
import { ecdsaVerifyDigest } from './curves.ts';
import { OcmfError, type OcmfErrorCode } from './errors.ts';
import { parseOcmf, type OcmfRecord } from './parse.ts';
import { parseOcmfPublicKey, type OcmfPublicKey } from './public-key.ts';

/** The outcome of {@link verifyOcmf}. */
export type OcmfVerdict =
  | {
      /** The signature verifies over the payload bytes with the given key. */
      readonly valid: true;
      /** The parsed record. */
      readonly record: OcmfRecord;
      /** The key it verified under. */
      readonly publicKey: OcmfPublicKey;
    }
  | {
      /** The record, key or signature was rejected. */
      readonly valid: false;
      /** Why, as {@link OcmfError} codes. */
      readonly code: OcmfErrorCode;
      /** The error, with its evidence. */
      readonly error: OcmfError;
      /** The parsed record when parsing got that far. */
      readonly record: OcmfRecord | undefined;
    };

function asKey(key: OcmfPublicKey | string | Uint8Array): OcmfPublicKey {
  return typeof key === 'string' || key instanceof Uint8Array ? parseOcmfPublicKey(key) : key;
}

/**
 * Verifies a parsed record's signature with the meter's public key (a parsed key, or SPKI as
 * accepted by {@link parseOcmfPublicKey}). The key's curve must be the curve SA names; the
 * signature is checked over SHA-256 of `record.payloadBytes`. Returns normally when valid;
 * throws {@link OcmfError} `CURVE_MISMATCH` or `BAD_SIGNATURE` (or `MALFORMED_KEY` /
 * `UNSUPPORTED_ALGORITHM` for an unparseable key) otherwise.
 */
export function verifyOcmfRecord(
  record: OcmfRecord,
  key: OcmfPublicKey | string | Uint8Array,
): void {
  const publicKey = asKey(key);
  const { signature } = record;
  if (publicKey.curve.name !== signature.curve.name) {
    throw new OcmfError(
      'CURVE_MISMATCH',
      `SA ${signature.algorithm} uses ${signature.curve.name} but the key is on ${publicKey.curve.name}`,
      { evidence: { field: 'SA', algorithm: signature.algorithm, keyCurve: publicKey.curve.name } },
    );
  }
  const digest = sha256(record.payloadBytes);
  let ok: boolean;
  try {
    ok = ecdsaVerifyDigest(signature.curve, signature.r, signature.s, digest, publicKey.point);
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new OcmfError('BAD_SIGNATURE', 'signature does not verify over the payload bytes', {
      evidence: {
        algorithm: signature.algorithm,
        payloadSha256: toHex(digest),
        signature: toHex(signature.der),
        publicKey: toHex(publicKey.spki),
      },
    });
  }
}

/**
 * Parses and verifies one record against one key, for callers that have both at hand (a
 * verifier checking a bundle). Never throws for hostile record or key contents: every
 * rejection comes back as `{ valid: false, code, error }`. Ingest, which must find the key
 * from the record's serial numbers first, uses {@link parseOcmf} then {@link verifyOcmfRecord}.
 */
export function verifyOcmf(
  input: string | Uint8Array,
  publicKey: OcmfPublicKey | string | Uint8Array,
): OcmfVerdict {
  let record: OcmfRecord | undefined;
  try {
    record = parseOcmf(input);
    const key = asKey(publicKey);
    verifyOcmfRecord(record, key);
    return { valid: true, record, publicKey: key };
  } catch (e) {
    if (!(e instanceof OcmfError)) throw e;
    return { valid: false, code: e.code, error: e, record };
  }
}
