import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CborTag, encodeCbor } from '../../../src/core/cbor/index.ts';
import type { CborMap } from '../../../src/core/cbor/index.ts';
import { CoseAlg, decodeCoseSign1, signCoseSign1 } from '../../../src/core/cose/index.ts';
import { splitPlainSign1, splitSign1 } from '../../../src/core/cose/sign1-decode.ts';
import { concatBytes } from '../../../src/core/bytes.ts';

/** The general split's parts, or its error's code and message. */
function general(b: Uint8Array): unknown {
  try {
    return splitSign1(b);
  } catch (e) {
    const err = e as { code?: string; message: string };
    return { code: err.code, message: err.message };
  }
}

const bytes = (max: number) =>
  fc.oneof(
    fc.uint8Array({ maxLength: 30 }),
    fc.uint8Array({ minLength: 20, maxLength: max }),
    fc.integer({ min: 250, max: 300 }).map((n) => new Uint8Array(n).fill(7)),
  );

describe('the COSE_Sign1 split without the general decoder', () => {
  it('gives the general decoder’s four items for every message it takes, and declines the rest', () => {
    fc.assert(
      fc.property(
        bytes(400),
        fc.boolean(),
        bytes(300),
        bytes(70),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom('none', 'byte', 'cut', 'append'),
        (protectedBytes, empty, payload, signature, at, x, damage) => {
          const unprotected: CborMap = empty ? new Map() : new Map([[4, new Uint8Array(1)]]);
          let b = encodeCbor(new CborTag(18, [protectedBytes, unprotected, payload, signature]));
          if (damage === 'byte') {
            b = b.slice();
            b[at % b.length] = x;
          } else if (damage === 'cut') {
            b = b.subarray(0, at % b.length);
          } else if (damage === 'append') {
            b = concatBytes(b, Uint8Array.of(x));
          }
          const plain = splitPlainSign1(b);
          if (plain !== undefined) expect(plain).toEqual(general(b));
          if (damage === 'none' && empty && payload.length < 0x10000) {
            expect(plain).toBeDefined();
          }
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('declines long forms and a 64 KiB payload, which the general decoder judges', () => {
    const msg = encodeCbor(
      new CborTag(18, [new Uint8Array(3), new Map(), new Uint8Array(5), new Uint8Array(64)]),
    );
    // The payload's length 5 written as 0x58 0x05 (not shortest): the strict decoder refuses it.
    const long = concatBytes(msg.subarray(0, 7), Uint8Array.of(0x58, 0x05), msg.subarray(8));
    expect(splitPlainSign1(long)).toBeUndefined();
    expect(general(long)).toMatchObject({ code: 'MALFORMED_COSE' });
    const big = encodeCbor(
      new CborTag(18, [new Uint8Array(3), new Map(), new Uint8Array(70_000), new Uint8Array(64)]),
    );
    expect(splitPlainSign1(big)).toBeUndefined();
    expect(general(big)).toMatchObject({ payload: new Uint8Array(70_000) });
  });

  it('decodes a signed message in place as views into it, and as a copy by default', () => {
    const m = signCoseSign1({
      alg: CoseAlg.EdDSA,
      kid: new Uint8Array([1, 2]),
      iss: 'dev-1',
      sub: 'meter-1',
      contentType: 'text/plain',
      payload: new Uint8Array([9, 9, 9]),
      privateKey: new Uint8Array(32).fill(5),
    });
    const inPlace = decodeCoseSign1(m, { inPlace: true });
    const copied = decodeCoseSign1(m);
    expect(inPlace.payload.buffer).toBe(m.buffer);
    expect(copied.payload.buffer).not.toBe(m.buffer);
    expect({ ...inPlace, bytes: undefined }).toEqual({ ...copied, bytes: undefined });
    expect(inPlace.bytes).toBe(m);
  });
});
