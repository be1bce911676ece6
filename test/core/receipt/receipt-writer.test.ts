import { describe, expect, it } from 'vitest';
import {
  decodeReceiptMessage,
  encodeReceipt,
  encodeReceiptMessage,
  receiptProtectedHeader,
  writeReceiptMessage,
  type ReceiptMessageParts,
} from '../../../src/core/receipt/index.ts';

function bytes(n: number, seed: number): Uint8Array {
  return new Uint8Array(n).map((_, i) => (i * 131 + seed * 17 + 3) & 0xff);
}

/** What the generic encoders make of the same parts. */
function reference(p: ReceiptMessageParts): Uint8Array {
  const { protectedHeader, signature, treeSize, path, ...fields } = p;
  return encodeReceiptMessage({
    ...fields,
    receipt: encodeReceipt(protectedHeader, signature, {
      treeSize,
      leafIndex: p.leafIndex,
      path: path as readonly Uint8Array[],
    }),
  });
}

describe('the receipt message written in one pass', () => {
  it('is byte for byte the generic encoding, across head sizes, paths, links and texts', () => {
    const origins = ['wattproof.example/log', 'log.exämple/δ', 'x'.repeat(300)];
    const meters = ['mtr-1', 'zähler-ü-7', 'm'.repeat(30)];
    const positions: [number, number][] = [
      [1, 0],
      [24, 23],
      [256, 255],
      [70_000, 65_536],
      [2 ** 32 + 5, 2 ** 32 + 1],
      [2 ** 53 - 1, 2 ** 53 - 2],
    ];
    let n = 0;
    for (const origin of origins) {
      const protectedHeader = receiptProtectedHeader(origin, Uint8Array.of(1, 2, 3, 4));
      for (const meterId of meters) {
        for (const [treeSize, leafIndex] of positions) {
          for (const pathLength of [0, 1, 17, 23, 24, 40]) {
            for (const link of [undefined, bytes(40, 9)]) {
              const p: ReceiptMessageParts = {
                origin,
                meterId,
                sequence: (treeSize * 7) % 2 ** 40,
                leafIndex,
                kind: link === undefined ? 2 : 0x12,
                salt: bytes(32, n),
                ...(link === undefined ? {} : { link }),
                protectedHeader,
                signature: bytes(64, n + 1),
                treeSize,
                path: Array.from({ length: pathLength }, (_, i) => bytes(32, i)),
              };
              const ours = writeReceiptMessage(p);
              const expected = Buffer.from(reference(p)).toString('hex');
              expect(Buffer.from(ours).toString('hex')).toBe(expected);
              // The same path given as one array of its hashes.
              const flat = new Uint8Array(pathLength * 32);
              (p.path as Uint8Array[]).forEach((h, i) => flat.set(h, i * 32));
              const fromFlat = writeReceiptMessage({ ...p, path: flat });
              expect(Buffer.from(fromFlat).toString('hex')).toBe(expected);
              n++;
            }
          }
        }
      }
    }
    expect(n).toBe(3 * 3 * 6 * 6 * 2);
  });

  it('decodes as the receipt message it stands for', () => {
    const p: ReceiptMessageParts = {
      origin: 'wattproof.example/log',
      meterId: 'mtr-9',
      sequence: 12,
      leafIndex: 5,
      kind: 2,
      salt: bytes(32, 1),
      protectedHeader: receiptProtectedHeader('wattproof.example/log', Uint8Array.of(9, 9, 9, 9)),
      signature: bytes(64, 2),
      treeSize: 9,
      path: [bytes(32, 3), bytes(32, 4)],
    };
    const m = decodeReceiptMessage(writeReceiptMessage(p));
    expect(m).toMatchObject({ origin: p.origin, meterId: 'mtr-9', sequence: 12, leafIndex: 5 });
  });

  it('refuses numbers that are not unsigned integers', () => {
    const base: ReceiptMessageParts = {
      origin: 'o',
      meterId: 'm',
      sequence: 1,
      leafIndex: 0,
      kind: 2,
      salt: bytes(32, 1),
      protectedHeader: Uint8Array.of(0xa0),
      signature: bytes(64, 2),
      treeSize: 1,
      path: [],
    };
    expect(() => writeReceiptMessage({ ...base, sequence: -1 })).toThrow(/sequence/);
    expect(() => writeReceiptMessage({ ...base, treeSize: 1.5 })).toThrow(/tree size/);
    expect(() => writeReceiptMessage({ ...base, leafIndex: 2 ** 53 })).toThrow(/leaf index/);
    expect(() => writeReceiptMessage({ ...base, path: new Uint8Array(33) })).toThrow(/32-byte/);
  });
});
