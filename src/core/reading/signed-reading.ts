/**
 * Signed readings: a reading payload inside a COSE_Sign1 (RFC 9052 §4.2) that is also a SCITT
 * Signed Statement (RFC 9943): `iss` is the signer (device or collection platform), `sub` the
 * meter id. What the ledger hashes and stores is always the exact COSE bytes received.
 */
import { assertCoseSign1, decodeCoseSign1, signCoseSign1 } from '../cose/index.ts';
import type { CoseAlgorithm, DecodedSign1 } from '../cose/index.ts';
import { ReadingError } from './errors.ts';
import { decodeReading, encodeReading } from './reading-codec.ts';
import type { Reading } from './reading.ts';

/** Content type (COSE label 3) of the reading payload. */
export const READING_CONTENT_TYPE = 'application/vnd.wattproof.reading+cbor';

/** Signer parameters of {@link signReading}. */
export interface SignReadingOptions {
  /** EdDSA (−8) or ES256 (−7). */
  readonly alg: CoseAlgorithm;
  /** Key id of the signing key as registered in the ledger. */
  readonly kid: Uint8Array;
  /** CWT `iss`: the signer id (the device, or the collection platform). */
  readonly issuer: string;
  /** 32-byte private key (Ed25519 seed or P-256 scalar). */
  readonly privateKey: Uint8Array;
}

/** A signed reading taken apart: the validated reading and its COSE envelope. */
export interface OpenedReading {
  /** The decoded, validated payload. */
  readonly reading: Reading;
  /** The envelope; `sign1.bytes` are the exact bytes received. */
  readonly sign1: DecodedSign1;
}

/**
 * Signs a reading as a tagged COSE_Sign1 with protected header
 * `{1: alg, 3: "application/vnd.wattproof.reading+cbor", 4: kid, 15: {1: issuer, 2: meterId}}`,
 * an empty unprotected header and the deterministic reading payload. Deterministic for both
 * algorithms (Ed25519; ES256 with RFC 6979 nonces).
 */
export function signReading(reading: Reading, options: SignReadingOptions): Uint8Array {
  const payload = encodeReading(reading);
  return signCoseSign1({
    alg: options.alg,
    kid: options.kid,
    iss: options.issuer,
    sub: reading.meterId,
    contentType: READING_CONTENT_TYPE,
    payload,
    privateKey: options.privateKey,
  });
}

function openDecoded(sign1: DecodedSign1): OpenedReading {
  if (sign1.unprotectedHeader.size !== 0) {
    throw new ReadingError(
      'UNPROTECTED_NOT_EMPTY',
      'a signed reading has an empty unprotected header',
      {
        evidence: { labels: [...sign1.unprotectedHeader.keys()] },
      },
    );
  }
  if (sign1.contentType !== READING_CONTENT_TYPE) {
    throw new ReadingError('WRONG_CONTENT_TYPE', 'content type is not the reading media type', {
      evidence: { contentType: sign1.contentType ?? null },
    });
  }
  const reading = decodeReading(sign1.payload);
  if (sign1.sub !== reading.meterId) {
    throw new ReadingError('SUBJECT_MISMATCH', 'CWT sub differs from the payload meter id', {
      evidence: { sub: sign1.sub, meterId: reading.meterId },
    });
  }
  return { reading, sign1 };
}

/**
 * Decodes a signed reading without any key: the COSE envelope ({@link decodeCoseSign1}), the
 * reading payload ({@link decodeReading}), and the envelope rules of the format (empty
 * unprotected header, reading content type, `sub` = meter id). Use `sign1.kid`/`sign1.iss` to
 * look up the key, then {@link verifySignedReading}. Throws `CoseError` or `ReadingError` only.
 * `inPlace`: no copy of `bytes` is taken (see {@link decodeCoseSign1}).
 */
export function openSignedReading(
  bytes: Uint8Array,
  options: { readonly inPlace?: boolean } = {},
): OpenedReading {
  return openDecoded(decodeCoseSign1(bytes, options));
}

/**
 * Decodes a signed reading and verifies its signature under `publicKey` (registered for
 * `alg`) before looking at the payload, then applies the checks of
 * {@link openSignedReading}. Throws `CoseError` (`BAD_SIGNATURE`, `ALG_MISMATCH`,
 * `INVALID_KEY`, decoding codes) or `ReadingError`.
 */
export function verifySignedReading(
  bytes: Uint8Array,
  publicKey: Uint8Array,
  alg: CoseAlgorithm,
): OpenedReading {
  const sign1 = decodeCoseSign1(bytes);
  assertCoseSign1(sign1, publicKey, alg);
  return openDecoded(sign1);
}
