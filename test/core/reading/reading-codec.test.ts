import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CborFloat, CborTag, encodeCbor } from '../../../src/core/cbor/index.ts';
import type { CborMap, CborValue } from '../../../src/core/cbor/index.ts';
import {
  decodeReading,
  decodeReadingCbor,
  encodeReading,
  QualityFlag,
  ReadingError,
  ReadingKey,
} from '../../../src/core/reading/index.ts';
import type { Reading } from '../../../src/core/reading/index.ts';
import { concatBytes, fromHex, utf8 } from '../../../src/core/bytes.ts';

const SAMPLE: Reading = {
  meterId: 'mtr-0001',
  sequence: 42,
  intervalStart: 1767225600,
  intervalEnd: 1767226500,
  obis: '1-0:1.8.0',
  registerWh: 1234567,
  energyWh: 250,
  quality: QualityFlag.CLOCK_SYNCED,
};

function payloadMap(
  overrides: Partial<Record<keyof Reading, CborValue>> = {},
  drop: number[] = [],
): CborMap {
  const m: CborMap = new Map();
  for (const [field, key] of Object.entries(ReadingKey)) {
    if (drop.includes(key)) continue;
    const f = field as keyof Reading;
    m.set(key, f in overrides ? overrides[f] : SAMPLE[f]);
  }
  return m;
}

function errorOf(f: () => unknown): ReadingError {
  try {
    f();
  } catch (e) {
    if (e instanceof ReadingError) return e;
    throw e;
  }
  throw new Error('expected a ReadingError');
}

const readingArb: fc.Arbitrary<Reading> = fc
  .record({
    meterId: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/),
    sequence: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    intervalStart: fc.nat({ max: 2 ** 40 }),
    length: fc.integer({ min: 1, max: 86400 }),
    obis: fc
      .tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255))
      .map(([a, b, c, d, e]) => `${a}-${b}:${c}.${d}.${e}`),
    registerWh: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    energyWh: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    quality: fc.nat(7),
  })
  .map(({ length, ...r }) => ({ ...r, intervalEnd: r.intervalStart + length }));

describe('when encoding a reading', () => {
  it('writes the documented key table in key order', () => {
    const expected = concatBytes(
      fromHex('a8'),
      fromHex('01'),
      fromHex('68'),
      utf8('mtr-0001'),
      fromHex('02182a'),
      fromHex('031a6955b900'),
      fromHex('041a6955bc84'),
      fromHex('05'),
      fromHex('69'),
      utf8('1-0:1.8.0'),
      fromHex('061a0012d687'),
      fromHex('0718fa'),
      fromHex('0801'),
    );
    expect(encodeReading(SAMPLE)).toEqual(expected);
  });

  it('round-trips any valid reading', () => {
    fc.assert(
      fc.property(readingArb, (r) => {
        expect(decodeReading(encodeReading(r))).toEqual(r);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses to encode an invalid reading', () => {
    expect(errorOf(() => encodeReading({ ...SAMPLE, energyWh: -1 })).code).toBe('INVALID_FIELD');
    expect(errorOf(() => encodeReading({ ...SAMPLE, energyWh: 1.5 })).evidence).toMatchObject({
      field: 'energyWh',
    });
  });
});

describe('when decoding a malformed payload', () => {
  it.each<[string, () => Uint8Array, string, string | undefined]>([
    ['truncated CBOR', () => encodeReading(SAMPLE).subarray(0, 20), 'MALFORMED_READING', undefined],
    [
      'CBOR with trailing bytes',
      () => concatBytes(encodeReading(SAMPLE), fromHex('00')),
      'MALFORMED_READING',
      undefined,
    ],
    ['an array, not a map', () => encodeCbor([1, 2]), 'MALFORMED_READING', undefined],
    ['a missing sequence', () => encodeCbor(payloadMap({}, [2])), 'MALFORMED_READING', 'sequence'],
    ['an unknown key 9', () => encodeCbor(payloadMap().set(9, 0)), 'MALFORMED_READING', undefined],
    [
      'a text key',
      () => encodeCbor(payloadMap().set('meterId', 'x')),
      'MALFORMED_READING',
      undefined,
    ],
    [
      'a negative energy',
      () => encodeCbor(payloadMap({ energyWh: -250 })),
      'INVALID_FIELD',
      'energyWh',
    ],
    [
      'a float energy',
      () => encodeCbor(payloadMap({ energyWh: new CborFloat(250.5) })),
      'INVALID_FIELD',
      'energyWh',
    ],
    [
      'an integral float energy',
      () => encodeCbor(payloadMap({ energyWh: new CborFloat(250) })),
      'INVALID_FIELD',
      'energyWh',
    ],
    [
      'a NaN register',
      () => encodeCbor(payloadMap({ registerWh: new CborFloat(NaN) })),
      'INVALID_FIELD',
      'registerWh',
    ],
    [
      'an infinite register',
      () => encodeCbor(payloadMap({ registerWh: new CborFloat(Infinity) })),
      'INVALID_FIELD',
      'registerWh',
    ],
    [
      'a register above 2^53',
      () => encodeCbor(payloadMap({ registerWh: 2n ** 60n })),
      'INVALID_FIELD',
      'registerWh',
    ],
    [
      'a tagged sequence',
      () => encodeCbor(payloadMap({ sequence: new CborTag(2, fromHex('01')) })),
      'INVALID_FIELD',
      'sequence',
    ],
    [
      'a text sequence',
      () => encodeCbor(payloadMap({ sequence: '42' })),
      'INVALID_FIELD',
      'sequence',
    ],
    [
      'unknown quality bits',
      () => encodeCbor(payloadMap({ quality: 0x08 })),
      'INVALID_FIELD',
      'quality',
    ],
    [
      'quality bits above 32',
      () => encodeCbor(payloadMap({ quality: 2 ** 33 + 1 })),
      'INVALID_FIELD',
      'quality',
    ],
    [
      'end equal to start',
      () => encodeCbor(payloadMap({ intervalEnd: SAMPLE.intervalStart })),
      'INVALID_FIELD',
      'intervalEnd',
    ],
    [
      'end before start',
      () => encodeCbor(payloadMap({ intervalEnd: SAMPLE.intervalStart - 900 })),
      'INVALID_FIELD',
      'intervalEnd',
    ],
    [
      'a negative start',
      () => encodeCbor(payloadMap({ intervalStart: -1 })),
      'INVALID_FIELD',
      'intervalStart',
    ],
    ['a bad OBIS code', () => encodeCbor(payloadMap({ obis: '1.8.0' })), 'INVALID_FIELD', 'obis'],
    [
      'an OBIS code as bytes',
      () => encodeCbor(payloadMap({ obis: utf8('1-0:1.8.0') })),
      'INVALID_FIELD',
      'obis',
    ],
    [
      'an empty meter id',
      () => encodeCbor(payloadMap({ meterId: '' })),
      'INVALID_FIELD',
      'meterId',
    ],
    [
      'a meter id with a slash',
      () => encodeCbor(payloadMap({ meterId: 'mtr/1' })),
      'INVALID_FIELD',
      'meterId',
    ],
    [
      'a 65-character meter id',
      () => encodeCbor(payloadMap({ meterId: 'm'.repeat(65) })),
      'INVALID_FIELD',
      'meterId',
    ],
    ['keys out of order', () => fromHex('a2' + '0201' + '0100'), 'MALFORMED_READING', undefined],
  ])('rejects %s', (_name, make, code, field) => {
    const e = errorOf(() => decodeReading(make()));
    expect(e.code).toBe(code);
    if (field !== undefined) expect(e.evidence).toMatchObject({ field });
  });

  it('keeps the CBOR error code as evidence of MALFORMED_READING', () => {
    const e = errorOf(() => decodeReading(fromHex('bf')));
    expect(e.evidence).toMatchObject({ cborCode: 'INDEFINITE_LENGTH' });
  });

  it('throws nothing but ReadingError for mutated payloads', () => {
    const good = encodeReading(SAMPLE);
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 }), (pos, byte) => {
        const b = good.slice();
        b[pos] = byte;
        try {
          decodeReading(b);
        } catch (e) {
          if (!(e instanceof ReadingError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('the canonical reading fast path', () => {
  /** A reading, or the error's class, code and message, so that verdicts compare whole. */
  function verdict(decode: (b: Uint8Array) => Reading, b: Uint8Array): unknown {
    try {
      return decode(b);
    } catch (e) {
      const err = e as ReadingError;
      return { name: err.name, code: err.code, message: err.message, evidence: err.evidence };
    }
  }

  const field = fc.oneof(
    fc.nat({ max: 30 }),
    fc.nat({ max: 300 }),
    fc.nat({ max: 70_000 }),
    fc.nat(),
    fc.maxSafeNat(),
  );
  const text = fc.oneof(
    fc.constantFrom('mtr-0001', '1-0:1.8.0', '1-0:2.8.0', '', 'x'.repeat(24), 'ü-meter'),
    fc.string({ maxLength: 70 }),
  );
  const reading = fc.record({
    meterId: text,
    sequence: field,
    intervalStart: field,
    intervalEnd: field,
    obis: text,
    registerWh: field,
    energyWh: field,
    quality: fc.nat({ max: 20 }),
  });

  it('gives the general decoder’s reading or error for any fields, in any byte damage', () => {
    fc.assert(
      fc.property(
        reading,
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom('none', 'byte', 'cut', 'append'),
        (r, at, x, damage) => {
          const m: CborMap = new Map();
          for (const [f, key] of Object.entries(ReadingKey)) m.set(key, r[f as keyof Reading]);
          let b = encodeCbor(m);
          if (damage === 'byte') {
            b = b.slice();
            b[at % b.length] = x;
          } else if (damage === 'cut') {
            b = b.subarray(0, at % b.length);
          } else if (damage === 'append') {
            b = concatBytes(b, Uint8Array.of(x));
          }
          expect(verdict(decodeReading, b)).toEqual(verdict(decodeReadingCbor, b));
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('gives the same for the valid sample and for keys out of order or in long forms', () => {
    const b = encodeReading(SAMPLE);
    expect(decodeReading(b)).toEqual(SAMPLE);
    // Key 1 written as 0x18 0x01 (not shortest), and the map of 8 with a 1-byte length.
    const longKey = concatBytes(Uint8Array.of(0xa8, 0x18, 0x01), b.subarray(2));
    const longMap = concatBytes(Uint8Array.of(0xb8, 0x08), b.subarray(1));
    for (const bad of [longKey, longMap]) {
      expect(verdict(decodeReading, bad)).toEqual(verdict(decodeReadingCbor, bad));
      expect(() => decodeReading(bad)).toThrow(ReadingError);
    }
  });
});
