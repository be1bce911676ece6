import { hash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/core/bytes.ts';
import { fastSha256 } from '../../../src/node-fast/node-hasher.ts';
import {
  EMPTY_MAP_ROOT,
  encodeVarint,
  mapHasherFrom,
  MAX_VARINT_BYTES,
  MapProofError,
  nobleMapHasher,
  readVarint,
} from '../../../src/core/vmap/index.ts';

const nodeMapHasher = mapHasherFrom(fastSha256);
const sha = (b: Uint8Array) => fromHex(hash('sha256', b, 'hex'));

describe('when hashing map nodes', () => {
  it('hashes the empty map as SHA-256 of nothing', () => {
    expect(toHex(EMPTY_MAP_ROOT)).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('lays a leaf out as 0x00 ‖ varint len ‖ key ‖ varint len ‖ value', () => {
    const key = new Uint8Array(200).fill(1);
    const value = Uint8Array.of(9);
    const pre = Uint8Array.from([0x00, 0xc8, 0x01, ...key, 0x01, 0x09]);
    expect(nobleMapHasher.leafHash(key, value)).toEqual(sha(pre));
  });

  it('lays an inner node out as 0x01 ‖ varint bit ‖ left ‖ right', () => {
    const l = new Uint8Array(32).fill(0xaa);
    const r = new Uint8Array(32).fill(0xbb);
    expect(nobleMapHasher.innerHash(300, l, r)).toEqual(
      sha(Uint8Array.from([0x01, 0xac, 0x02, ...l, ...r])),
    );
  });

  it('gives the same bytes through node:crypto as through @noble', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 1024 }),
        fc.uint8Array({ maxLength: 1024 }),
        fc.integer({ min: 0, max: 8192 }),
        (key, value, bit) => {
          expect(nodeMapHasher.leafHash(key, value)).toEqual(nobleMapHasher.leafHash(key, value));
          const l = nobleMapHasher.leafHash(key, key);
          const r = nobleMapHasher.leafHash(value, value);
          expect(nodeMapHasher.innerHash(bit, l, r)).toEqual(nobleMapHasher.innerHash(bit, l, r));
        },
      ),
      { numRuns: 300 },
    );
    expect(nodeMapHasher.emptyRoot).toEqual(EMPTY_MAP_ROOT);
  });

  it('rejects fields over 1024 bytes, children that are not 32 bytes, bits out of range', () => {
    const h = new Uint8Array(32);
    expect(() => nobleMapHasher.leafHash(new Uint8Array(1025), h)).toThrow(RangeError);
    expect(() => nobleMapHasher.leafHash(h, new Uint8Array(1025))).toThrow(RangeError);
    expect(() => nobleMapHasher.innerHash(0, h, new Uint8Array(31))).toThrow(RangeError);
    expect(() => nobleMapHasher.innerHash(8193, h, h)).toThrow(RangeError);
    expect(() => nobleMapHasher.innerHash(-1, h, h)).toThrow(RangeError);
  });
});

describe('when reading varints', () => {
  it('round-trips every value below 2^28', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 28 - 1 }), (n) => {
        const b = encodeVarint(n);
        expect(b.length).toBeLessThanOrEqual(MAX_VARINT_BYTES);
        expect(readVarint(b, 0, 2 ** 28, 'n')).toEqual({ value: n, next: b.length });
      }),
    );
  });

  it('writes the protobuf encoding', () => {
    expect(toHex(encodeVarint(0))).toBe('00');
    expect(toHex(encodeVarint(127))).toBe('7f');
    expect(toHex(encodeVarint(128))).toBe('8001');
    expect(toHex(encodeVarint(8192))).toBe('8040');
    expect(() => encodeVarint(-1)).toThrow(RangeError);
  });

  it('rejects a value over the bound as MALFORMED_PROOF', () => {
    try {
      readVarint(encodeVarint(1025), 0, 1024, 'key length');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MapProofError);
      expect((e as MapProofError).code).toBe('MALFORMED_PROOF');
    }
  });
});
