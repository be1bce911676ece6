/**
 * Issues the receipts a node publishes to meters: COSE Receipts (RFC 9942, RFC9162_SHA256)
 * signed by the log key. The log signs each tree root once (the signature is cached per size);
 * every receipt for that size shares it and adds its own inclusion proof.
 */
import { encodeLeaf, entryBytesOf, type EntryKind } from '../core/leaf/leaf.ts';
import type { NoteSigner } from '../core/note/keys.ts';
import { decodeVerifierKey, u32be } from '../core/note/key-format.ts';
import {
  encodeReceipt,
  receiptProtectedHeader,
  receiptToBeSigned,
} from '../core/receipt/receipt.ts';
import { encodeReceiptMessage } from '../core/receipt/receipt-message.ts';
import type { MerkleLog } from '../log/merkle-log.ts';

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

/** Builds receipt messages for committed entries. */
export class ReceiptIssuer {
  private readonly header: Uint8Array;
  private signed: { size: number; signature: Uint8Array } | undefined;

  constructor(
    private readonly log: MerkleLog,
    private readonly signer: NoteSigner,
  ) {
    this.header = receiptProtectedHeader(log.origin, u32be(decodeVerifierKey(log.vkey).keyId));
  }

  /**
   * The receipt message for `subject`, proving its leaf in the tree of `size` (≤ the published
   * size) with root `root`.
   */
  async message(subject: ReceiptSubject, size: number, root: Uint8Array): Promise<Uint8Array> {
    if (this.signed?.size !== size) {
      this.signed = { size, signature: this.signer.sign(receiptToBeSigned(this.header, root)) };
    }
    const path = await this.log.inclusionProof(subject.index, size);
    const receipt = encodeReceipt(this.header, this.signed.signature, {
      treeSize: size,
      leafIndex: subject.index,
      path,
    });
    return encodeReceiptMessage({
      origin: this.log.origin,
      meterId: subject.meterId,
      sequence: subject.sequence,
      leafIndex: subject.index,
      kind: subject.kind,
      salt: subject.salt,
      receipt,
      ...(subject.link === undefined ? {} : { link: subject.link }),
    });
  }

  /** The public leaf a subject's receipt proves, from its signed bytes (for checks and tests). */
  static leafOf(subject: ReceiptSubject, signed: Uint8Array): Uint8Array {
    return encodeLeaf(subject.kind, subject.salt, entryBytesOf(subject.kind, signed, subject.link));
  }
}
