/**
 * encodeCborView: the same bytes as encodeCbor, as views into shared slabs that later
 * encodings never overwrite.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeCbor,
  encodeCborIntMapView,
  encodeCborView,
  type CborValue,
} from '../../../src/core/cbor/index.ts';

const value: fc.Arbitrary<CborValue> = fc.oneof(
  fc.integer(),
  fc.maxSafeNat(),
  fc.string(),
  fc.uint8Array({ maxLength: 1500 }),
  fc.array(fc.oneof(fc.integer(), fc.string(), fc.uint8Array({ maxLength: 64 })), {
    maxLength: 8,
  }),
);

describe('encodeCborView', () => {
  it('gives the bytes of encodeCbor, which stay intact while thousands more are encoded', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 400 }), (values) => {
        const views = values.map((v) => encodeCborView(v));
        values.forEach((v, i) => expect(views[i]).toEqual(encodeCbor(v)));
      }),
      { numRuns: 50 },
    );
  });

  it('hands out small encodings inside a shared slab and large ones on their own', () => {
    let a = encodeCborView('a');
    let b = encodeCborView('b');
    if (b.byteOffset === 0) [a, b] = [b, encodeCborView('b')]; // 'a' filled the last slab
    expect(a.buffer).toBe(b.buffer);
    expect(b.byteOffset).toBeGreaterThan(a.byteOffset);
    const big = encodeCborView(new Uint8Array(2000));
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(big.length);
    // encodeCbor keeps giving arrays of their own.
    const own = encodeCbor('c');
    expect([own.byteOffset, own.buffer.byteLength]).toEqual([0, own.length]);
  });
});

describe('encodeCborIntMapView', () => {
  it('gives the bytes of encodeCbor of the same map, for any ascending small keys', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 23 }), { maxLength: 24 }),
        fc.array(value, { minLength: 24, maxLength: 24 }),
        (unsorted, values) => {
          const keys = [...unsorted].sort((a, b) => a - b);
          const map = new Map<number, CborValue>(keys.map((k, i) => [k, values[i]!]));
          expect(encodeCborIntMapView(keys, values.slice(0, keys.length))).toEqual(encodeCbor(map));
          // Only the first n entries are written.
          expect(encodeCborIntMapView([...keys, 99], values, keys.length)).toEqual(encodeCbor(map));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses keys out of order or above 23, and values outside the data model', () => {
    expect(() => encodeCborIntMapView([2, 1], [0, 0])).toThrow(RangeError);
    expect(() => encodeCborIntMapView([1, 1], [0, 0])).toThrow(RangeError);
    expect(() => encodeCborIntMapView([24], [0])).toThrow(RangeError);
    expect(() => encodeCborIntMapView([1], [1.5])).toThrow(TypeError);
    // The shared scratch buffer was given back: encodings go on giving the right bytes.
    expect(encodeCborIntMapView([1], ['x'])).toEqual(encodeCbor(new Map([[1, 'x']])));
  });
});
