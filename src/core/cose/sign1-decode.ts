/**
 * Strict decoding of a tagged COSE_Sign1 (RFC 9052 §4.2) whose protected header carries `alg`,
 * `kid` and CWT Claims `iss`/`sub` (RFC 9597) — a SCITT Signed Statement (RFC 9943).
 * Decoding does not verify; see {@link verifyCoseSign1}.
 */
import { CborError, CborTag, decodeCbor } from '../cbor/index.ts';
import type { CborMap, CborValue } from '../cbor/index.ts';
import { isSupportedAlg } from './algorithms.ts';
import type { CoseAlgorithm } from './algorithms.ts';
import { CoseError } from './errors.ts';
import { COSE_SIGN1_TAG, CwtClaim, HeaderLabel, UNDERSTOOD_LABELS } from './headers.ts';

/**
 * A decoded COSE_Sign1. `bytes`, `protectedBytes` and `payload` are exactly the bytes
 * received: verification and hashing use them, never a re-encoding.
 */
export interface DecodedSign1 {
  /** The whole tagged COSE_Sign1 as received. */
  readonly bytes: Uint8Array;
  /** Contents of the `protected` bstr, as received. */
  readonly protectedBytes: Uint8Array;
  /**
   * The decoded protected header map. Results of equal protected bytes may share it (and `kid`,
   * `claims`): read them, never change them.
   */
  readonly protectedHeader: CborMap;
  /** The unprotected header map (not covered by the signature). */
  readonly unprotectedHeader: CborMap;
  /** The attached payload, as received. */
  readonly payload: Uint8Array;
  /** The signature bytes (length not checked here; verification rejects bad lengths). */
  readonly signature: Uint8Array;
  /** `alg` from the protected header. */
  readonly alg: CoseAlgorithm;
  /** `kid` from the protected header. */
  readonly kid: Uint8Array;
  /** Content type (label 3) from the protected header, if present. */
  readonly contentType: string | number | undefined;
  /** CWT `iss` claim: the signer. */
  readonly iss: string;
  /** CWT `sub` claim: the subject. */
  readonly sub: string;
  /** The whole CWT Claims map (RFC 9597). */
  readonly claims: CborMap;
}

function malformed(
  message: string,
  evidence: Record<string, unknown> = {},
  cause?: unknown,
): never {
  throw new CoseError('MALFORMED_COSE', message, { evidence, cause });
}

function decodeStrict(b: Uint8Array, what: string): CborValue {
  try {
    return decodeCbor(b);
  } catch (e) {
    if (e instanceof CborError)
      malformed(`${what}: ${e.message}`, { part: what, cborCode: e.code }, e);
    throw e;
  }
}

function decodeProtected(protectedBytes: Uint8Array): CborMap {
  // RFC 9052 §3: a zero-length bstr stands for an empty protected header.
  if (protectedBytes.length === 0) return new Map();
  const header = decodeStrict(protectedBytes, 'protected header');
  if (!(header instanceof Map)) malformed('protected header is not a map');
  return header;
}

function checkCrit(protectedHeader: CborMap, unprotected: CborMap): void {
  if (unprotected.has(HeaderLabel.CRIT)) malformed('crit must be in the protected header');
  const crit = protectedHeader.get(HeaderLabel.CRIT);
  if (crit === undefined) return;
  if (!Array.isArray(crit) || crit.length === 0) malformed('crit must be a non-empty array');
  for (const label of crit) {
    if (typeof label !== 'number' || !UNDERSTOOD_LABELS.has(label) || !protectedHeader.has(label)) {
      throw new CoseError('UNSUPPORTED_CRIT', 'crit lists a parameter that is not processed', {
        evidence: { label },
      });
    }
  }
}

function readClaims(
  protectedHeader: CborMap,
  unprotected: CborMap,
): { claims: CborMap; iss: string; sub: string } {
  const claims = protectedHeader.get(HeaderLabel.CWT_CLAIMS);
  if (claims === undefined) {
    throw new CoseError('MISSING_CLAIMS', 'no CWT Claims (label 15) in the protected header', {
      evidence: { inUnprotected: unprotected.has(HeaderLabel.CWT_CLAIMS) },
    });
  }
  if (!(claims instanceof Map)) malformed('CWT Claims is not a map');
  const out: Record<'iss' | 'sub', string> = { iss: '', sub: '' };
  for (const [name, key] of [
    ['iss', CwtClaim.ISS],
    ['sub', CwtClaim.SUB],
  ] as const) {
    const v = claims.get(key);
    if (v === undefined) {
      throw new CoseError('MISSING_CLAIMS', `CWT Claims has no ${name}`, {
        evidence: { claim: name },
      });
    }
    if (typeof v !== 'string' || v.length === 0)
      malformed(`CWT ${name} is not a non-empty text string`, { claim: name });
    out[name] = v;
  }
  return { claims, iss: out.iss, sub: out.sub };
}

/** What the protected header gives a {@link DecodedSign1}. */
type ProtectedFields = Pick<
  DecodedSign1,
  'protectedHeader' | 'alg' | 'kid' | 'contentType' | 'iss' | 'sub' | 'claims'
>;

/**
 * Protected headers decoded with an empty unprotected header, by their bytes: every reading of a
 * meter carries the same protected header, so it is decoded and checked once per meter, not
 * once per reading. Bounded; the oldest entry goes first (a flood of distinct headers only
 * cycles the cache).
 */
const PROTECTED_CACHE_SIZE = 4096;
const protectedCache = new Map<string, ProtectedFields>();

/** The cache key of a protected header: its bytes as a Latin-1 string. */
function protectedKey(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) {
    s += String.fromCharCode.apply(null, b.subarray(i, i + 4096) as unknown as number[]);
  }
  return s;
}

function readProtected(protectedBytes: Uint8Array, unprotectedHeader: CborMap): ProtectedFields {
  const protectedHeader = decodeProtected(protectedBytes);
  for (const label of protectedHeader.keys()) {
    if (unprotectedHeader.has(label)) malformed('label in both header buckets', { label });
  }
  checkCrit(protectedHeader, unprotectedHeader);

  const alg = protectedHeader.get(HeaderLabel.ALG);
  if (alg === undefined) {
    throw new CoseError('MISSING_ALG', 'no alg in the protected header', {
      evidence: { inUnprotected: unprotectedHeader.has(HeaderLabel.ALG) },
    });
  }
  if (typeof alg !== 'number' && typeof alg !== 'string')
    malformed('alg is not an int or text', { alg: String(alg) });
  if (!isSupportedAlg(alg)) {
    throw new CoseError('UNSUPPORTED_ALG', `unsupported alg ${String(alg)}`, { evidence: { alg } });
  }

  const kid = protectedHeader.get(HeaderLabel.KID);
  if (kid === undefined) {
    throw new CoseError('MISSING_KID', 'no kid in the protected header', {
      evidence: { inUnprotected: unprotectedHeader.has(HeaderLabel.KID) },
    });
  }
  if (!(kid instanceof Uint8Array) || kid.length === 0)
    malformed('kid is not a non-empty byte string');

  const contentType = protectedHeader.get(HeaderLabel.CONTENT_TYPE);
  if (
    contentType !== undefined &&
    !(typeof contentType === 'string' && contentType.length > 0) &&
    !(typeof contentType === 'number' && contentType >= 0)
  ) {
    malformed('content type is not a text string or uint');
  }

  const { claims, iss, sub } = readClaims(protectedHeader, unprotectedHeader);
  return { protectedHeader, alg, kid, contentType, iss, sub, claims };
}

/**
 * Decodes a tagged COSE_Sign1 (`18([protected, unprotected, payload, signature])`,
 * RFC 9052 §4.2) from strict deterministic CBOR and extracts `alg`, `kid`, content type and
 * the CWT `iss`/`sub` claims, all of which must sit in the protected header. Throws
 * {@link CoseError} only: `MALFORMED_COSE` (with the {@link CborError} as cause when the CBOR
 * itself is refused), `WRONG_TAG`, `MISSING_ALG`, `UNSUPPORTED_ALG`, `UNSUPPORTED_CRIT`,
 * `MISSING_KID`, `MISSING_CLAIMS`.
 */
export function decodeCoseSign1(
  bytes: Uint8Array,
  options: { readonly inPlace?: boolean } = {},
): DecodedSign1 {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decodeCoseSign1: expected a Uint8Array');
  // One copy of the input, which every byte string of the result is a view into; none with
  // `inPlace`, for a caller that keeps `bytes` unchanged as long as it keeps the result.
  const own = options.inPlace === true ? bytes : bytes.slice();
  const parts = splitPlainSign1(own) ?? splitSign1(own);
  return withHeaders(own, parts);
}

/** The four items of a COSE_Sign1 (RFC 9052 §4.2), byte strings as views into the message. */
export interface Sign1Parts {
  readonly protectedBytes: Uint8Array;
  readonly unprotectedHeader: CborMap;
  readonly payload: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * The length of the byte string whose head starts at `at` (major type 2, shortest form, at most
 * 65,535 bytes), with the offset of its content; undefined for any other head.
 */
function plainBstr(b: Uint8Array, at: number): { start: number; end: number } | undefined {
  const ib = b[at];
  let start: number;
  let n: number;
  if (ib === undefined) return undefined;
  if (ib >= 0x40 && ib < 0x58) {
    n = ib - 0x40;
    start = at + 1;
  } else if (ib === 0x58 && at + 1 < b.length && b[at + 1]! >= 24) {
    n = b[at + 1]!;
    start = at + 2;
  } else if (ib === 0x59 && at + 2 < b.length) {
    n = (b[at + 1]! << 8) | b[at + 2]!;
    if (n < 0x100) return undefined;
    start = at + 3;
  } else {
    return undefined;
  }
  return start + n <= b.length ? { start, end: start + n } : undefined;
}

/**
 * The common shape, split without the general decoder: tag 18 (`d2`), an array of four (`84`),
 * the protected bstr, an empty unprotected map (`a0`), the payload bstr and the signature bstr,
 * every head in its shortest form (RFC 8949 §4.2.1) and nothing after. For such bytes the
 * strict decoder gives the same four items; anything else returns undefined, for
 * {@link splitSign1} to decode or refuse.
 */
export function splitPlainSign1(b: Uint8Array): Sign1Parts | undefined {
  if (b.length < 6 || b[0] !== 0xd2 || b[1] !== 0x84) return undefined;
  const p = plainBstr(b, 2);
  if (p === undefined || b[p.end] !== 0xa0) return undefined;
  const payload = plainBstr(b, p.end + 1);
  if (payload === undefined) return undefined;
  const signature = plainBstr(b, payload.end);
  if (signature === undefined || signature.end !== b.length) return undefined;
  return {
    protectedBytes: b.subarray(p.start, p.end),
    unprotectedHeader: new Map(),
    payload: b.subarray(payload.start, payload.end),
    signature: b.subarray(signature.start, signature.end),
  };
}

/** Any COSE_Sign1, through the strict decoder (exported for the test that both splits agree). */
export function splitSign1(own: Uint8Array): Sign1Parts {
  const outer = decodeStrict(own, 'COSE_Sign1');
  if (!(outer instanceof CborTag) || outer.tag !== COSE_SIGN1_TAG) {
    throw new CoseError('WRONG_TAG', 'not a tagged COSE_Sign1 (tag 18)', {
      evidence: { tag: outer instanceof CborTag ? outer.tag : null },
    });
  }
  const arr = outer.value;
  if (!Array.isArray(arr) || arr.length !== 4)
    malformed('COSE_Sign1 is not an array of four items');
  const [protectedBytes, unprotectedHeader, payload, signature] = arr as [
    CborValue,
    CborValue,
    CborValue,
    CborValue,
  ];
  if (!(protectedBytes instanceof Uint8Array)) malformed('protected is not a byte string');
  if (!(unprotectedHeader instanceof Map)) malformed('unprotected is not a map');
  if (payload === null) malformed('detached payloads are not accepted', { detached: true });
  if (!(payload instanceof Uint8Array)) malformed('payload is not a byte string');
  if (!(signature instanceof Uint8Array)) malformed('signature is not a byte string');
  return { protectedBytes, unprotectedHeader, payload, signature };
}

/** The result of {@link decodeCoseSign1}: the parts, and what the protected header says. */
function withHeaders(own: Uint8Array, parts: Sign1Parts): DecodedSign1 {
  const { protectedBytes, unprotectedHeader, payload, signature } = parts;
  let fields: ProtectedFields | undefined;
  // The protected header's rules depend on the unprotected header only when it is not empty.
  if (unprotectedHeader.size === 0 && protectedBytes.length <= 1024) {
    const key = protectedKey(protectedBytes);
    fields = protectedCache.get(key);
    if (fields === undefined) {
      // Decoded from a copy: the cached fields must not be views into this message.
      fields = readProtected(protectedBytes.slice(), unprotectedHeader);
      if (protectedCache.size >= PROTECTED_CACHE_SIZE) {
        protectedCache.delete(protectedCache.keys().next().value!);
      }
      protectedCache.set(key, fields);
    }
  } else {
    fields = readProtected(protectedBytes, unprotectedHeader);
  }
  return {
    bytes: own,
    protectedBytes,
    unprotectedHeader,
    payload,
    signature,
    ...fields,
  };
}
