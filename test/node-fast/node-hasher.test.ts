import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leafHash, nodeHash, sha256Bytes } from '../../src/core/merkle/hash.ts';
import { nobleHasher, type LogHasher } from '../../src/core/merkle/index.ts';
import { fastSha256, nodeHasher } from '../../src/node-fast/node-hasher.ts';
import { commitment, encodeLeaf, EntryKind, leafHashOf } from '../../src/core/leaf/leaf.ts';
import { toHex } from '../../src/core/bytes.ts';

const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const notHash32 = fc.uint8Array({ maxLength: 80 }).filter((b) => b.length !== 32);

describe('the node:crypto hasher', () => {
  it('agrees with the core @noble hashes on any input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), hash32, hash32, (d, l, r) => {
        expect(toHex(nodeHasher.leafHash(d))).toBe(toHex(leafHash(d)));
        expect(toHex(nodeHasher.nodeHash(l, r))).toBe(toHex(nodeHash(l, r)));
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with the noble hasher on every method', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 9000 }), { maxLength: 5 }),
        fc.uint8Array({ maxLength: 600 }),
        hash32,
        hash32,
        (parts, d, l, r) => {
          expect(toHex(nodeHasher.sha256(...parts))).toBe(toHex(nobleHasher.sha256(...parts)));
          expect(toHex(nodeHasher.leafHash(d))).toBe(toHex(nobleHasher.leafHash(d)));
          expect(toHex(nodeHasher.nodeHash(l, r))).toBe(toHex(nobleHasher.nodeHash(l, r)));
          expect(toHex(fastSha256(d))).toBe(toHex(sha256Bytes(d)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('builds the same public leaf, commitment and leaf hash as the core', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), hash32, (entry, salt) => {
        expect(toHex(encodeLeaf(EntryKind.readingOcmf, salt, entry, nodeHasher))).toBe(
          toHex(encodeLeaf(EntryKind.readingOcmf, salt, entry)),
        );
        expect(toHex(commitment(salt, entry, nodeHasher))).toBe(toHex(commitment(salt, entry)));
        const leaf = encodeLeaf(EntryKind.readingCose, salt, entry);
        expect(toHex(leafHashOf(leaf, nodeHasher))).toBe(toHex(leafHashOf(leaf, nobleHasher)));
      }),
      { numRuns: 300 },
    );
  });

  it('rejects children that are not 32 bytes', () => {
    expect(() => nodeHasher.nodeHash(new Uint8Array(31), new Uint8Array(32))).toThrow(RangeError);
  });

  it.each<[string, LogHasher]>([
    ['node', nodeHasher],
    ['noble', nobleHasher],
  ])('the %s hasher refuses any child that is not 32 bytes', (_, hasher) => {
    fc.assert(
      fc.property(notHash32, hash32, (bad, good) => {
        expect(() => hasher.nodeHash(bad, good)).toThrow(RangeError);
        expect(() => hasher.nodeHash(good, bad)).toThrow(RangeError);
        expect(() => hasher.nodeHash(bad, bad)).toThrow(RangeError);
      }),
      { numRuns: 200 },
    );
  });

  it('leaves the scratch buffer out of the digests it returns', () => {
    const first = nodeHasher.leafHash(Uint8Array.of(1, 2, 3));
    const copy = toHex(first);
    nodeHasher.nodeHash(first, first);
    nodeHasher.sha256(new Uint8Array(100).fill(7));
    expect(toHex(first)).toBe(copy);
  });
});
