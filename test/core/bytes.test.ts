import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bytesEqual,
  concatBytes,
  fromBase64,
  fromHex,
  fromUtf8,
  readU64be,
  toBase64,
  toHex,
  u64be,
} from '../../src/core/bytes.ts';

describe('the core byte helpers', () => {
  it('encode u64 big-endian exactly as Buffer does, and read it back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n) => {
        const ref = Buffer.alloc(8);
        ref.writeBigUInt64BE(BigInt(n));
        expect(toHex(u64be(n))).toBe(ref.toString('hex'));
        expect(readU64be(u64be(n))).toBe(n);
      }),
      { numRuns: 1000 },
    );
    expect(() => u64be(-1)).toThrow(RangeError);
    expect(() => u64be(2 ** 53)).toThrow(RangeError);
    expect(() => readU64be(fromHex('0020000000000000'))).toThrow(RangeError);
  });

  it('round-trip base64 and hex as Buffer does, and refuse non-canonical base64', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        expect(toBase64(b)).toBe(Buffer.from(b).toString('base64'));
        expect(bytesEqual(fromBase64(toBase64(b)), b)).toBe(true);
        expect(bytesEqual(fromHex(toHex(b)), b)).toBe(true);
      }),
      { numRuns: 500 },
    );
    for (const bad of ['QQ', 'QR==', 'QUI', 'QU=I', 'Q Q==', 'QUJD\n'])
      expect(() => fromBase64(bad)).toThrow(TypeError);
    expect(() => fromHex('abc')).toThrow(TypeError);
    expect(() => fromHex('zz')).toThrow(TypeError);
  });

  it('accepts exactly the canonical base64 strings, decoding them as Buffer does', () => {
    const alphabet =
      'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n\u0000é\u0141\u4e00\ud800\uffff';
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...alphabet), { maxLength: 16 }).map((a) => a.join('')),
        (text) => {
          const ref = Buffer.from(text, 'base64');
          const canonical = ref.toString('base64') === text;
          if (canonical) expect(Buffer.from(fromBase64(text)).equals(ref)).toBe(true);
          else expect(() => fromBase64(text)).toThrow(TypeError);
        },
      ),
      { numRuns: 20_000 },
    );
    expect(fromBase64('')).toEqual(new Uint8Array(0));
    for (const bad of ['====', 'A===', '=AAA', 'AA=A', 'AAAA=AAA', 'AAA='.replace('A', 'é')])
      expect(() => fromBase64(bad)).toThrow(TypeError);
  });

  it('decodes UTF-8 strictly and concatenates', () => {
    expect(() => fromUtf8(Uint8Array.of(0xc3, 0x28))).toThrow(TypeError);
    expect(toHex(concatBytes(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3)))).toBe(
      '010203',
    );
  });
});
