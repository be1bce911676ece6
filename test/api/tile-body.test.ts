import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/errors.ts';
import { exactEntryBundle, exactHashTile } from '../../src/api/tile-body.ts';
import { bundleOf, testEntry } from './memory-log.ts';

const tile = Uint8Array.from({ length: 10 * 32 }, (_, i) => i & 0xff);

describe('when a hash tile is cut to width', () => {
  it('returns exactly the first W hashes', () => {
    expect(exactHashTile(tile, 10)).toEqual(tile);
    expect(exactHashTile(tile, 3)).toEqual(tile.subarray(0, 96));
  });

  it('rejects a tile shorter than W hashes or not whole hashes', () => {
    expect(() => exactHashTile(tile, 11)).toThrow(ApiError);
    expect(() => exactHashTile(tile.subarray(0, 95), 2)).toThrow(/malformed hash tile/);
  });
});

describe('when an entry bundle is cut to width', () => {
  const entries = Array.from({ length: 5 }, (_, i) => testEntry(i));

  it('returns exactly the first W entries', () => {
    expect(exactEntryBundle(bundleOf(entries), 5)).toEqual(bundleOf(entries));
    expect(exactEntryBundle(bundleOf(entries), 2)).toEqual(bundleOf(entries.slice(0, 2)));
  });

  it('handles empty and 65535-byte entries', () => {
    const odd = [new Uint8Array(0), new Uint8Array(0xffff).fill(1), new Uint8Array(1)];
    expect(exactEntryBundle(bundleOf(odd), 3)).toEqual(bundleOf(odd));
    expect(exactEntryBundle(bundleOf(odd), 2).length).toBe(2 + 2 + 0xffff);
  });

  it('rejects a bundle with fewer than W entries or a truncated entry', () => {
    expect(() => exactEntryBundle(bundleOf(entries), 6)).toThrow(ApiError);
    const cut = bundleOf(entries).subarray(0, bundleOf(entries).length - 1);
    expect(() => exactEntryBundle(cut, 5)).toThrow(/malformed entry bundle/);
    expect(() => exactEntryBundle(new Uint8Array([0]), 1)).toThrow(ApiError);
  });
});
