import { describe, expect, it } from 'vitest';
import { CborError, CborFloat, decodeCbor, encodeCbor } from '../../../src/core/cbor/index.ts';
import { concatBytes, fromHex } from '../../../src/core/bytes.ts';

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof CborError) return e.code;
    throw e;
  }
  return 'no error';
}

const decodeHex = (hex: string) => () => decodeCbor(fromHex(hex));

describe('when the input is cut short', () => {
  it.each([
    ['empty input', ''],
    ['a 1-byte argument missing', '18'],
    ['a 2-byte argument half there', '1903'],
    ['a 4-byte argument half there', '1a0001'],
    ['an 8-byte argument half there', '1b00000000'],
    ['an array whose last element is cut', '8301021903'],
    ['a map whose last value is cut', 'a201020319'],
    ['a tag without content', 'c1'],
    ['a half float missing a byte', 'f93c'],
    ['a double missing bytes', 'fb3ff1999999'],
  ])('rejects %s as TRUNCATED', (_name, hex) => {
    expect(codeOf(decodeHex(hex))).toBe('TRUNCATED');
  });

  it.each([
    ['a byte string longer than the input', '4501020304'],
    ['a text string longer than the input', '6361'],
    ['a byte string with an 8-byte length of 2^32', '5b0000000100000000'],
    ['a byte string with a length beyond 2^53', '5bffffffffffffffff'],
    ['an array with more elements than bytes left', '99010000'],
    ['a map with more pairs than bytes left', 'b90100'],
  ])('rejects %s as LENGTH_EXCEEDS_INPUT', (_name, hex) => {
    expect(codeOf(decodeHex(hex))).toBe('LENGTH_EXCEEDS_INPUT');
  });
});

describe('when bytes follow the data item', () => {
  it('rejects them as TRAILING_BYTES, with the offset as evidence', () => {
    let err: unknown;
    try {
      decodeCbor(fromHex('0100'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CborError);
    expect((err as CborError).code).toBe('TRAILING_BYTES');
    expect((err as CborError).evidence).toEqual({ offset: 1 });
  });
});

describe('when an encoding is not the shortest one', () => {
  it.each([
    ['0 in one extra byte', '1800'],
    ['23 in one extra byte', '1817'],
    ['255 in two bytes', '1900ff'],
    ['65535 in four bytes', '1a0000ffff'],
    ['2^32 - 1 in eight bytes', '1b00000000ffffffff'],
    ['-1 in one extra byte', '3800'],
    ['a byte-string length in one extra byte', '5801ff'],
    ['a text length in two bytes', '790001ff'],
    ['an array count in one extra byte', '9800'],
    ['a map count in one extra byte', 'b800'],
    ['a tag number in one extra byte', 'd80100'],
    ['1.0 as binary32', 'fa3f800000'],
    ['1.5 as binary64', 'fb3ff8000000000000'],
    ['100000.0 as binary64', 'fb40f86a0000000000'],
    ['a NaN with a payload', 'f97e01'],
    ['a negative NaN', 'f9fe00'],
  ])('rejects %s as NON_CANONICAL', (_name, hex) => {
    expect(codeOf(decodeHex(hex))).toBe('NON_CANONICAL');
  });

  it('rejects map keys out of bytewise lexicographic order as NON_CANONICAL', () => {
    expect(codeOf(decodeHex('a203040102'))).toBe('NON_CANONICAL'); // {3: 4, 1: 2}
    expect(codeOf(decodeHex('a2616201616101'))).toBe('NON_CANONICAL'); // {"b": 1, "a": 1}
    // {-1: 0, 24: 0}: 0x20 sorts after 0x18 18 bytewise, though -1 is shorter.
    expect(codeOf(decodeHex('a22000181800'))).toBe('NON_CANONICAL');
    expect(decodeCbor(fromHex('a21818002000'))).toEqual(
      new Map([
        [24, 0],
        [-1, 0],
      ]),
    );
  });
});

describe('when a map repeats a key', () => {
  it.each([
    ['an integer key', 'a201020103'],
    ['a text key', 'a2616101616102'],
  ])('rejects %s as DUPLICATE_KEY', (_name, hex) => {
    expect(codeOf(decodeHex(hex))).toBe('DUPLICATE_KEY');
  });
});

describe('when the input uses indefinite lengths or reserved values', () => {
  it.each([
    ['an indefinite byte string', '5f4101ff'],
    ['an indefinite text string', '7f6161ff'],
    ['an indefinite array', '9f01ff'],
    ['an indefinite map', 'bf0102ff'],
    ['a lone break code', 'ff'],
  ])('rejects %s as INDEFINITE_LENGTH', (_name, hex) => {
    expect(codeOf(decodeHex(hex))).toBe('INDEFINITE_LENGTH');
  });

  it.each(['1c', '1d', '1e', '3c', '5c', '7d', '9e', 'bc', 'dd', 'fc', 'fd', 'fe'])(
    'rejects additional information 28-30 (%s) as RESERVED',
    (hex) => {
      expect(codeOf(decodeHex(hex))).toBe('RESERVED');
    },
  );

  it.each(['1f', '3f', 'df'])(
    'rejects additional information 31 on major 0, 1, 6 (%s) as MALFORMED',
    (hex) => {
      expect(codeOf(decodeHex(hex))).toBe('MALFORMED');
    },
  );
});

describe('when nesting is deep', () => {
  const nested = (depth: number) =>
    concatBytes(new Uint8Array(depth).fill(0x81), Uint8Array.of(0x00));

  it('accepts nesting up to the default of 16', () => {
    expect(() => decodeCbor(nested(16))).not.toThrow();
  });

  it('rejects nesting of 17 arrays as TOO_DEEP', () => {
    expect(codeOf(() => decodeCbor(nested(17)))).toBe('TOO_DEEP');
  });

  it('counts maps and tags towards the depth', () => {
    const mixed = concatBytes(
      new Uint8Array(8).fill(0xc1),
      new Uint8Array(8).fill(0x81),
      fromHex('a10000'),
    );
    expect(codeOf(() => decodeCbor(mixed))).toBe('TOO_DEEP');
    expect(codeOf(() => decodeCbor(mixed, { maxDepth: 17 }))).toBe('no error');
  });

  it('rejects 100 000 nested arrays without exhausting the stack', () => {
    expect(codeOf(() => decodeCbor(nested(100_000)))).toBe('TOO_DEEP');
  });
});

describe('when a text string is not valid UTF-8', () => {
  it.each([
    ['a lone continuation byte', '6180'],
    ['an overlong encoding of "/"', '62c0af'],
    ['an encoded surrogate', '63eda080'],
    ['a truncated sequence', '62e6b0'],
    ['a code point above U+10FFFF', '64f4908080'],
  ])('rejects %s as INVALID_UTF8', (_name, hex) => {
    expect(codeOf(decodeHex(hex))).toBe('INVALID_UTF8');
  });

  it('keeps a leading byte order mark instead of stripping it', () => {
    expect(decodeCbor(fromHex('63efbbbf'))).toBe('\ufeff');
  });
});

describe('when an item is outside the data model', () => {
  it.each([
    ['a byte-string map key', 'a1410100'],
    ['an array map key', 'a18000'],
    ['a float map key', 'a1f93c0000'],
    ['a bigint map key', 'a11b002000000000000000'],
    ['a tag number above 2^53', 'db002000000000000000'],
    ['simple value 0', 'e0'],
  ])('rejects %s as UNSUPPORTED', (_name, hex) => {
    expect(codeOf(decodeHex(hex))).toBe('UNSUPPORTED');
  });
});

describe('when decoding floats', () => {
  it('returns them as CborFloat, never as plain numbers', () => {
    const v = decodeCbor(fromHex('f93c00'));
    expect(v).toBeInstanceOf(CborFloat);
    expect((v as CborFloat).value).toBe(1);
  });
});

describe('when encoding', () => {
  it('sorts map keys by their encoded bytes whatever the insertion order', () => {
    const m = new Map<number | string, number>([
      ['b', 1],
      [-1, 2],
      [24, 3],
      ['a', 4],
      [1, 5],
    ]);
    // 01, 1818, 20, 6161, 6162
    expect(encodeCbor(m)).toEqual(fromHex('a501051818032002616104616201'));
  });

  it('throws TypeError for a non-integer number', () => {
    expect(() => encodeCbor(1.5)).toThrow(TypeError);
    expect(() => encodeCbor(NaN)).toThrow(TypeError);
  });

  it('throws TypeError for a plain object and for a lone surrogate', () => {
    expect(() => encodeCbor({} as never)).toThrow(TypeError);
    expect(() => encodeCbor('\ud800')).toThrow(TypeError);
  });

  it('throws RangeError for an integer beyond 64 bits', () => {
    expect(() => encodeCbor(2n ** 64n)).toThrow(RangeError);
    expect(() => encodeCbor(-(2n ** 64n) - 1n)).toThrow(RangeError);
  });

  it('encodes a bigint in the safe range exactly like the number', () => {
    expect(encodeCbor(1000n)).toEqual(encodeCbor(1000));
    expect(encodeCbor(-1000n)).toEqual(encodeCbor(-1000));
  });
});

describe('text strings and byte strings as decoded', () => {
  const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  it('gives the strict UTF-8 decoder’s string for ASCII and other text, short and long', () => {
    for (const t of [
      '',
      'a',
      'pv-0001',
      '1-0:1.8.0',
      'x'.repeat(64),
      'y'.repeat(65),
      'Zähler',
      '€'.repeat(30),
      '\u0000\u007f',
    ]) {
      const b = encodeCbor(t);
      expect(decodeCbor(b)).toBe(t);
      expect(decodeCbor(b)).toBe(
        strict.decode(b.subarray(b.length - new TextEncoder().encode(t).length)),
      );
    }
  });

  it('still refuses invalid UTF-8 after ASCII bytes', () => {
    for (const hex of ['6361ff62', '62c328', '6461626380']) {
      expect(() => decodeCbor(fromHex(hex))).toThrow(CborError);
    }
  });

  it('copies byte strings unless asked for views', () => {
    const b = encodeCbor([fromHex('0102'), fromHex('03')]);
    const copied = decodeCbor(b) as Uint8Array[];
    const viewed = decodeCbor(b, { views: true }) as Uint8Array[];
    expect(viewed).toEqual(copied);
    expect(viewed[0]!.buffer).toBe(b.buffer);
    expect(copied[0]!.buffer).not.toBe(b.buffer);
    b[2] = 9;
    expect(copied[0]).toEqual(fromHex('0102'));
    expect(viewed[0]).toEqual(fromHex('0902'));
  });
});
