/**
 * The OCMF signature section (OCMF Table 8: SA, SE, SM, SD) and the signature algorithms of
 * OCMF Table 22. Every algorithm is ECDSA with SHA-256 over the payload bytes.
 */
import { fromBase64, fromHex } from '../bytes.ts';
import { OCMF_CURVES, type OcmfCurve, type OcmfCurveName } from './curves.ts';
import { DerReader, DerSyntaxError, DerTag, derUnsignedInteger } from './der.ts';
import { OcmfError } from './errors.ts';
import { isJsonObject, type JsonObject, type JsonValue } from './json.ts';

/** SA when the field is absent (OCMF Table 8 and Table 22 default). */
export const DEFAULT_SIGNATURE_ALGORITHM = 'ECDSA-secp256r1-SHA256';

/**
 * Accepted SA spellings → curve. The Table 22 identifiers, plus the curve synonyms Table 22
 * lists (prime192v1, prime256v1, prime384v1) and the RFC 5639 spelling `brainpoolP…r1` that
 * devices and other verifiers emit. Matching is exact (case-sensitive).
 */
export const OCMF_SIGNATURE_ALGORITHMS: Readonly<Record<string, OcmfCurveName>> = Object.freeze({
  'ECDSA-secp192k1-SHA256': 'secp192k1',
  'ECDSA-secp256k1-SHA256': 'secp256k1',
  'ECDSA-secp192r1-SHA256': 'secp192r1',
  'ECDSA-prime192v1-SHA256': 'secp192r1',
  'ECDSA-secp256r1-SHA256': 'secp256r1',
  'ECDSA-prime256v1-SHA256': 'secp256r1',
  'ECDSA-brainpool256r1-SHA256': 'brainpoolP256r1',
  'ECDSA-brainpoolP256r1-SHA256': 'brainpoolP256r1',
  'ECDSA-secp384r1-SHA256': 'secp384r1',
  'ECDSA-prime384v1-SHA256': 'secp384r1',
  'ECDSA-brainpool384r1-SHA256': 'brainpoolP384r1',
  'ECDSA-brainpoolP384r1-SHA256': 'brainpoolP384r1',
});

/** A parsed signature section. */
export interface OcmfSignature {
  /** SA as written, or the default when absent. */
  readonly algorithm: string;
  /** The curve SA names; every OCMF algorithm hashes with SHA-256. */
  readonly curve: OcmfCurve;
  /** SE as written or defaulted. */
  readonly encoding: 'hex' | 'base64';
  /** The decoded SD bytes (DER ECDSA-Sig-Value). */
  readonly der: Uint8Array;
  /** ECDSA r. */
  readonly r: bigint;
  /** ECDSA s. */
  readonly s: bigint;
}

function optionalString(obj: JsonObject, key: string): string | undefined {
  const v: JsonValue | undefined = obj.get(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') {
    throw new OcmfError('INVALID_VALUE', `${key}: expected a string`, { evidence: { field: key } });
  }
  return v;
}

function malformed(why: string, cause?: unknown): OcmfError {
  return new OcmfError('MALFORMED_SIGNATURE', `SD: ${why}`, { cause, evidence: { field: 'SD' } });
}

function unsupported(field: string, value: string): OcmfError {
  return new OcmfError('UNSUPPORTED_ALGORITHM', `${field}: unsupported ${JSON.stringify(value)}`, {
    evidence: { field, value },
  });
}

/**
 * Decodes a DER ECDSA-Sig-Value `SEQUENCE { r INTEGER, s INTEGER }` (RFC 3279 §2.2.3,
 * SEC 1 §C.5) strictly: minimal lengths and integers, no trailing bytes, and
 * 1 ≤ r, s < n for the curve (SEC 1 §4.1.4 step 1). Throws {@link OcmfError}
 * `MALFORMED_SIGNATURE`.
 */
export function parseDerEcdsaSignature(
  der: Uint8Array,
  curve: OcmfCurve,
): { r: bigint; s: bigint } {
  let r: bigint;
  let s: bigint;
  try {
    const outer = new DerReader(der);
    const seq = new DerReader(outer.read(DerTag.sequence));
    outer.end();
    r = derUnsignedInteger(seq.read(DerTag.integer));
    s = derUnsignedInteger(seq.read(DerTag.integer));
    seq.end();
  } catch (e) {
    if (e instanceof DerSyntaxError) throw malformed(`bad DER: ${e.message}`, e);
    throw malformed('unreadable', e);
  }
  if (r < 1n || r >= curve.order || s < 1n || s >= curve.order) {
    throw malformed(`r or s outside [1, n-1] for ${curve.name}`);
  }
  return { r, s };
}

/**
 * Interprets the signature section object (OCMF Table 8). Defaults: SA
 * {@link DEFAULT_SIGNATURE_ALGORITHM}, SE `hex`, SM `application/x-der`. SD is required.
 * Hex SD may be upper or lower case; base64 SD is strict RFC 4648 §4.
 * Throws {@link OcmfError}: `MISSING_FIELD`, `INVALID_VALUE`, `UNSUPPORTED_ALGORITHM`,
 * `MALFORMED_SIGNATURE`.
 */
export function parseOcmfSignatureSection(obj: JsonObject): OcmfSignature {
  if (!isJsonObject(obj)) throw new TypeError('signature section must be a JSON object');
  const algorithm = optionalString(obj, 'SA') ?? DEFAULT_SIGNATURE_ALGORITHM;
  const se = optionalString(obj, 'SE') ?? 'hex';
  const sm = optionalString(obj, 'SM') ?? 'application/x-der';
  const sd = optionalString(obj, 'SD');
  if (sd === undefined) {
    throw new OcmfError('MISSING_FIELD', 'SD: signature data is missing', {
      evidence: { field: 'SD' },
    });
  }
  const curveName = Object.hasOwn(OCMF_SIGNATURE_ALGORITHMS, algorithm)
    ? OCMF_SIGNATURE_ALGORITHMS[algorithm]
    : undefined;
  if (curveName === undefined) throw unsupported('SA', algorithm);
  if (se !== 'hex' && se !== 'base64') throw unsupported('SE', se);
  if (sm !== 'application/x-der') throw unsupported('SM', sm);
  const curve = OCMF_CURVES[curveName];
  let der: Uint8Array;
  try {
    der = se === 'hex' ? fromHex(sd) : fromBase64(sd);
  } catch (e) {
    throw malformed(`not ${se}`, e);
  }
  if (der.length === 0) throw malformed('empty');
  const { r, s } = parseDerEcdsaSignature(der, curve);
  return { algorithm, curve, encoding: se, der, r, s };
}
