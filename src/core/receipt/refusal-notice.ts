/**
 * Refusal notices (docs/formats.md §Refusal notices): what the log tells a meter or platform
 * about a reading that did not become a new entry — refused (quarantined, with the precise
 * code) or a duplicate of an entry already in the log (with that entry's receipt). A notice is
 * a tagged COSE_Sign1 (RFC 9052 §4.2) signed by the log key (Ed25519, EdDSA −8, RFC 9053
 * §2.2), with an attached payload and the content type (label 3, RFC 9052 §3.1)
 * `application/vnd.wattproof.notice+cbor` in its protected header. That content type keeps a
 * notice apart from everything else the log key signs: receipts (RFC 9942: no content type,
 * `vds` 395, detached payload), operator key declarations (their own content type) and
 * checkpoints (signed-note text, which never starts with the CBOR array head of a
 * Sig_structure). So the signer of a reading can show a third party what the ledger decided,
 * and nobody can pass one statement of the log off as another.
 */
import { bytesEqual } from '../bytes.ts';
import { CborTag, decodeCbor, encodeCbor, encodeCborView, type CborValue } from '../cbor/index.ts';
import { sigStructure1 } from '../cose/index.ts';
import { COSE_SIGN1_TAG } from '../cose/index.ts';
import { sign1Parts } from '../cose/index.ts';
import { WattproofError } from '../errors.ts';
import { sha256Bytes } from '../merkle/index.ts';
import { ed25519Verify } from '../note/index.ts';
import { decodeVerifierKey, keyId, SignatureType, u32be } from '../note/index.ts';
import { decodeReceiptMessage, type ReceiptMessage } from './receipt-message.ts';

/** The content type (COSE label 3) of a refusal notice. */
export const NOTICE_CONTENT_TYPE = 'application/vnd.wattproof.notice+cbor';

/** The integer keys of the notice payload map (docs/formats.md §Refusal notices). */
export const NoticeKey = {
  ORIGIN: 1,
  OUTCOME: 2,
  DECIDED_AT: 3,
  TOPIC: 4,
  DIGEST: 5,
  METER_ID: 6,
  SIGNER_ID: 7,
  SEQUENCE_SCOPE: 8,
  SEQUENCE: 9,
  READING_INDEX: 10,
  CODE: 11,
  CODE_CLASS: 12,
  QUARANTINE_ID: 13,
  COLLIDES_WITH: 14,
  DUPLICATE_OF: 15,
  RECEIPT: 16,
} as const;

const ALG = 1;
const CONTENT_TYPE = 3;
const KID = 4;
const EDDSA = -8;
const DIGEST_SIZE = 32;
const CODE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;

/**
 * Reasons a notice is refused:
 * - `MALFORMED_NOTICE`: not a strict tagged COSE_Sign1 with the notice header and payload.
 * - `WRONG_CONTENT_TYPE`: the protected header does not name {@link NOTICE_CONTENT_TYPE} (a
 *   receipt, a registry entry or a reading presented as a notice).
 * - `WRONG_LOG`: the log key is not an Ed25519 key, or the notice names another key or origin.
 * - `BAD_NOTICE_SIGNATURE`: the log's signature does not verify.
 */
export type NoticeErrorCode =
  'MALFORMED_NOTICE' | 'WRONG_CONTENT_TYPE' | 'WRONG_LOG' | 'BAD_NOTICE_SIGNATURE';

/** A notice that does not decode, names another log, or whose signature fails. */
export class NoticeError extends WattproofError<NoticeErrorCode> {}

/** The fields every notice has. */
interface NoticeBase {
  /** The log's origin (its key name). */
  readonly origin: string;
  /** When the batch holding the decision was committed, ms since the Unix epoch. */
  readonly decidedAt: number;
  /** The MQTT topic the message arrived on. */
  readonly topic: string;
  /**
   * SHA-256 of the bytes the notice is about: the reading's element of a platform batch when
   * `readingIndex` is set, else the whole message payload. Absent only for a batch element
   * that is not a byte string.
   */
  readonly digest?: Uint8Array;
  /** The reading's meter, or the meter of the topic. */
  readonly meterId?: string;
  /** The reading's signer (COSE `kid`, OCMF serial), once known. */
  readonly signerId?: string;
  /** The reading's counter: `''` native, `T` or `F` (OCMF pagination). */
  readonly sequenceScope?: string;
  /** The reading's sequence number, once decoded. */
  readonly sequence?: number;
  /** Position of the reading in a platform batch (a CBOR array of readings). */
  readonly readingIndex?: number;
}

/** A reading or message the ledger refused and quarantined. */
export interface RefusedNotice extends NoticeBase {
  readonly outcome: 'refused';
  /** The precise code (e.g. `INVALID_FIELD`, `INTERVAL_OVERLAP`). */
  readonly code: string;
  /** The coarse class beside it (a reject code, e.g. `MALFORMED_READING`). */
  readonly codeClass: string;
  /** Id of the quarantine record. */
  readonly quarantineId?: number;
  /** Leaf index of the entry the reading collides with. */
  readonly collidesWith?: number;
}

/** A reading already in the log (acknowledged, no new entry). */
export interface DuplicateNotice extends NoticeBase {
  readonly outcome: 'duplicate';
  /** Leaf index of the entry already in the log. */
  readonly duplicateOf: number;
  /**
   * That entry's receipt message (docs/formats.md §Receipts); absent when the entry's bytes and
   * salt were erased.
   */
  readonly receipt?: Uint8Array;
}

/** The payload of a refusal notice. */
export type Notice = RefusedNotice | DuplicateNotice;

/** A decoded notice, not yet verified. */
export interface DecodedNotice {
  readonly protectedHeader: Uint8Array;
  /** The 4-byte signed-note key ID of the log key. */
  readonly kid: Uint8Array;
  /** The payload bytes, exactly as received. */
  readonly payload: Uint8Array;
  readonly notice: Notice;
  readonly signature: Uint8Array;
}

/** A key that signs notices: the log key (a signed-note Ed25519 `NoteSigner` is one). */
export interface NoticeSigner {
  /** Signed-note key ID (c2sp.org/signed-note §Signatures): the notice's `kid`. */
  readonly keyId: number;
  /** Ed25519 signature (RFC 8032 §5.1.6) of `message`. */
  sign(message: Uint8Array): Uint8Array;
}

function malformed(why: string, cause?: unknown): never {
  throw new NoticeError('MALFORMED_NOTICE', `notice: ${why}`, cause === undefined ? {} : { cause });
}

const isUint = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * The protected header of the log's notices: `{1: −8, 3: content type, 4: kid}` in
 * deterministic CBOR (RFC 8949 §4.2.1), the same bytes for every notice of the log.
 */
export function noticeProtectedHeader(logKeyId: Uint8Array): Uint8Array {
  if (!(logKeyId instanceof Uint8Array) || logKeyId.length !== 4) {
    throw new TypeError('noticeProtectedHeader: the log key ID is 4 bytes');
  }
  return encodeCbor(
    new Map<number, CborValue>([
      [ALG, EDDSA],
      [CONTENT_TYPE, NOTICE_CONTENT_TYPE],
      [KID, logKeyId],
    ]),
  );
}

function checkFields(n: Notice): void {
  const text = (v: unknown, what: string, nonEmpty = true): void => {
    if (typeof v !== 'string' || (nonEmpty && v.length === 0)) {
      throw new TypeError(`notice: ${what} must be a${nonEmpty ? ' non-empty' : ''} string`);
    }
  };
  const uint = (v: unknown, what: string): void => {
    if (!isUint(v)) throw new RangeError(`notice: ${what} must be a non-negative safe integer`);
  };
  text(n.origin, 'origin');
  uint(n.decidedAt, 'decidedAt');
  text(n.topic, 'topic');
  if (n.digest !== undefined && (!(n.digest instanceof Uint8Array) || n.digest.length !== 32)) {
    throw new TypeError('notice: digest must be 32 bytes');
  }
  if (n.meterId !== undefined) text(n.meterId, 'meterId');
  if (n.signerId !== undefined) text(n.signerId, 'signerId');
  if (n.sequenceScope !== undefined) text(n.sequenceScope, 'sequenceScope', false);
  if (n.sequence !== undefined) uint(n.sequence, 'sequence');
  if (n.readingIndex !== undefined) uint(n.readingIndex, 'readingIndex');
  if (n.outcome === 'refused') {
    if (!CODE_PATTERN.test(n.code)) throw new TypeError('notice: code must be an UPPER_CASE code');
    if (!CODE_PATTERN.test(n.codeClass)) {
      throw new TypeError('notice: codeClass must be an UPPER_CASE code');
    }
    if (n.quarantineId !== undefined) uint(n.quarantineId, 'quarantineId');
    if (n.collidesWith !== undefined) uint(n.collidesWith, 'collidesWith');
  } else if (n.outcome === 'duplicate') {
    uint(n.duplicateOf, 'duplicateOf');
    if (n.receipt !== undefined && !(n.receipt instanceof Uint8Array)) {
      throw new TypeError('notice: receipt must be bytes');
    }
  } else {
    throw new TypeError('notice: outcome must be "refused" or "duplicate"');
  }
}

/** Encodes a notice payload: a deterministic CBOR map with the keys of {@link NoticeKey}. */
export function encodeNoticePayload(n: Notice): Uint8Array {
  checkFields(n);
  const entries: [number, CborValue | undefined][] = [
    [NoticeKey.ORIGIN, n.origin],
    [NoticeKey.OUTCOME, n.outcome],
    [NoticeKey.DECIDED_AT, n.decidedAt],
    [NoticeKey.TOPIC, n.topic],
    [NoticeKey.DIGEST, n.digest],
    [NoticeKey.METER_ID, n.meterId],
    [NoticeKey.SIGNER_ID, n.signerId],
    [NoticeKey.SEQUENCE_SCOPE, n.sequenceScope],
    [NoticeKey.SEQUENCE, n.sequence],
    [NoticeKey.READING_INDEX, n.readingIndex],
  ];
  if (n.outcome === 'refused') {
    entries.push(
      [NoticeKey.CODE, n.code],
      [NoticeKey.CODE_CLASS, n.codeClass],
      [NoticeKey.QUARANTINE_ID, n.quarantineId],
      [NoticeKey.COLLIDES_WITH, n.collidesWith],
    );
  } else {
    entries.push([NoticeKey.DUPLICATE_OF, n.duplicateOf], [NoticeKey.RECEIPT, n.receipt]);
  }
  return encodeCborView(
    new Map(entries.filter((e): e is [number, CborValue] => e[1] !== undefined)),
  );
}

const REFUSED_ONLY = [
  NoticeKey.CODE,
  NoticeKey.CODE_CLASS,
  NoticeKey.QUARANTINE_ID,
  NoticeKey.COLLIDES_WITH,
];
const DUPLICATE_ONLY = [NoticeKey.DUPLICATE_OF, NoticeKey.RECEIPT];
const KNOWN_KEYS: ReadonlySet<unknown> = new Set(Object.values(NoticeKey));

/** Decodes a notice payload strictly; throws `MALFORMED_NOTICE` for anything else. */
export function decodeNoticePayload(bytes: Uint8Array): Notice {
  let decoded: CborValue;
  try {
    decoded = decodeCbor(bytes);
  } catch (e) {
    malformed('payload is not strict CBOR', e);
  }
  if (!(decoded instanceof Map)) malformed('payload is not a map');
  const m = decoded;
  for (const k of m.keys()) if (!KNOWN_KEYS.has(k)) malformed(`unknown payload key ${String(k)}`);
  const get = (k: number): CborValue | undefined => m.get(k);
  const text = (k: number, nonEmpty = true): string | undefined => {
    const v = get(k);
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || (nonEmpty && v.length === 0))
      malformed(`key ${k} is not a text string`);
    return v;
  };
  const uint = (k: number): number | undefined => {
    const v = get(k);
    if (v === undefined) return undefined;
    if (!isUint(v)) malformed(`key ${k} is not an unsigned integer`);
    return v;
  };
  const origin = text(NoticeKey.ORIGIN);
  const outcome = text(NoticeKey.OUTCOME);
  const decidedAt = uint(NoticeKey.DECIDED_AT);
  const topic = text(NoticeKey.TOPIC);
  if (origin === undefined || decidedAt === undefined || topic === undefined) {
    malformed('origin, decision time or topic missing');
  }
  const digest = get(NoticeKey.DIGEST);
  if (digest !== undefined && !(digest instanceof Uint8Array && digest.length === DIGEST_SIZE)) {
    malformed('digest is not 32 bytes');
  }
  const optional = {
    ...(digest === undefined ? {} : { digest }),
    ...opt('meterId', text(NoticeKey.METER_ID)),
    ...opt('signerId', text(NoticeKey.SIGNER_ID)),
    ...opt('sequenceScope', text(NoticeKey.SEQUENCE_SCOPE, false)),
    ...opt('sequence', uint(NoticeKey.SEQUENCE)),
    ...opt('readingIndex', uint(NoticeKey.READING_INDEX)),
  };
  if (outcome === 'refused') {
    if (DUPLICATE_ONLY.some((k) => m.has(k))) malformed('a refusal carries duplicate fields');
    const code = text(NoticeKey.CODE);
    const codeClass = text(NoticeKey.CODE_CLASS);
    if (code === undefined || !CODE_PATTERN.test(code)) malformed('code missing or not a code');
    if (codeClass === undefined || !CODE_PATTERN.test(codeClass)) {
      malformed('code class missing or not a code');
    }
    return {
      origin,
      outcome,
      decidedAt,
      topic,
      ...optional,
      code,
      codeClass,
      ...opt('quarantineId', uint(NoticeKey.QUARANTINE_ID)),
      ...opt('collidesWith', uint(NoticeKey.COLLIDES_WITH)),
    };
  }
  if (outcome === 'duplicate') {
    if (REFUSED_ONLY.some((k) => m.has(k))) malformed('a duplicate carries refusal fields');
    const duplicateOf = uint(NoticeKey.DUPLICATE_OF);
    if (duplicateOf === undefined) malformed('the leaf index of the entry in the log is missing');
    const receipt = get(NoticeKey.RECEIPT);
    if (receipt !== undefined) {
      if (!(receipt instanceof Uint8Array)) malformed('receipt is not a byte string');
      let r: ReceiptMessage;
      try {
        r = decodeReceiptMessage(receipt);
      } catch (e) {
        malformed('receipt is not a receipt message', e);
      }
      if (r.leafIndex !== duplicateOf || r.origin !== origin) {
        malformed('the receipt is for another entry or log than the notice names');
      }
    }
    return {
      origin,
      outcome,
      decidedAt,
      topic,
      ...optional,
      duplicateOf,
      ...(receipt === undefined ? {} : { receipt }),
    };
  }
  malformed('outcome is neither "refused" nor "duplicate"');
}

function opt<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}

/** The bytes the log signs: the COSE Sig_structure (RFC 9052 §4.4), empty external AAD. */
export function noticeToBeSigned(protectedHeader: Uint8Array, payload: Uint8Array): Uint8Array {
  return sigStructure1(protectedHeader, payload);
}

/**
 * Signs `notice` with the log key: `18([protected, {}, payload, signature])` (RFC 9052 §4.2).
 * `protectedHeader` defaults to {@link noticeProtectedHeader} of the signer's key ID.
 */
export function signNotice(
  notice: Notice,
  signer: NoticeSigner,
  protectedHeader: Uint8Array = noticeProtectedHeader(u32be(signer.keyId)),
): Uint8Array {
  const payload = encodeNoticePayload(notice);
  const signature = signer.sign(noticeToBeSigned(protectedHeader, payload));
  return encodeCborView(
    new CborTag(COSE_SIGN1_TAG, [protectedHeader, new Map(), payload, signature]),
  );
}

/**
 * Decodes a notice strictly, without verifying it: a tagged COSE_Sign1 whose protected header
 * is exactly `{1: −8, 3: NOTICE_CONTENT_TYPE, 4: 4-byte kid}`, whose unprotected header is
 * empty and whose payload is attached. Throws {@link NoticeError}: `WRONG_CONTENT_TYPE` when
 * the content type is not the notice's (checked before the rest of the header and payload),
 * else `MALFORMED_NOTICE`.
 */
export function decodeNotice(bytes: Uint8Array): DecodedNotice {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decodeNotice: expected a Uint8Array');
  const [prot, unprot, payload, signature] = sign1Parts(bytes, malformed);
  if (!(prot instanceof Uint8Array)) malformed('protected header is not a byte string');
  let header: CborValue;
  try {
    header = decodeCbor(prot);
  } catch (e) {
    malformed('protected header is not strict CBOR', e);
  }
  if (!(header instanceof Map)) malformed('protected header is not a map');
  if (header.get(CONTENT_TYPE) !== NOTICE_CONTENT_TYPE) {
    throw new NoticeError(
      'WRONG_CONTENT_TYPE',
      `notice: content type is not ${NOTICE_CONTENT_TYPE}`,
      {
        evidence: { contentType: header.get(CONTENT_TYPE) ?? null },
      },
    );
  }
  const kid = header.get(KID);
  if (!(kid instanceof Uint8Array) || kid.length !== 4) malformed('kid is not 4 bytes');
  if (!bytesEqual(prot, noticeProtectedHeader(kid))) {
    malformed('protected header is not exactly {alg: EdDSA, content type, kid}');
  }
  if (!(unprot instanceof Map) || unprot.size !== 0) malformed('unprotected header is not empty');
  if (!(payload instanceof Uint8Array)) malformed('payload is not attached');
  if (!(signature instanceof Uint8Array)) malformed('signature is not a byte string');
  return { protectedHeader: prot, kid, payload, notice: decodeNoticePayload(payload), signature };
}

/**
 * Verifies a notice against the log's verifier key (signed-note form
 * `origin+keyid+base64(0x01 ‖ key)`): decodes it strictly, checks that its `kid` is the key's
 * ID and its origin the key's name, and checks the Ed25519 signature (RFC 8032 §5.1.7) over
 * the Sig_structure (RFC 9052 §4.4). Returns the notice; throws {@link NoticeError}.
 */
export function verifyNotice(bytes: Uint8Array, logVkey: string): Notice {
  const d = decodeNotice(bytes);
  let key;
  try {
    key = decodeVerifierKey(logVkey);
  } catch (e) {
    throw new NoticeError('WRONG_LOG', 'notice: the log key does not parse', { cause: e });
  }
  if (
    key.type !== SignatureType.ed25519 ||
    key.key.length !== 32 ||
    keyId(key.name, key.typeAndKey) !== key.keyId
  ) {
    throw new NoticeError('WRONG_LOG', 'notice: the log key is not a consistent Ed25519 key');
  }
  if (!bytesEqual(d.kid, u32be(key.keyId))) {
    throw new NoticeError('WRONG_LOG', 'notice: signed by another key than the log key', {
      evidence: { kid: d.kid },
    });
  }
  if (d.notice.origin !== key.name) {
    throw new NoticeError(
      'WRONG_LOG',
      `notice is from log "${d.notice.origin}", not "${key.name}"`,
    );
  }
  if (!ed25519Verify(key.key, noticeToBeSigned(d.protectedHeader, d.payload), d.signature)) {
    throw new NoticeError('BAD_NOTICE_SIGNATURE', 'notice: the log signature does not verify');
  }
  return d.notice;
}

/** SHA-256 of `bytes`: the digest a notice carries for them. */
export function noticeDigest(bytes: Uint8Array): Uint8Array {
  return sha256Bytes(bytes);
}

/**
 * True when `notice` is about exactly `bytes` (the reading, or the whole message, its signer
 * sent). A meter must match a notice this way, not by meter and sequence alone: anyone can
 * publish a reading that names any meter and sequence, and its notice names them too.
 */
export function noticeIsFor(notice: Notice, bytes: Uint8Array): boolean {
  return notice.digest !== undefined && bytesEqual(notice.digest, sha256Bytes(bytes));
}
