import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/core/bytes.ts';
import { codeOf } from './code-of.ts';
import {
  meterFlagsIndexKey,
  READINGS_KEY_SIZE,
  readingsChannelHash,
  readingsIndexKey,
  signerIndexKey,
  utcHourOf,
} from '../../../src/core/ledger-index/index.ts';
import { nodeHasher } from '../../../src/node-fast/index.ts';

/** Deterministic CBOR of an array of short ASCII text strings (RFC 8949 §3.1), by hand. */
function cborTextArray(items: readonly string[]): Buffer {
  const parts = [Buffer.from([0x80 + items.length])];
  for (const s of items) {
    const b = Buffer.from(s, 'ascii');
    parts.push(b.length < 24 ? Buffer.from([0x60 + b.length]) : Buffer.from([0x78, b.length]), b);
  }
  return Buffer.concat(parts);
}

function expectedFamilyHash(items: readonly string[]): string {
  return createHash('sha256')
    .update('wattproof/v1/index-key\0')
    .update(cborTextArray(items))
    .digest('hex');
}

describe('index keys', () => {
  it('hash the tag and the CBOR array of family and names, computed independently', () => {
    expect(toHex(signerIndexKey('meter-7'))).toBe(expectedFamilyHash(['signer', 'meter-7']));
    expect(toHex(meterFlagsIndexKey('meter-7'))).toBe(
      expectedFamilyHash(['meter-flags', 'meter-7']),
    );
    expect(toHex(readingsChannelHash('meter-7', '1-0:1.8.0'))).toBe(
      expectedFamilyHash(['readings', 'meter-7', '1-0:1.8.0']),
    );
  });

  it('give the same bytes with the node hasher', () => {
    expect(toHex(signerIndexKey('m1', nodeHasher))).toBe(toHex(signerIndexKey('m1')));
    expect(toHex(readingsIndexKey('m1', '1-0:2.8.0', utcHourOf(1_767_225_600), nodeHasher))).toBe(
      toHex(readingsIndexKey('m1', '1-0:2.8.0', utcHourOf(1_767_225_600))),
    );
  });

  it('end a readings key with the UTC hour as u16 year, month, day, hour', () => {
    // 2026-03-29T01:59:59Z
    const key = readingsIndexKey('m1', '1-0:1.8.0', utcHourOf(1_774_749_599));
    expect(key.length).toBe(READINGS_KEY_SIZE);
    expect(toHex(key.subarray(32))).toBe('07ea031d01');
    expect(toHex(key.subarray(0, 32))).toBe(expectedFamilyHash(['readings', 'm1', '1-0:1.8.0']));
  });

  it('nest hour keys under their day, month and year prefixes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799 }), (t) => {
        const h = utcHourOf(t);
        const hour = readingsIndexKey('m', '1-0:1.8.0', h);
        const day = readingsIndexKey('m', '1-0:1.8.0', { ...h, hour: undefined });
        const month = readingsIndexKey('m', '1-0:1.8.0', { year: h.year, month: h.month });
        const year = readingsIndexKey('m', '1-0:1.8.0', { year: h.year });
        expect([year.length, month.length, day.length]).toEqual([34, 35, 36]);
        expect(toHex(hour).startsWith(toHex(day))).toBe(true);
        expect(toHex(day).startsWith(toHex(month))).toBe(true);
        expect(toHex(month).startsWith(toHex(year))).toBe(true);
        const d = new Date(t * 1000);
        expect(h).toEqual({
          year: d.getUTCFullYear(),
          month: d.getUTCMonth() + 1,
          day: d.getUTCDate(),
          hour: d.getUTCHours(),
        });
      }),
    );
  });

  it('keep families, meters and channels apart', () => {
    const keys = [
      signerIndexKey('m1'),
      meterFlagsIndexKey('m1'),
      readingsChannelHash('m1', '1-0:1.8.0'),
      readingsChannelHash('m1', '1-0:2.8.0'),
      readingsChannelHash('m2', '1-0:1.8.0'),
      signerIndexKey('M1'),
    ].map(toHex);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('refuse a register with leading zeros, an invalid id and an impossible date', () => {
    expect(codeOf(() => readingsChannelHash('m1', '1-0:01.8.0'))).toBe('INVALID_KEY_PART');
    expect(codeOf(() => signerIndexKey(' m1'))).toBe('INVALID_KEY_PART');
    expect(codeOf(() => meterFlagsIndexKey(''))).toBe('INVALID_KEY_PART');
    expect(
      codeOf(() => readingsIndexKey('m1', '1-0:1.8.0', { year: 2026, month: 2, day: 29 })),
    ).toBe('INVALID_KEY_PART');
    expect(codeOf(() => readingsIndexKey('m1', '1-0:1.8.0', { year: 2026, day: 1 }))).toBe(
      'INVALID_KEY_PART',
    );
    expect(codeOf(() => readingsIndexKey('m1', '1-0:1.8.0', { year: 1969 }))).toBe(
      'INVALID_KEY_PART',
    );
    expect(codeOf(() => utcHourOf(-1))).toBe('INVALID_KEY_PART');
    expect(codeOf(() => utcHourOf(1.5))).toBe('INVALID_KEY_PART');
    expect(
      codeOf(() => readingsIndexKey('m1', '1-0:1.8.0', { year: 2024, month: 2, day: 29 })),
    ).toBeUndefined();
  });
});
