import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CborError,
  CborFloat,
  CborTag,
  decodeCbor,
  encodeCbor,
} from '../../../src/core/cbor/index.ts';
import type { CborValue } from '../../../src/core/cbor/index.ts';

const { value: cborValue } = fc.letrec<{ value: CborValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
    fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n - 1n }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.constantFrom<CborValue>(true, false, null, undefined),
    fc.double().map((d) => new CborFloat(d)),
    fc.float().map((d) => new CborFloat(d)),
    fc.array(tie('value'), { maxLength: 5 }),
    fc
      .uniqueArray(
        fc.tuple(
          fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.string({ maxLength: 6 })),
          tie('value'),
        ),
        {
          selector: ([k]) => k,
          maxLength: 5,
        },
      )
      .map((entries) => new Map(entries)),
    fc.tuple(fc.nat({ max: 2 ** 40 }), tie('value')).map(([t, v]) => new CborTag(t, v)),
  ),
}));

// The decoded form of a value: bigints in the safe range come back as numbers.
function normalize(v: CborValue): CborValue {
  if (
    typeof v === 'bigint' &&
    v <= BigInt(Number.MAX_SAFE_INTEGER) &&
    v >= -BigInt(Number.MAX_SAFE_INTEGER)
  ) {
    return Number(v);
  }
  if (Array.isArray(v)) return v.map(normalize);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, normalize(x)]));
  if (v instanceof CborTag) return new CborTag(v.tag, normalize(v.value));
  return v;
}

describe('when round-tripping arbitrary values', () => {
  it('decodes what it encodes, and re-encodes it to the same bytes', () => {
    fc.assert(
      fc.property(cborValue, (v) => {
        const bytes = encodeCbor(v);
        const back = decodeCbor(bytes, { maxDepth: 64 });
        expect(back).toEqual(normalize(v));
        expect(encodeCbor(back)).toEqual(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives back exactly the same float bit patterns, -0 and NaN included', () => {
    fc.assert(
      fc.property(fc.double(), (d) => {
        const back = decodeCbor(encodeCbor(new CborFloat(d)));
        expect(back).toBeInstanceOf(CborFloat);
        expect(Object.is((back as CborFloat).value, d)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('when decoding attacker-controlled bytes', () => {
  function decodeOrCborError(bytes: Uint8Array): void {
    try {
      const v = decodeCbor(bytes);
      // Whatever is accepted is the one deterministic encoding of its value.
      expect(encodeCbor(v)).toEqual(bytes);
    } catch (e) {
      if (!(e instanceof CborError)) throw e;
    }
  }

  it('never throws anything but CborError on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), decodeOrCborError), { numRuns: 20000 });
  });

  it('never throws anything but CborError on mutated valid encodings', () => {
    const mutated = fc
      .tuple(cborValue, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat())
      .map(([v, pos, byte, cut]) => {
        const b = encodeCbor(v);
        if (b.length === 0) return b;
        const out = b.slice(0, b.length - (cut % Math.min(b.length, 3)));
        if (out.length > 0) out[pos % out.length] = byte;
        return out;
      });
    fc.assert(fc.property(mutated, decodeOrCborError), { numRuns: 5000 });
  });
});
