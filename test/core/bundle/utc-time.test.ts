/**
 * UTC date-time text for every time a bundle can hold (up to 2^53 − 1 s): the same as `Date`
 * where `Date` reaches, RFC 3339 up to year 9999 and the ISO 8601 expanded form after.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatUtc } from '../../../src/core/bundle/index.ts';

/** `Date`'s text in formatUtc's shape (no milliseconds, `+` years without leading zeros). */
function viaDate(seconds: number): string {
  const iso = new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
  return iso.startsWith('+') ? `+${iso.slice(1).replace(/^0+/, '')}` : iso;
}

describe('when formatting Unix seconds', () => {
  it('matches Date over its whole range', () => {
    for (const s of [
      0, 59, 951_782_400, 1_767_225_600, 253_402_300_799, 253_402_300_800, 8.64e12,
    ]) {
      expect(formatUtc(s)).toBe(viaDate(s));
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8.64e12 }), (s) => {
        expect(formatUtc(s)).toBe(viaDate(s));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes four-digit years up to 9999, then the expanded form, up to 2^53 − 1 and past', () => {
    expect(formatUtc(253_402_300_799)).toBe('9999-12-31T23:59:59Z');
    expect(formatUtc(253_402_300_800)).toBe('+10000-01-01T00:00:00Z');
    expect(formatUtc(Number.MAX_SAFE_INTEGER)).toBe('+285428751-11-12T07:36:31Z');
    // The end of the hour after 2^53 − 1 (an even double, exact).
    expect(formatUtc(2 ** 53 + 2)).toBe('+285428751-11-12T07:36:34Z');
  });

  it('refuses negative and fractional times', () => {
    for (const s of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => formatUtc(s)).toThrow(RangeError);
    }
  });
});
