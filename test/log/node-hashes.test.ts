import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leafHash, nodeHash } from '../../src/core/merkle/hash.ts';
import { fastLeaf, fastLeafHash, fastNodeHash } from '../../src/log/node-hashes.ts';
import { encodeLeaf, EntryKind } from '../../src/core/leaf/leaf.ts';
import { toHex } from '../../src/core/bytes.ts';

describe('the node:crypto hashes', () => {
  it('agree with the core @noble hashes on any input', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (d, l, r) => {
          expect(toHex(fastLeafHash(d))).toBe(toHex(leafHash(d)));
          expect(toHex(fastNodeHash(l, r))).toBe(toHex(nodeHash(l, r)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('builds the same public leaf as the core', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (entry, salt) => {
          expect(toHex(fastLeaf(EntryKind.readingOcmf, salt, entry))).toBe(
            toHex(encodeLeaf(EntryKind.readingOcmf, salt, entry)),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects children that are not 32 bytes', () => {
    expect(() => fastNodeHash(new Uint8Array(31), new Uint8Array(32))).toThrow(RangeError);
  });
});
