import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../../src/core/bytes.ts';
import { isWattproofError } from '../../../src/core/errors.ts';
import {
  CHAIN_LINK_SIZE,
  checkDisclosure,
  commitment,
  decodeChainLink,
  encodeChainedLeaf,
  encodeChainLink,
  entryBytesOf,
  decodeLeaf,
  encodeLeaf,
  EntryKind,
  LEAF_SIZE,
} from '../../../src/core/leaf/leaf.ts';

describe('the public leaf', () => {
  it('commits with SHA-256(tag ‖ salt ‖ entry), computed independently with node:crypto', () => {
    const salt = randomBytes(32);
    const entry = utf8('a reading');
    const expected = createHash('sha256')
      .update('wattproof/v1/commitment\0')
      .update(salt)
      .update(entry)
      .digest();
    expect(toHex(commitment(salt, entry))).toBe(expected.toString('hex'));
    const leaf = encodeLeaf(EntryKind.readingCose, salt, entry);
    expect(leaf).toHaveLength(LEAF_SIZE);
    expect([leaf[0], leaf[1]]).toEqual([1, 1]);
    expect(toHex(leaf.slice(2))).toBe(expected.toString('hex'));
  });

  it('accepts the disclosure it was made from and rejects any other entry, salt or kind', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.nat(),
        (entry, salt, pos) => {
          const leaf = encodeLeaf(EntryKind.keyRegistration, salt, entry);
          expect(checkDisclosure(leaf, salt, entry).kind).toBe(EntryKind.keyRegistration);
          const otherSalt = salt.slice();
          otherSalt[pos % 32]! ^= 1;
          expect(() => checkDisclosure(leaf, otherSalt, entry)).toThrow(/do not match/);
          const otherEntry = Uint8Array.from([...entry, 0]);
          expect(() => checkDisclosure(leaf, salt, otherEntry)).toThrow(/do not match/);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects leaves of the wrong length, version or kind with codes', () => {
    const leaf = encodeLeaf(EntryKind.readingOcmf, new Uint8Array(32), utf8('x'));
    const code = (b: Uint8Array): string | undefined => {
      try {
        decodeLeaf(b);
        return undefined;
      } catch (e) {
        return isWattproofError(e) ? e.code : 'untyped';
      }
    };
    expect(code(leaf)).toBeUndefined();
    expect(code(leaf.slice(0, 33))).toBe('MALFORMED_LEAF');
    expect(code(Uint8Array.from([...leaf, 0]))).toBe('MALFORMED_LEAF');
    expect(code(Uint8Array.from([2, ...leaf.slice(1)]))).toBe('MALFORMED_LEAF');
    expect(code(Uint8Array.from([1, 0x7f, ...leaf.slice(2)]))).toBe('UNKNOWN_ENTRY_KIND');
    expect(() => commitment(new Uint8Array(31), utf8('x'))).toThrow(/salt/);
  });
});

describe('the chain link of a chained reading', () => {
  it('round-trips an index and leaf hash as leafHash ‖ u64be(index)', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (index, leafHash) => {
          const link = encodeChainLink({ index, leafHash });
          expect(link).toHaveLength(CHAIN_LINK_SIZE);
          expect(Buffer.from(link.subarray(32)).readBigUInt64BE()).toBe(BigInt(index));
          expect(decodeChainLink(link)).toEqual({ index, leafHash });
        },
      ),
    );
  });

  it('writes "no previous reading" as zero hash and index 2^64 − 1, and refuses near misses', () => {
    const none = encodeChainLink(undefined);
    expect(toHex(none)).toBe('00'.repeat(32) + 'ff'.repeat(8));
    expect(decodeChainLink(none)).toBeUndefined();
    const hashed = none.slice();
    hashed[0] = 1;
    expect(() => decodeChainLink(hashed)).toThrow(/zero hash/);
    const huge = encodeChainLink({ index: 0, leafHash: new Uint8Array(32) });
    huge[32] = 0x01; // index 2^56: beyond 2^53 − 1
    expect(() => decodeChainLink(huge)).toThrow(/too large/);
    expect(() => decodeChainLink(new Uint8Array(39))).toThrow(/40 bytes/);
    expect(() => encodeChainLink({ index: -1, leafHash: new Uint8Array(32) })).toThrow(RangeError);
  });

  it('prefixes the signed bytes with the link for chained kinds only', () => {
    const signed = utf8('signed');
    const link = encodeChainLink(undefined);
    expect(entryBytesOf(EntryKind.readingCose, signed)).toBe(signed);
    expect(entryBytesOf(EntryKind.readingCoseChained, signed, link)).toEqual(
      Uint8Array.from([...link, ...signed]),
    );
    expect(() => entryBytesOf(EntryKind.readingOcmfChained, signed)).toThrow(/40-byte link/);
  });
});

describe('the public leaf of a chained reading from its parts', () => {
  it('equals the leaf of the link ‖ signed entry bytes, and refuses what entryBytesOf refuses', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.nat(),
        fc.uint8Array({ maxLength: 400 }),
        fc.constantFrom(EntryKind.readingCoseChained, EntryKind.readingOcmfChained),
        (salt, leafHash, index, signed, kind) => {
          const link = encodeChainLink({ index, leafHash });
          expect(encodeChainedLeaf(kind, salt, link, signed)).toEqual(
            encodeLeaf(kind, salt, entryBytesOf(kind, signed, link)),
          );
        },
      ),
      { numRuns: 300 },
    );
    const salt = new Uint8Array(32);
    const link = encodeChainLink(undefined);
    expect(() =>
      encodeChainedLeaf(EntryKind.readingCoseChained, salt, link.subarray(1), utf8('x')),
    ).toThrow(/40-byte link/);
    expect(() => encodeChainedLeaf(EntryKind.readingCose, salt, link, utf8('x'))).toThrow(
      /not chained/,
    );
    expect(() =>
      encodeChainedLeaf(EntryKind.readingCoseChained, salt.subarray(1), link, utf8('x')),
    ).toThrow(/salt is 32 bytes/);
  });
});
