import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isWattproofError } from '../../../src/core/errors.ts';
import { encodeChainLink, encodeLeaf, EntryKind } from '../../../src/core/leaf/leaf.ts';
import { leafHash } from '../../../src/core/merkle/hash.ts';
import { CompactRange } from '../../../src/core/merkle/compact-range.ts';
import { inclusionProof } from '../../../src/core/merkle/proof.ts';
import type { NodeId } from '../../../src/core/merkle/node-id.ts';
import { decodeVerifierKey, u32be } from '../../../src/core/note/key-format.ts';
import { ed25519Signer, generateEd25519Key } from '../../../src/core/note/keys.ts';
import {
  decodeReceipt,
  encodeReceipt,
  receiptProtectedHeader,
  receiptToBeSigned,
  verifyReceipt,
} from '../../../src/core/receipt/receipt.ts';
import {
  decodeReceiptMessage,
  encodeReceiptMessage,
  verifyReceiptMessage,
} from '../../../src/core/receipt/receipt-message.ts';
import { utf8 } from '../../../src/core/bytes.ts';

const ORIGIN = 'wattproof.test/receipts';
const { skey, vkey } = generateEd25519Key(ORIGIN);
const signer = ed25519Signer(skey);

/** A small log of `n` readings with their salts and leaves, and receipts for all of them. */
async function logWithReceipts(n: number) {
  const readings = Array.from({ length: n }, (_, i) => utf8(`signed reading ${i}`));
  const salts = readings.map((_, i) => new Uint8Array(32).fill(i + 1));
  const leaves = readings.map((r, i) => encodeLeaf(EntryKind.readingCose, salts[i]!, r));
  const nodes = new Map<string, Uint8Array>();
  const range = CompactRange.empty();
  for (const l of leaves)
    range.append(leafHash(l), (id, h) => nodes.set(`${id.level}/${id.index}`, h));
  const read = (ids: readonly NodeId[]) => ids.map((id) => nodes.get(`${id.level}/${id.index}`)!);
  const protectedHeader = receiptProtectedHeader(ORIGIN, u32be(decodeVerifierKey(vkey).keyId));
  const root = range.root();
  const signature = signer.sign(receiptToBeSigned(protectedHeader, root));
  const receipts = await Promise.all(
    leaves.map(async (_, i) =>
      encodeReceipt(protectedHeader, signature, {
        treeSize: n,
        leafIndex: i,
        path: await inclusionProof(i, n, read),
      }),
    ),
  );
  return { readings, salts, leaves, receipts, root, protectedHeader, signature };
}

describe('COSE Receipts (RFC 9942, RFC9162_SHA256)', () => {
  it('verify for every leaf of the batch with one shared signature, checked by node:crypto too', async () => {
    const { leaves, receipts, root, protectedHeader, signature } = await logWithReceipts(13);
    receipts.forEach((r, i) =>
      expect(verifyReceipt(r, leaves[i]!, vkey)).toMatchObject({ treeSize: 13, leafIndex: i }),
    );
    const pub = decodeVerifierKey(vkey).key;
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(pub).toString('base64url') },
      format: 'jwk',
    });
    expect(nodeVerify(null, receiptToBeSigned(protectedHeader, root), key, signature)).toBe(true);
    expect(decodeReceipt(receipts[0]!).origin).toBe(ORIGIN);
  });

  it('rejects another leaf, another log key, a changed proof or signature', async () => {
    const { leaves, receipts } = await logWithReceipts(5);
    expect(() => verifyReceipt(receipts[1]!, leaves[2]!, vkey)).toThrow();
    const other = generateEd25519Key(ORIGIN).vkey;
    expect(() => verifyReceipt(receipts[1]!, leaves[1]!, other)).toThrow(/signature/);
    const otherOrigin = generateEd25519Key('another.log/x').vkey;
    try {
      verifyReceipt(receipts[1]!, leaves[1]!, otherOrigin);
      expect.unreachable();
    } catch (e) {
      expect(isWattproofError(e, 'WRONG_LOG')).toBe(true);
    }
    for (let pos = 0; pos < receipts[1]!.length; pos++) {
      const bad = receipts[1]!.slice();
      bad[pos]! ^= 0x01;
      expect(() => verifyReceipt(bad, leaves[1]!, vkey), `byte ${pos}`).toThrow();
    }
  });

  it('carries a receipt message that the meter checks against its own signed bytes', async () => {
    const { readings, salts, receipts } = await logWithReceipts(4);
    const msg = encodeReceiptMessage({
      origin: ORIGIN,
      meterId: 'meter-1',
      sequence: 7,
      leafIndex: 2,
      kind: EntryKind.readingCose,
      salt: salts[2]!,
      receipt: receipts[2]!,
    });
    expect(decodeReceiptMessage(msg).sequence).toBe(7);
    expect(verifyReceiptMessage(msg, readings[2]!, vkey).proof.leafIndex).toBe(2);
    expect(() => verifyReceiptMessage(msg, readings[1]!, vkey)).toThrow();
    const lying = encodeReceiptMessage({ ...decodeReceiptMessage(msg), leafIndex: 3 });
    expect(() => verifyReceiptMessage(lying, readings[2]!, vkey)).toThrow(/another leaf index/);
    expect(() => decodeReceiptMessage(utf8('garbage'))).toThrow();
  });

  it('carries the link of a chained reading, without which the meter cannot recompute its leaf', () => {
    const link = encodeChainLink({ index: 1, leafHash: new Uint8Array(32).fill(3) });
    const base = {
      origin: ORIGIN,
      meterId: 'meter-1',
      sequence: 7,
      leafIndex: 2,
      salt: new Uint8Array(32),
      receipt: new Uint8Array(4),
    };
    const chained = encodeReceiptMessage({ ...base, kind: EntryKind.readingCoseChained, link });
    expect(decodeReceiptMessage(chained).link).toEqual(link);
    // A chained kind without its link, or a link on an unchained kind, is malformed.
    const bare = encodeReceiptMessage({ ...base, kind: EntryKind.readingCoseChained });
    expect(() => decodeReceiptMessage(bare)).toThrow(/wrong types/);
    const stray = encodeReceiptMessage({ ...base, kind: EntryKind.readingCose, link });
    expect(() => decodeReceiptMessage(stray)).toThrow(/wrong types/);
  });
});
