/**
 * The signature checks the page's WebCrypto checker takes (a reading's COSE_Sign1, RFC 9052
 * §4.4, as the core hands them over; an OCMF record's ECDSA, OCMF §"Signing and Verification
 * Process"), and how a piece of them travels to a Web Worker: one transferred ArrayBuffer
 * (HTML Living Standard §2.7 "Transferable objects"), never a clone of thousands of objects.
 */
import type { OcmfCurveName } from '../core/ocmf/index.ts';
import type { SignatureCheck } from '../core/signature/index.ts';

/**
 * A check the WebCrypto checker takes: the core's {@link SignatureCheck} (a reading's COSE
 * signature, EdDSA or ES256 `r ‖ s`; an OCMF record's DER ECDSA over SHA-256), with, for an
 * OCMF check, the curve its SA names: when given, a key on another curve fails the check.
 */
export interface WebCryptoCheck extends SignatureCheck {
  readonly curve?: OcmfCurveName;
}

/** Job type codes in a packed piece (0: unknown, always false). */
export const JOB_CODE = { EdDSA: 1, ES256: 2, OCMF: 3 } as const;

/** The curves an OCMF check may name, by code − 1 (0: none named). */
export const CURVE_CODES: readonly OcmfCurveName[] = [
  'secp192k1',
  'secp192r1',
  'secp256k1',
  'secp256r1',
  'secp384r1',
  'brainpoolP256r1',
  'brainpoolP384r1',
];

/** Header words per job: type, curve, key length, message length, signature length. */
const WORDS = 5;

function codeOf(j: WebCryptoCheck): number {
  switch (j.keyType) {
    case 'Ed25519':
      return JOB_CODE.EdDSA;
    case 'P-256':
      return JOB_CODE.ES256;
    case 'OCMF':
      return JOB_CODE.OCMF;
    default:
      return 0;
  }
}

/**
 * Packs `jobs` into one ArrayBuffer: a Uint32 header `[n, (type, curve, keyLen, msgLen,
 * sigLen) × n]`, then every key, message and signature back to back.
 */
export function packJobs(jobs: readonly WebCryptoCheck[]): ArrayBuffer {
  const n = jobs.length;
  let bodyBytes = 0;
  for (const j of jobs) bodyBytes += j.publicKey.length + j.message.length + j.signature.length;
  const headerBytes = 4 * (1 + WORDS * n);
  const buffer = new ArrayBuffer(headerBytes + bodyBytes);
  const header = new Uint32Array(buffer, 0, 1 + WORDS * n);
  const body = new Uint8Array(buffer, headerBytes);
  header[0] = n;
  let off = 0;
  for (let i = 0; i < n; i++) {
    const j = jobs[i]!;
    const h = 1 + WORDS * i;
    header[h] = codeOf(j);
    header[h + 1] =
      j.keyType === 'OCMF' && j.curve !== undefined ? CURVE_CODES.indexOf(j.curve) + 1 : 0;
    header[h + 2] = j.publicKey.length;
    header[h + 3] = j.message.length;
    header[h + 4] = j.signature.length;
    body.set(j.publicKey, off);
    off += j.publicKey.length;
    body.set(j.message, off);
    off += j.message.length;
    body.set(j.signature, off);
    off += j.signature.length;
  }
  return buffer;
}

/** One job of a packed piece, its bytes as views into the buffer. */
export interface PackedJob {
  readonly code: number;
  /** The curve SA names (`undefined` when none, or an unknown code). */
  readonly curve: OcmfCurveName | undefined;
  readonly publicKey: Uint8Array<ArrayBuffer>;
  readonly message: Uint8Array<ArrayBuffer>;
  readonly signature: Uint8Array<ArrayBuffer>;
}

/** The jobs of a buffer made by {@link packJobs}. */
export function unpackJobs(buffer: ArrayBuffer): PackedJob[] {
  const n = new Uint32Array(buffer, 0, 1)[0]!;
  const header = new Uint32Array(buffer, 0, 1 + WORDS * n);
  const body = new Uint8Array(buffer, 4 * (1 + WORDS * n));
  const out: PackedJob[] = [];
  let off = 0;
  for (let i = 0; i < n; i++) {
    const h = 1 + WORDS * i;
    const curveCode = header[h + 1]!;
    const curve = curveCode === 0 ? undefined : CURVE_CODES[curveCode - 1];
    // A curve code out of range names no known curve: the job can only fail.
    const code = curveCode !== 0 && curve === undefined ? 0 : header[h]!;
    const publicKey = body.subarray(off, (off += header[h + 2]!));
    const message = body.subarray(off, (off += header[h + 3]!));
    const signature = body.subarray(off, (off += header[h + 4]!));
    out.push({ code, curve, publicKey, message, signature });
  }
  return out;
}
