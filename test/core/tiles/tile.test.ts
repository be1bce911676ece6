import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_ENTRY_SIZE,
  TileError,
  decodeEntryBundle,
  decodeHashTile,
  encodeEntryBundle,
  encodeHashTile,
} from '../../../src/core/tiles/index.ts';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof TileError ? e.code : `untyped ${String(e)}`;
  }
  return undefined;
}

const hash = (i: number) => new Uint8Array(32).fill(i);

describe('when encoding hash tiles', () => {
  it('concatenates 1..256 hashes and decodes them back', () => {
    for (const n of [1, 2, 112, 255, 256]) {
      const hashes = Array.from({ length: n }, (_, i) => hash(i));
      const bytes = encodeHashTile(hashes);
      expect(bytes).toHaveLength(32 * n);
      expect(decodeHashTile(bytes)).toEqual(hashes);
      expect(decodeHashTile(bytes, n)).toEqual(hashes);
    }
  });

  it('rejects the wrong number of hashes or hashes of the wrong size', () => {
    expect(codeOf(() => encodeHashTile([]))).toBe('MALFORMED_TILE');
    expect(codeOf(() => encodeHashTile(Array.from({ length: 257 }, () => hash(0))))).toBe(
      'MALFORMED_TILE',
    );
    expect(codeOf(() => encodeHashTile([hash(0), new Uint8Array(31)]))).toBe('MALFORMED_TILE');
  });

  it('rejects tile bytes that are not 1..256 whole hashes, or not the expected width', () => {
    for (const len of [0, 1, 31, 33, 63, 8193, 8224]) {
      expect(codeOf(() => decodeHashTile(new Uint8Array(len)))).toBe('MALFORMED_TILE');
    }
    expect(codeOf(() => decodeHashTile(new Uint8Array(64), 3))).toBe('MALFORMED_TILE');
    expect(codeOf(() => decodeHashTile('abc' as never))).toBe('MALFORMED_TILE');
  });

  it('returns copies, not views into the tile', () => {
    const bytes = encodeHashTile([hash(1)]);
    const [h] = decodeHashTile(bytes);
    bytes.fill(9);
    expect(h).toEqual(hash(1));
  });
});

describe('when encoding entry bundles', () => {
  it('frames each entry with a big-endian uint16 length', () => {
    const bytes = encodeEntryBundle([
      Uint8Array.of(0x30),
      new Uint8Array(0),
      new Uint8Array(0x1234).fill(7),
    ]);
    expect([...bytes.slice(0, 5)]).toEqual([0x00, 0x01, 0x30, 0x00, 0x00]);
    expect([...bytes.slice(5, 7)]).toEqual([0x12, 0x34]);
    expect(bytes).toHaveLength(2 + 1 + 2 + 2 + 0x1234);
  });

  it('accepts an entry of 65,535 bytes and rejects 65,536 as ENTRY_TOO_LARGE', () => {
    const big = new Uint8Array(MAX_ENTRY_SIZE).fill(1);
    expect(decodeEntryBundle(encodeEntryBundle([big]))).toEqual([big]);
    expect(codeOf(() => encodeEntryBundle([new Uint8Array(MAX_ENTRY_SIZE + 1)]))).toBe(
      'ENTRY_TOO_LARGE',
    );
  });

  it('rejects other than 1..256 entries', () => {
    expect(codeOf(() => encodeEntryBundle([]))).toBe('MALFORMED_BUNDLE');
    const many = Array.from({ length: 257 }, () => new Uint8Array(1));
    expect(codeOf(() => encodeEntryBundle(many))).toBe('MALFORMED_BUNDLE');
    const tooMany = new Uint8Array(257 * 2); // 257 empty entries
    expect(codeOf(() => decodeEntryBundle(tooMany))).toBe('MALFORMED_BUNDLE');
    expect(decodeEntryBundle(new Uint8Array(256 * 2))).toHaveLength(256);
    expect(codeOf(() => decodeEntryBundle(new Uint8Array(0)))).toBe('MALFORMED_BUNDLE');
  });

  it('rejects truncated prefixes, truncated entries, trailing bytes and the wrong width', () => {
    const good = encodeEntryBundle([Uint8Array.of(1, 2, 3), Uint8Array.of(4)]);
    expect(decodeEntryBundle(good, 2)).toEqual([Uint8Array.of(1, 2, 3), Uint8Array.of(4)]);
    for (let cut = 1; cut < good.length; cut++) {
      if (cut === 5) continue; // ends exactly after the first entry: a valid 1-entry bundle
      expect(codeOf(() => decodeEntryBundle(good.slice(0, cut)))).toBe('MALFORMED_BUNDLE');
    }
    expect(decodeEntryBundle(good.slice(0, 5))).toHaveLength(1);
    expect(codeOf(() => decodeEntryBundle(good.slice(0, 5), 2))).toBe('MALFORMED_BUNDLE');
    expect(codeOf(() => decodeEntryBundle(Uint8Array.of(...good, 0)))).toBe('MALFORMED_BUNDLE');
    expect(codeOf(() => decodeEntryBundle(Uint8Array.of(...good, 0, 0), 2))).toBe(
      'MALFORMED_BUNDLE',
    );
    expect(codeOf(() => decodeEntryBundle(Uint8Array.of(0xff, 0xff, 1)))).toBe('MALFORMED_BUNDLE');
  });

  it('round-trips random bundles and never throws untyped errors on garbage', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 256 }),
        (entries) => {
          expect(decodeEntryBundle(encodeEntryBundle(entries), entries.length)).toEqual(entries);
        },
      ),
      { numRuns: 100 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const code = codeOf(() => decodeEntryBundle(bytes));
        expect(code === undefined || code === 'MALFORMED_BUNDLE').toBe(true);
        const tileCode = codeOf(() => decodeHashTile(bytes));
        expect(tileCode === undefined || tileCode === 'MALFORMED_TILE').toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
