import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bitLength,
  isPowerOfTwo,
  popcount,
  shiftRight,
  trailingZeros,
  xor,
} from '../../../src/core/merkle/bit-math.ts';

// Indices reach 2^53 − 1, beyond JavaScript's 32-bit operators; BigInt is the oracle.
const safe = fc.oneof(
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  fc.nat(53).map((k) => 2 ** k - 1),
  fc.nat(52).map((k) => 2 ** k),
);

describe('when doing bit arithmetic on safe integers', () => {
  it('agrees with BigInt', () => {
    fc.assert(
      fc.property(safe, safe, fc.nat(60), (a, b, k) => {
        const A = BigInt(a);
        expect(bitLength(a)).toBe(A.toString(2).replace(/^0$/, '').length);
        expect(popcount(a)).toBe([...A.toString(2)].filter((c) => c === '1').length);
        expect(xor(a, b)).toBe(Number(A ^ BigInt(b)));
        expect(shiftRight(a, k)).toBe(Number(A >> BigInt(k)));
        const tz = a === 0 ? 64 : A.toString(2).length - 1 - A.toString(2).lastIndexOf('1');
        expect(trailingZeros(a)).toBe(tz);
        expect(isPowerOfTwo(a)).toBe(a > 0 && (A & (A - 1n)) === 0n);
      }),
      { numRuns: 2000 },
    );
  });
});
