/**
 * Issues what a node publishes to meters and platforms: receipts, COSE Receipts (RFC 9942,
 * RFC9162_SHA256) signed by the log key, for committed entries; and refusal notices
 * (docs/formats.md §Refusal notices), COSE_Sign1 statements of the log key, for refused
 * readings and duplicates. The log signs each tree root once (the signature is cached per
 * size); every receipt for that size shares it and adds its own inclusion proof. Each notice
 * is signed on its own: refusals are rare, and each names its own reading.
 */
import { decodeCbor } from '../core/cbor/index.ts';
import { encodeLeaf, entryBytesOf, type EntryKind } from '../core/leaf/index.ts';
import type { NoteSigner } from '../core/note/index.ts';
import { decodeVerifierKey, u32be } from '../core/note/index.ts';
import { isValidMeterId } from '../core/reading/index.ts';
import {
  noticeDigest,
  noticeProtectedHeader,
  receiptProtectedHeader,
  receiptToBeSigned,
  signNotice,
  type DuplicateNotice,
  type RefusedNotice,
  writeReceiptMessage,
} from '../core/receipt/index.ts';
import type { MerkleLog } from '../log/index.ts';
import {
  isReadingsTopic,
  meterReceiptsTopic,
  parseTopic,
  platformReceiptsTopic,
  TOPIC_ROOT,
} from './topics.ts';
import type { InboundMessage } from '../mqtt/index.ts';

/** What a receipt is for. */
export interface ReceiptSubject {
  readonly meterId: string;
  readonly sequence: number;
  readonly index: number;
  readonly kind: EntryKind;
  readonly salt: Uint8Array;
  /** A chained reading's link. */
  readonly link?: Uint8Array;
}

/** Builds receipt messages for committed entries and notices for everything else. */
export class ReceiptIssuer {
  private readonly header: Uint8Array;
  private readonly noticeHeader: Uint8Array;
  private signed: { size: number; signature: Uint8Array } | undefined;

  constructor(
    private readonly log: MerkleLog,
    private readonly signer: NoteSigner,
  ) {
    const kid = u32be(decodeVerifierKey(log.vkey).keyId);
    this.header = receiptProtectedHeader(log.origin, kid);
    this.noticeHeader = noticeProtectedHeader(kid);
  }

  /**
   * The signed notice of `draft`, decided (committed) at `decidedAt` ms; for a duplicate,
   * `receipt` is the receipt message of the entry already in the log ({@link message}).
   */
  notice(draft: NoticeDraft, decidedAt: number, receipt?: Uint8Array): Uint8Array {
    const base = { origin: this.log.origin, decidedAt };
    return signNotice(
      draft.outcome === 'refused'
        ? { ...draft, ...base }
        : { ...draft, ...base, ...(receipt === undefined ? {} : { receipt }) },
      this.signer,
      this.noticeHeader,
    );
  }

  /**
   * The receipt message for `subject`, proving its leaf in the tree of `size` (≤ the published
   * size) with root `root`.
   */
  async message(subject: ReceiptSubject, size: number, root: Uint8Array): Promise<Uint8Array> {
    return (
      this.messageNow(subject, size, root) ??
      this.write(subject, size, root, await this.log.inclusionPath(subject.index, size))
    );
  }

  /**
   * {@link message} at once, when the log has every node of the proof at hand (as it has for
   * the entries of a batch just committed); undefined when it must read one first.
   */
  messageNow(subject: ReceiptSubject, size: number, root: Uint8Array): Uint8Array | undefined {
    const path = this.log.inclusionPathNow(subject.index, size);
    return path === undefined ? undefined : this.write(subject, size, root, path);
  }

  private write(
    subject: ReceiptSubject,
    size: number,
    root: Uint8Array,
    path: Uint8Array,
  ): Uint8Array {
    if (this.signed?.size !== size) {
      this.signed = { size, signature: this.signer.sign(receiptToBeSigned(this.header, root)) };
    }
    return writeReceiptMessage({
      origin: this.log.origin,
      meterId: subject.meterId,
      sequence: subject.sequence,
      leafIndex: subject.index,
      kind: subject.kind,
      salt: subject.salt,
      ...(subject.link === undefined ? {} : { link: subject.link }),
      protectedHeader: this.header,
      signature: this.signed.signature,
      treeSize: size,
      path,
    });
  }

  /** The public leaf a subject's receipt proves, from its signed bytes (for checks and tests). */
  static leafOf(subject: ReceiptSubject, signed: Uint8Array): Uint8Array {
    return encodeLeaf(subject.kind, subject.salt, entryBytesOf(subject.kind, signed, subject.link));
  }
}

/** A notice's fields that the ingest path knows (the issuer adds origin, time and receipt). */
export type NoticeDraft =
  | Omit<RefusedNotice, 'origin' | 'decidedAt'>
  | Omit<DuplicateNotice, 'origin' | 'decidedAt' | 'receipt'>;

/** What a notice needs of one reading's outcome (the pipeline's `ReadingOutcome`). */
export interface NoticeReadingOutcome {
  readonly status: 'accepted' | 'duplicate' | 'rejected';
  /** The coarse reject code. */
  readonly code?: string;
  /** The precise code, when the pipeline gives one. */
  readonly detail?: string;
  readonly meterId?: string;
  readonly sequence?: number;
  readonly sequenceScope?: string;
  readonly signerId?: string;
  readonly collidesWith?: number;
  readonly duplicateOf?: number;
  readonly quarantineId?: number;
}

/** What a notice needs of one message's outcome (the pipeline's `MessageOutcome`). */
export interface NoticeMessageOutcome {
  readonly status: string;
  /** The rejection of the whole message (when `readings` is empty). */
  readonly code?: string;
  readonly detail?: string;
  readonly quarantineId?: number;
  readonly readings: readonly NoticeReadingOutcome[];
}

/** Where a notice goes and what it says. */
export interface PlannedNotice {
  /** The receipts topic to publish it on. */
  readonly topic: string;
  readonly draft: NoticeDraft;
}

/** The notices of one message: for the message as a whole, or per reading (in order). */
export interface MessageNotices {
  readonly whole?: PlannedNotice;
  /** One per reading of the outcome; undefined for an accepted one. */
  readonly readings: readonly (PlannedNotice | undefined)[];
}

const CBOR_ARRAY = 0x80;
const NONE: MessageNotices = { readings: [] };

/**
 * The refusal notices one message's outcome calls for (docs/formats.md §Refusal notices):
 * one per refused or duplicate reading, or one for a message refused as a whole. On a meter
 * topic, all go to that meter's receipts topic. On a platform topic, a reading's goes to its
 * meter's receipts topic (where its receipt would go); one whose reading names no meter (it
 * did not decode), and one for the message as a whole, to the platform's. A message on any
 * other topic gets none.
 */
export function planNotices(
  message: InboundMessage,
  outcome: NoticeMessageOutcome,
  topicRoot = TOPIC_ROOT,
): MessageNotices {
  if (outcome.status === 'accepted') return NONE;
  const parsed = parseTopic(message.topic, topicRoot);
  if (!isReadingsTopic(parsed)) return NONE;
  const home =
    parsed.kind === 'meterReadings'
      ? meterReceiptsTopic(parsed.meterId, topicRoot)
      : platformReceiptsTopic(parsed.platformId, topicRoot);
  const topicMeter = parsed.kind === 'meterReadings' ? parsed.meterId : undefined;
  const common = { topic: message.topic };
  if (outcome.readings.length === 0) {
    if (outcome.status !== 'rejected' || outcome.code === undefined) return NONE;
    return {
      whole: {
        topic: home,
        draft: {
          ...common,
          outcome: 'refused',
          digest: noticeDigest(message.payload),
          ...(topicMeter === undefined ? {} : { meterId: topicMeter }),
          code: outcome.detail ?? outcome.code,
          codeClass: outcome.code,
          ...(outcome.quarantineId === undefined ? {} : { quarantineId: outcome.quarantineId }),
        },
      },
      readings: [],
    };
  }
  if (outcome.readings.every((r) => r.status === 'accepted')) return NONE;
  const elements = parsed.kind === 'platformReadings' ? batchElements(message.payload) : undefined;
  return {
    readings: outcome.readings.map((r, i): PlannedNotice | undefined => {
      if (r.status === 'accepted') return undefined;
      const meterId = r.meterId ?? topicMeter;
      const topic =
        parsed.kind === 'platformReadings' && isValidMeterId(r.meterId)
          ? meterReceiptsTopic(r.meterId, topicRoot)
          : home;
      const bytes = elements === undefined ? message.payload : elements[i];
      const about = {
        ...common,
        ...(bytes === undefined ? {} : { digest: noticeDigest(bytes) }),
        ...(meterId === undefined ? {} : { meterId }),
        ...(r.signerId === undefined ? {} : { signerId: r.signerId }),
        ...(r.sequenceScope === undefined ? {} : { sequenceScope: r.sequenceScope }),
        ...(r.sequence === undefined ? {} : { sequence: r.sequence }),
        ...(elements === undefined ? {} : { readingIndex: i }),
      };
      if (r.status === 'duplicate') {
        if (r.duplicateOf === undefined) return undefined;
        return { topic, draft: { ...about, outcome: 'duplicate', duplicateOf: r.duplicateOf } };
      }
      if (r.code === undefined) return undefined;
      return {
        topic,
        draft: {
          ...about,
          outcome: 'refused',
          code: r.detail ?? r.code,
          codeClass: r.code,
          ...(r.quarantineId === undefined ? {} : { quarantineId: r.quarantineId }),
          ...(r.collidesWith === undefined ? {} : { collidesWith: r.collidesWith }),
        },
      };
    }),
  };
}

/** How many notices {@link planNotices} would make, without making them (for skip counts). */
export function noticeCount(
  message: InboundMessage,
  outcome: NoticeMessageOutcome,
  topicRoot = TOPIC_ROOT,
): number {
  if (outcome.status === 'accepted') return 0;
  if (!isReadingsTopic(parseTopic(message.topic, topicRoot))) return 0;
  if (outcome.readings.length === 0) return outcome.status === 'rejected' ? 1 : 0;
  return outcome.readings.filter((r) => r.status !== 'accepted').length;
}

/**
 * The elements of a platform batch (a CBOR array, docs/formats.md §MQTT topics), each the
 * reading's bytes, or undefined where an element is not a byte string; undefined for a
 * platform message holding a single reading.
 */
function batchElements(payload: Uint8Array): readonly (Uint8Array | undefined)[] | undefined {
  if (payload.length === 0 || (payload[0]! & 0xe0) !== CBOR_ARRAY) return undefined;
  try {
    const v = decodeCbor(payload);
    if (!Array.isArray(v)) return [];
    return v.map((e) => (e instanceof Uint8Array ? e : undefined));
  } catch {
    // The pipeline refused this message as a whole; no reading outcome points into it.
    return [];
  }
}
