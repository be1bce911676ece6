import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toBase64, toHex, utf8 } from '../../../src/core/bytes.ts';
import { EMPTY_ROOT, leafHash, nodeHash, sha256Bytes } from '../../../src/core/merkle/index.ts';

// Section A: transparency-dev/merkle rfc6962/rfc6962_test.go and golang/mod sumdb/tlog.
describe('when hashing per RFC 9162 §2.1.1', () => {
  it('gives SHA-256("") for the empty tree', () => {
    expect(toHex(EMPTY_ROOT)).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('prefixes 0x00 for a leaf of empty data', () => {
    expect(toHex(leafHash(new Uint8Array(0)))).toBe(
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    );
  });

  it('prefixes 0x00 for the leaf "L123456"', () => {
    expect(toHex(leafHash(utf8('L123456')))).toBe(
      '395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56',
    );
  });

  it('prefixes 0x01 for an interior node (published "N123","N456" vector)', () => {
    // The published vector hashes 4-byte children; nodeHash only accepts 32-byte ones, so the
    // framing is checked through sha256Bytes and the length guard separately.
    const framed = concatBytes(Uint8Array.of(1), utf8('N123'), utf8('N456'));
    expect(toHex(sha256Bytes(framed))).toBe(
      'aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb',
    );
    expect(() => nodeHash(utf8('N123'), utf8('N456'))).toThrow(RangeError);
  });

  it('frames 32-byte children as 0x01 ‖ left ‖ right', () => {
    const l = leafHash(utf8('left'));
    const r = leafHash(utf8('right'));
    expect(toHex(nodeHash(l, r))).toBe(toHex(sha256Bytes(concatBytes(Uint8Array.of(1), l, r))));
    expect(toHex(nodeHash(l, r))).not.toBe(toHex(nodeHash(r, l)));
  });

  it('matches Go sumdb RecordHash("hello world")', () => {
    const h = leafHash(utf8('hello world'));
    expect(toHex(h)).toBe('4eccf34608d31bac5c7becf6006df59005d828181056d092084e341e6bb005bd');
    expect(toBase64(h)).toBe('TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=');
    expect(h).toEqual(fromHex('4eccf34608d31bac5c7becf6006df59005d828181056d092084e341e6bb005bd'));
  });
});
