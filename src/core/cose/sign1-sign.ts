/**
 * Producing a COSE_Sign1 (RFC 9052 §4.2, §4.4) shaped as a SCITT Signed Statement (RFC 9943):
 * `alg`, `kid` and CWT Claims (`iss`, `sub`; RFC 9597) all in the protected header, an empty
 * unprotected header, an attached payload.
 */
import { CborTag, encodeCbor } from '../cbor/index.ts';
import type { CborMap } from '../cbor/index.ts';
import { isSupportedAlg, signWithAlg } from './algorithms.ts';
import type { CoseAlgorithm } from './algorithms.ts';
import { COSE_SIGN1_TAG, CwtClaim, HeaderLabel } from './headers.ts';
import { sigStructure1 } from './sig-structure.ts';

/** What goes into the protected header of a signed statement. */
export interface ProtectedHeaderFields {
  /** Signature algorithm (label 1). */
  readonly alg: CoseAlgorithm;
  /** Key identifier (label 4), a non-empty byte string. */
  readonly kid: Uint8Array;
  /** CWT `iss` (claim 1): the signer. */
  readonly iss: string;
  /** CWT `sub` (claim 2): what the statement is about (for readings, the meter id). */
  readonly sub: string;
  /** Content type (label 3) of the payload: a media type string or a CoAP content-format. */
  readonly contentType?: string | number;
}

/** Arguments of {@link signCoseSign1}. */
export interface SignCoseSign1Options extends ProtectedHeaderFields {
  /** The payload bytes, carried attached. */
  readonly payload: Uint8Array;
  /** 32-byte private key: Ed25519 seed (RFC 8032 §5.1.5) or P-256 scalar. */
  readonly privateKey: Uint8Array;
}

function checkFields(f: ProtectedHeaderFields): void {
  if (!isSupportedAlg(f.alg))
    throw new RangeError('signCoseSign1: alg must be EdDSA (-8) or ES256 (-7)');
  if (!(f.kid instanceof Uint8Array) || f.kid.length === 0) {
    throw new TypeError('signCoseSign1: kid must be a non-empty Uint8Array');
  }
  if (typeof f.iss !== 'string' || f.iss.length === 0)
    throw new TypeError('signCoseSign1: iss must be a non-empty string');
  if (typeof f.sub !== 'string' || f.sub.length === 0)
    throw new TypeError('signCoseSign1: sub must be a non-empty string');
  if (
    f.contentType !== undefined &&
    !(typeof f.contentType === 'string' && f.contentType.length > 0) &&
    !(Number.isSafeInteger(f.contentType) && (f.contentType as number) >= 0)
  ) {
    throw new TypeError('signCoseSign1: contentType must be a non-empty string or a uint');
  }
}

/**
 * The deterministically encoded protected header map (RFC 9052 §3): `{1: alg, 3: content type,
 * 4: kid, 15: {1: iss, 2: sub}}`, keys in RFC 8949 §4.2.1 order. These are the bytes wrapped
 * in the `protected` bstr.
 */
export function encodeProtectedHeader(fields: ProtectedHeaderFields): Uint8Array {
  checkFields(fields);
  const claims: CborMap = new Map<number, string>([
    [CwtClaim.ISS, fields.iss],
    [CwtClaim.SUB, fields.sub],
  ]);
  const header: CborMap = new Map();
  header.set(HeaderLabel.ALG, fields.alg);
  if (fields.contentType !== undefined) header.set(HeaderLabel.CONTENT_TYPE, fields.contentType);
  header.set(HeaderLabel.KID, fields.kid);
  header.set(HeaderLabel.CWT_CLAIMS, claims);
  return encodeCbor(header);
}

/**
 * Signs `payload` into a tagged COSE_Sign1 (RFC 9052 §4.2):
 * `18([protected, {}, payload, signature])` with the signature computed over the
 * Sig_structure of RFC 9052 §4.4 (empty external AAD). Ed25519 is deterministic and ES256 uses
 * RFC 6979 nonces, so equal inputs give equal bytes.
 */
export function signCoseSign1(options: SignCoseSign1Options): Uint8Array {
  const protectedBytes = encodeProtectedHeader(options);
  if (!(options.payload instanceof Uint8Array))
    throw new TypeError('signCoseSign1: payload must be a Uint8Array');
  const toBeSigned = sigStructure1(protectedBytes, options.payload);
  const signature = signWithAlg(options.alg, toBeSigned, options.privateKey);
  return encodeCbor(
    new CborTag(COSE_SIGN1_TAG, [protectedBytes, new Map(), options.payload, signature]),
  );
}
