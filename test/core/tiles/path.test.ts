import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  TileError,
  encodeTileIndex,
  entryBundlePath,
  hashTilePath,
  parseTilePath,
  tilePath,
  type TileRef,
} from '../../../src/core/tiles/index.ts';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof TileError ? e.code : `untyped ${String(e)}`;
  }
  return undefined;
}

describe('when writing C2SP tlog-tiles paths', () => {
  it('splits the index into x-prefixed 3-digit groups', () => {
    expect(hashTilePath(0, 1234067)).toBe('tile/0/x001/x234/067');
    expect(hashTilePath(0, 1234067, 5)).toBe('tile/0/x001/x234/067.p/5');
    expect(entryBundlePath(1234067)).toBe('tile/entries/x001/x234/067');
    expect(hashTilePath(2, 0, 1)).toBe('tile/2/000.p/1');
    expect(hashTilePath(1, 1, 256)).toBe('tile/1/001');
    expect(encodeTileIndex(999)).toBe('999');
    expect(encodeTileIndex(1000)).toBe('x001/000');
    expect(encodeTileIndex(1_000_000)).toBe('x001/x000/000');
    expect(encodeTileIndex(Number.MAX_SAFE_INTEGER)).toBe('x009/x007/x199/x254/x740/991');
  });

  it('rejects out-of-range coordinates as INVALID_TILE', () => {
    for (const [l, i, w] of [
      [64, 0, undefined],
      [-1, 0, undefined],
      [0.5, 0, undefined],
      [0, -1, undefined],
      [0, NaN, undefined],
      [0, 2 ** 53, undefined],
      [0, 0, 0],
      [0, 0, 257],
      [0, 0, 1.5],
    ] as [number, number, number | undefined][]) {
      expect(codeOf(() => hashTilePath(l, i, w))).toBe('INVALID_TILE');
    }
    expect(codeOf(() => entryBundlePath(0, 300))).toBe('INVALID_TILE');
  });
});

describe('when parsing C2SP tlog-tiles paths', () => {
  it('reads hash tiles and entry bundles, full and partial', () => {
    expect(parseTilePath('tile/0/x001/x234/067')).toEqual({
      kind: 'hash',
      level: 0,
      index: 1234067,
      width: 256,
    });
    expect(parseTilePath('tile/0/x001/x234/067.p/5')).toEqual({
      kind: 'hash',
      level: 0,
      index: 1234067,
      width: 5,
    });
    expect(parseTilePath('tile/63/000.p/255')).toEqual({
      kind: 'hash',
      level: 63,
      index: 0,
      width: 255,
    });
    expect(parseTilePath('tile/entries/273.p/112')).toEqual({
      kind: 'entries',
      level: 0,
      index: 273,
      width: 112,
    });
    expect(parseTilePath('tile/entries/x001/000')).toEqual({
      kind: 'entries',
      level: 0,
      index: 1000,
      width: 256,
    });
  });

  it.each([
    // Go sumdb paths carry the tile height and name level −1 "data".
    'tile/4/0/001.p/5',
    'tile/3/5/x123/x456/078',
    'tile/8/0/x001/234',
    'tile/8/data/000',
    'tile/data/000',
    // Non-canonical numbers.
    'tile/00/000',
    'tile/01/000',
    'tile/64/000',
    'tile/-1/000',
    'tile/+1/000',
    'tile/0/0',
    'tile/0/00',
    'tile/0/0000',
    'tile/0/x000/001',
    'tile/0/x001/x000',
    'tile/0/001/002',
    'tile/0/x1/000',
    'tile/0/X001/000',
    'tile/0/０００',
    'tile/0/1e3',
    // Bad partial suffixes.
    'tile/0/000.p/0',
    'tile/0/000.p/256',
    'tile/0/000.p/05',
    'tile/0/000.p/',
    'tile/0/000.p',
    'tile/0/000.p/5/6',
    'tile/0/x001.p/5',
    'tile/0/000.P/5',
    // Structure.
    'tile',
    'tile/',
    'tile/0',
    'tile/0/',
    'tile/0/000/',
    '/tile/0/000',
    'tiles/0/000',
    'tile//000',
    'tile/entries',
    'tile/entries/',
    'checkpoint',
    '',
    'tile/0/x999/x999/x999/x999/x999/x999/999',
    `tile/0/${'x001/'.repeat(60)}000`,
  ])('rejects %j as MALFORMED_PATH', (path) => {
    expect(codeOf(() => parseTilePath(path))).toBe('MALFORMED_PATH');
  });

  it('rejects values that are not strings', () => {
    for (const v of [undefined, null, 7, {}, ['tile', '0', '000']]) {
      expect(codeOf(() => parseTilePath(v as string))).toBe('MALFORMED_PATH');
    }
  });

  it('round-trips every tile reference', () => {
    const ref = fc.record({
      kind: fc.constantFrom('hash' as const, 'entries' as const),
      level: fc.integer({ min: 0, max: 63 }),
      index: fc.oneof(fc.nat(1_000_000), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
      width: fc.integer({ min: 1, max: 256 }),
    });
    fc.assert(
      fc.property(ref, (r) => {
        const t: TileRef = r.kind === 'entries' ? { ...r, level: 0 } : r;
        const path = tilePath(t);
        expect(parseTilePath(path)).toEqual(t);
        expect(tilePath(parseTilePath(path))).toBe(path);
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws anything but MALFORMED_PATH on garbage', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc
            .array(fc.constantFrom('tile', 'entries', 'x001', '000', '1', '.p', '5', 'x', ''), {
              maxLength: 7,
            })
            .map((a) => a.join('/')),
        ),
        (s) => {
          const code = codeOf(() => parseTilePath(s));
          if (code !== undefined) expect(code).toBe('MALFORMED_PATH');
          else expect(tilePath(parseTilePath(s))).toBe(s);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
