import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../src/core/bytes.ts';
import {
  compareKeys,
  firstDifferingBit,
  hasPrefix,
  keyBit,
  paddedByte,
} from '../../../src/core/vmap/index.ts';
import { mapKey } from './arbitraries.ts';
import { naiveBit, naiveCompare, naiveFirstDiff, naiveHasPrefix } from './naive-map.ts';

const k = fromHex;

describe('when keys of different lengths meet', () => {
  it('reads past a key as one 0x00 byte, then 0xFF bytes', () => {
    const key = k('ab');
    expect([0, 1, 2, 3].map((i) => paddedByte(key, i))).toEqual([0xab, 0x00, 0xff, 0xff]);
    expect([8, 15, 16, 23].map((n) => keyBit(key, n))).toEqual([0, 0, 1, 1]);
  });

  it('orders K‖00 < K‖00‖FE < K‖00‖FF < K < K‖01, as the padding says', () => {
    const order = ['ab00', 'ab00fe', 'ab00ff', 'ab', 'ab01'].map(k);
    for (let i = 0; i + 1 < order.length; i++) {
      expect(compareKeys(order[i]!, order[i + 1]!)).toBeLessThan(0);
      expect(compareKeys(order[i + 1]!, order[i]!)).toBeGreaterThan(0);
    }
  });

  it('splits K and K‖00 at the first bit after K, and K‖00‖FF from K at K‖00‖FF’s end', () => {
    expect(firstDifferingBit(k('ab'), k('ab00'))).toBe(16);
    expect(firstDifferingBit(k('ab'), k('ab00ff'))).toBe(24);
    expect(firstDifferingBit(k(''), k('00'))).toBe(8);
    expect(firstDifferingBit(k('ab'), k('ab'))).toBe(-1);
  });

  it('treats a key as having a prefix inside its padding', () => {
    expect(hasPrefix(k('61'), k('6100'))).toBe(true);
    expect(hasPrefix(k('61'), k('6100ffff'))).toBe(true);
    expect(hasPrefix(k('61'), k('610000'))).toBe(false);
    expect(hasPrefix(k('6162'), k('61'))).toBe(true);
    expect(hasPrefix(k('6162'), k('62'))).toBe(false);
  });
});

describe('when keys are compared bit by bit as well', () => {
  it('agrees with the naive padded comparison on random keys', () => {
    fc.assert(
      fc.property(mapKey, mapKey, fc.nat(300), (a, b, n) => {
        expect(firstDifferingBit(a, b)).toBe(naiveFirstDiff(a, b));
        expect(Math.sign(compareKeys(a, b))).toBe(Math.sign(naiveCompare(a, b)));
        expect(keyBit(a, n)).toBe(naiveBit(a, n));
        const prefix = b.slice(0, n % (b.length + 2));
        expect(hasPrefix(a, prefix)).toBe(naiveHasPrefix(a, prefix));
      }),
      { numRuns: 2000 },
    );
  });

  it('never calls two distinct keys equal', () => {
    fc.assert(
      fc.property(mapKey, mapKey, (a, b) => {
        const same = a.length === b.length && a.every((x, i) => x === b[i]);
        expect(compareKeys(a, b) === 0).toBe(same);
      }),
      { numRuns: 2000 },
    );
  });
});
