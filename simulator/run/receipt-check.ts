/**
 * Checks the node's receipts the way a meter does (`verifyReceiptMessage` in the core, RFC 9942
 * inclusion receipts, docs/formats.md §Receipts), with two speed-ups for thousands of them: the
 * log's Ed25519 signature is checked with `node:crypto`, and once per signed root — the node signs
 * each root once, and every receipt of a batch carries that same signature.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { toHex } from '../../src/core/bytes.ts';
import { encodeLeaf, entryBytesOf } from '../../src/core/leaf/leaf.ts';
import { leafHash } from '../../src/core/merkle/hash.ts';
import { rootFromInclusionProof } from '../../src/core/merkle/verify.ts';
import { decodeVerifierKey, SignatureType } from '../../src/core/note/key-format.ts';
import { decodeReceipt, receiptToBeSigned } from '../../src/core/receipt/receipt.ts';
import {
  decodeReceiptMessage,
  type ReceiptMessage,
} from '../../src/core/receipt/receipt-message.ts';

/** RFC 8410 SubjectPublicKeyInfo prefix of an Ed25519 key. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A receipt checker bound to one log key. */
export interface ReceiptChecker {
  /**
   * Returns the message when the receipt proves that `signedReading` is in the log under the
   * key; undefined when it does not (wrong log, leaf, proof or signature).
   */
  check(receiptMessage: Uint8Array, signedReading: Uint8Array): ReceiptMessage | undefined;
}

/** A checker for receipts of the log with verifier key `logVkey` (C2SP signed-note form). */
export function receiptChecker(logVkey: string): ReceiptChecker {
  const vkey = decodeVerifierKey(logVkey);
  if (vkey.type !== SignatureType.ed25519 || vkey.key.length !== 32) {
    throw new TypeError('the log key is not an Ed25519 key');
  }
  const key: KeyObject = createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(vkey.key)]),
    format: 'der',
    type: 'spki',
  });
  const good = new Set<string>();
  return {
    check(bytes, signedReading) {
      try {
        const message = decodeReceiptMessage(bytes);
        const r = decodeReceipt(message.receipt);
        if (r.origin !== vkey.name || r.proof.leafIndex !== message.leafIndex) return undefined;
        const leaf = encodeLeaf(
          message.kind,
          message.salt,
          entryBytesOf(message.kind, signedReading, message.link),
        );
        const root = rootFromInclusionProof(
          leafHash(leaf),
          r.proof.leafIndex,
          r.proof.treeSize,
          r.proof.path,
        );
        const tbs = receiptToBeSigned(r.protectedHeader, root);
        const id = `${toHex(tbs)}.${toHex(r.signature)}`;
        if (!good.has(id)) {
          if (!verify(null, tbs, key, r.signature)) return undefined;
          if (good.size > 10_000) good.clear();
          good.add(id);
        }
        return message;
      } catch {
        return undefined;
      }
    },
  };
}
