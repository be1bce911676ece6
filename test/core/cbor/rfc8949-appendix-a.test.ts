import { describe, expect, it } from 'vitest';
import {
  CborError,
  CborFloat,
  CborTag,
  decodeCbor,
  encodeCbor,
} from '../../../src/core/cbor/index.ts';
import type { CborValue } from '../../../src/core/cbor/index.ts';
import { fromHex, toHex } from '../../../src/core/bytes.ts';

// RFC 8949 Appendix A, Table 6: every example in the data model of the codec. The
// indefinite-length and non-preferred float rows are checked as rejections below.
const EXAMPLES: readonly [string, CborValue, string][] = [
  ['0', 0, '00'],
  ['1', 1, '01'],
  ['10', 10, '0a'],
  ['23', 23, '17'],
  ['24', 24, '1818'],
  ['25', 25, '1819'],
  ['100', 100, '1864'],
  ['1000', 1000, '1903e8'],
  ['1000000', 1000000, '1a000f4240'],
  ['1000000000000', 1000000000000, '1b000000e8d4a51000'],
  ['18446744073709551615', 18446744073709551615n, '1bffffffffffffffff'],
  [
    '18446744073709551616 (bignum)',
    new CborTag(2, fromHex('010000000000000000')),
    'c249010000000000000000',
  ],
  ['-18446744073709551616', -18446744073709551616n, '3bffffffffffffffff'],
  [
    '-18446744073709551617 (bignum)',
    new CborTag(3, fromHex('010000000000000000')),
    'c349010000000000000000',
  ],
  ['-1', -1, '20'],
  ['-10', -10, '29'],
  ['-100', -100, '3863'],
  ['-1000', -1000, '3903e7'],
  ['0.0', new CborFloat(0), 'f90000'],
  ['-0.0', new CborFloat(-0), 'f98000'],
  ['1.0', new CborFloat(1), 'f93c00'],
  ['1.1', new CborFloat(1.1), 'fb3ff199999999999a'],
  ['1.5', new CborFloat(1.5), 'f93e00'],
  ['65504.0', new CborFloat(65504), 'f97bff'],
  ['100000.0', new CborFloat(100000), 'fa47c35000'],
  ['3.4028234663852886e+38', new CborFloat(3.4028234663852886e38), 'fa7f7fffff'],
  ['1.0e+300', new CborFloat(1.0e300), 'fb7e37e43c8800759c'],
  ['5.960464477539063e-8', new CborFloat(5.960464477539063e-8), 'f90001'],
  ['0.00006103515625', new CborFloat(0.00006103515625), 'f90400'],
  ['-4.0', new CborFloat(-4), 'f9c400'],
  ['-4.1', new CborFloat(-4.1), 'fbc010666666666666'],
  ['Infinity', new CborFloat(Infinity), 'f97c00'],
  ['NaN', new CborFloat(NaN), 'f97e00'],
  ['-Infinity', new CborFloat(-Infinity), 'f9fc00'],
  ['false', false, 'f4'],
  ['true', true, 'f5'],
  ['null', null, 'f6'],
  ['undefined', undefined, 'f7'],
  [
    '0("2013-03-21T20:04:00Z")',
    new CborTag(0, '2013-03-21T20:04:00Z'),
    'c074323031332d30332d32315432303a30343a30305a',
  ],
  ['1(1363896240)', new CborTag(1, 1363896240), 'c11a514b67b0'],
  ['1(1363896240.5)', new CborTag(1, new CborFloat(1363896240.5)), 'c1fb41d452d9ec200000'],
  ["23(h'01020304')", new CborTag(23, fromHex('01020304')), 'd74401020304'],
  ["24(h'6449455446')", new CborTag(24, fromHex('6449455446')), 'd818456449455446'],
  [
    '32("http://www.example.com")',
    new CborTag(32, 'http://www.example.com'),
    'd82076687474703a2f2f7777772e6578616d706c652e636f6d',
  ],
  ["h''", new Uint8Array(0), '40'],
  ["h'01020304'", fromHex('01020304'), '4401020304'],
  ['""', '', '60'],
  ['"a"', 'a', '6161'],
  ['"IETF"', 'IETF', '6449455446'],
  ['"\\"\\\\"', '"\\', '62225c'],
  ['"\\u00fc"', '\u00fc', '62c3bc'],
  ['"\\u6c34"', '\u6c34', '63e6b0b4'],
  ['"\\ud800\\udd51"', '\ud800\udd51', '64f0908591'],
  ['[]', [], '80'],
  ['[1, 2, 3]', [1, 2, 3], '83010203'],
  ['[1, [2, 3], [4, 5]]', [1, [2, 3], [4, 5]], '8301820203820405'],
  [
    '[1, 2, ..., 25]',
    Array.from({ length: 25 }, (_, i) => i + 1),
    '98190102030405060708090a0b0c0d0e0f101112131415161718181819',
  ],
  ['{}', new Map(), 'a0'],
  [
    '{1: 2, 3: 4}',
    new Map([
      [1, 2],
      [3, 4],
    ]),
    'a201020304',
  ],
  [
    '{"a": 1, "b": [2, 3]}',
    new Map<string, CborValue>([
      ['a', 1],
      ['b', [2, 3]],
    ]),
    'a26161016162820203',
  ],
  ['["a", {"b": "c"}]', ['a', new Map([['b', 'c']])], '826161a161626163'],
  [
    '{"a": "A", ..., "e": "E"}',
    new Map([
      ['a', 'A'],
      ['b', 'B'],
      ['c', 'C'],
      ['d', 'D'],
      ['e', 'E'],
    ]),
    'a56161614161626142616361436164614461656145',
  ],
];

// Appendix A rows that are well-formed CBOR but not deterministic (RFC 8949 §4.2.1/§4.2.2).
const NON_PREFERRED = [
  ['Infinity as binary32', 'fa7f800000'],
  ['NaN as binary32', 'fa7fc00000'],
  ['-Infinity as binary32', 'faff800000'],
  ['Infinity as binary64', 'fb7ff0000000000000'],
  ['NaN as binary64', 'fb7ff8000000000000'],
  ['-Infinity as binary64', 'fbfff0000000000000'],
] as const;

// Appendix A rows with indefinite lengths (RFC 8949 §3.2.2, §3.2.3).
const INDEFINITE = [
  ["(_ h'0102', h'030405')", '5f42010243030405ff'],
  ['(_ "strea", "ming")', '7f657374726561646d696e67ff'],
  ['[_ ]', '9fff'],
  ['[_ 1, [2, 3], [_ 4, 5]]', '9f018202039f0405ffff'],
  ['[_ 1, [2, 3], [4, 5]]', '9f01820203820405ff'],
  ['[1, [2, 3], [_ 4, 5]]', '83018202039f0405ff'],
  ['[1, [_ 2, 3], [4, 5]]', '83019f0203ff820405'],
  ['{_ "a": 1, "b": [_ 2, 3]}', 'bf61610161629f0203ffff'],
  ['["a", {_ "b": "c"}]', '826161bf61626163ff'],
  ['{_ "Fun": true, "Amt": -2}', 'bf6346756ef563416d7421ff'],
] as const;

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof CborError) return e.code;
    throw e;
  }
  return 'no error';
}

describe('when encoding the RFC 8949 Appendix A examples', () => {
  it.each(EXAMPLES)('encodes %s to its published bytes', (_name, value, hex) => {
    expect(toHex(encodeCbor(value))).toBe(hex);
  });
});

describe('when decoding the RFC 8949 Appendix A examples', () => {
  it.each(EXAMPLES)('decodes %s from its published bytes', (_name, value, hex) => {
    const decoded = decodeCbor(fromHex(hex));
    if (value instanceof CborFloat) {
      expect(decoded).toBeInstanceOf(CborFloat);
      expect(Object.is((decoded as CborFloat).value, value.value)).toBe(true);
    } else {
      expect(decoded).toEqual(value);
    }
  });

  it('keeps integers as number in the safe range and bigint beyond it', () => {
    expect(decodeCbor(fromHex('1b001fffffffffffff'))).toBe(Number.MAX_SAFE_INTEGER);
    expect(decodeCbor(fromHex('1b0020000000000000'))).toBe(2n ** 53n);
    expect(decodeCbor(fromHex('3b001ffffffffffffe'))).toBe(-Number.MAX_SAFE_INTEGER);
    expect(decodeCbor(fromHex('3b001fffffffffffff'))).toBe(-(2n ** 53n));
  });

  it.each(NON_PREFERRED)('rejects %s as NON_CANONICAL', (_name, hex) => {
    expect(codeOf(() => decodeCbor(fromHex(hex)))).toBe('NON_CANONICAL');
  });

  it.each(INDEFINITE)('rejects %s as INDEFINITE_LENGTH', (_name, hex) => {
    expect(codeOf(() => decodeCbor(fromHex(hex)))).toBe('INDEFINITE_LENGTH');
  });

  it('rejects simple(16) and simple(255) as UNSUPPORTED and simple(24) as MALFORMED', () => {
    expect(codeOf(() => decodeCbor(fromHex('f0')))).toBe('UNSUPPORTED');
    expect(codeOf(() => decodeCbor(fromHex('f8ff')))).toBe('UNSUPPORTED');
    expect(codeOf(() => decodeCbor(fromHex('f818')))).toBe('MALFORMED');
  });
});
