import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/core/bytes.ts';
import {
  decodePathProof,
  encodePathProof,
  MAP_PROOF_ERROR_CODES,
  MapProofError,
  MapTree,
  verifyAbsent,
  verifyLookup,
  verifyPrefix,
  verifyPresent,
} from '../../../src/core/vmap/index.ts';
import { mapBatch, mapKey } from './arbitraries.ts';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof MapProofError) return e.code;
    throw e;
  }
  return undefined;
}

const PROOF_CODES = MAP_PROOF_ERROR_CODES.filter((c) => c !== 'INVALID_INPUT');

/** Every proof that differs from `proof` by one flipped byte, one cut, or one extra byte. */
function* tampered(proof: Uint8Array): Generator<[string, Uint8Array]> {
  for (let i = 0; i < proof.length; i++) {
    for (const mask of [0x01, 0x80, 0xff]) {
      const p = proof.slice();
      p[i]! ^= mask;
      yield [`byte ${i} ^ ${mask}`, p];
    }
  }
  for (let n = 0; n < proof.length; n++) yield [`cut to ${n}`, proof.slice(0, n)];
  for (const extra of [0x00, 0x01, 0x7f, 0x80, 0xff]) {
    yield [`extended by ${extra}`, Uint8Array.from([...proof, extra])];
  }
}

function treeOf(batch: readonly { key: Uint8Array; value: Uint8Array }[]): MapTree {
  const tree = new MapTree();
  tree.update(batch);
  return tree;
}

describe('when a valid proof is altered by one byte', () => {
  it('rejects every altered presence proof with a proof code', () => {
    fc.assert(
      fc.property(
        mapBatch.filter((b) => b.length > 0),
        fc.nat(),
        (batch, i) => {
          const tree = treeOf(batch);
          const { key } = batch[i % batch.length]!;
          const { value, proof } = tree.proveLookup(key);
          expect(codeOf(() => verifyPresent(tree.root, key, value!, proof))).toBeUndefined();
          for (const [what, p] of tampered(proof)) {
            expect([what, codeOf(() => verifyPresent(tree.root, key, value!, p))]).toEqual([
              what,
              expect.toBeOneOf(PROOF_CODES),
            ]);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects every altered absence proof with a proof code', () => {
    fc.assert(
      fc.property(
        mapBatch.filter((b) => b.length > 0),
        mapKey,
        (batch, key) => {
          const tree = treeOf(batch);
          fc.pre(tree.get(key) === undefined);
          const { proof } = tree.proveLookup(key);
          expect(codeOf(() => verifyAbsent(tree.root, key, proof))).toBeUndefined();
          for (const [what, p] of tampered(proof)) {
            expect([what, codeOf(() => verifyAbsent(tree.root, key, p))]).toEqual([
              what,
              expect.toBeOneOf(PROOF_CODES),
            ]);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects every altered prefix proof with a proof code', () => {
    fc.assert(
      fc.property(
        mapBatch.filter((b) => b.length > 1),
        fc.nat(),
        fc.nat(33),
        (batch, i, len) => {
          const tree = treeOf(batch);
          const prefix = batch[i % batch.length]!.key.slice(0, len);
          const { hash, proof } = tree.provePrefix(prefix);
          expect(codeOf(() => verifyPrefix(tree.root, prefix, hash, proof))).toBeUndefined();
          for (const [what, p] of tampered(proof)) {
            const code = codeOf(() => verifyPrefix(tree.root, prefix, hash, p));
            expect([what, code]).toEqual([what, expect.toBeOneOf(PROOF_CODES)]);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects a flipped bit of the root, the key or the value as ROOT_MISMATCH', () => {
    fc.assert(
      fc.property(
        mapBatch.filter((b) => b.length > 0),
        fc.nat(),
        fc.nat(),
        (batch, i, bit) => {
          const tree = treeOf(batch);
          const { key } = batch[i % batch.length]!;
          const { value, proof } = tree.proveLookup(key);
          const root = tree.root;
          root[(bit >> 3) % 32]! ^= 1 << (bit & 7);
          expect(codeOf(() => verifyPresent(root, key, value!, proof))).toBe('ROOT_MISMATCH');
          const other = Uint8Array.from([...value!, 0]);
          expect(codeOf(() => verifyPresent(tree.root, key, other, proof))).toBe('ROOT_MISMATCH');
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('when a proof is used for the opposite claim', () => {
  it('rejects an absence proof offered as a presence proof, whatever the value', () => {
    fc.assert(
      fc.property(
        mapBatch.filter((b) => b.length > 0),
        mapKey,
        (batch, key) => {
          const tree = treeOf(batch);
          fc.pre(tree.get(key) === undefined);
          const { proof } = tree.proveLookup(key);
          const { leaf } = decodePathProof(proof);
          // The leaf reached really is in the map, under its own key.
          verifyPresent(tree.root, leaf.key, leaf.value, tree.proveLookup(leaf.key).proof);
          const stepsOnly = proof.slice(encodePathProof({ leaf, steps: [] }).length);
          for (const value of [leaf.value, new Uint8Array(0)]) {
            const code = codeOf(() => verifyPresent(tree.root, key, value, proof));
            expect(code).toBeOneOf(PROOF_CODES);
            expect(codeOf(() => verifyLookup(tree.root, key, value, stepsOnly))).toBe(
              'ROOT_MISMATCH',
            );
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('rejects a presence proof offered as an absence proof', () => {
    fc.assert(
      fc.property(
        mapBatch.filter((b) => b.length > 1),
        fc.nat(),
        fc.nat(),
        (batch, i, j) => {
          const tree = treeOf(batch);
          const key = batch[i % batch.length]!.key;
          const other = batch[j % batch.length]!.key;
          const present = tree.proveLookup(key);
          expect(codeOf(() => verifyAbsent(tree.root, key, present.proof))).toBeOneOf(PROOF_CODES);
          // The key's own leaf and path, dressed as an absence proof.
          const own = encodePathProof(tree.pathProof(key)!);
          expect(codeOf(() => verifyAbsent(tree.root, key, own))).toBe('NOT_ABSENT');
          // Another key's leaf and path: the path parts from the key where the two split.
          fc.pre(toHex(other) !== toHex(key));
          const foreign = encodePathProof(tree.pathProof(other)!);
          expect(codeOf(() => verifyAbsent(tree.root, key, foreign))).toBe('KEY_MISMATCH');
        },
      ),
      { numRuns: 100 },
    );
  });

  it('rejects "no key has the prefix" for a prefix that some key has', () => {
    fc.assert(
      fc.property(
        mapBatch.filter((b) => b.length > 1),
        fc.nat(),
        fc.nat(33),
        (batch, i, len) => {
          const tree = treeOf(batch);
          const prefix = batch[i % batch.length]!.key.slice(0, len);
          const empty = new MapTree().root;
          for (const key of tree.scan().map((e) => e.key)) {
            const path = encodePathProof(tree.pathProof(key)!);
            expect(codeOf(() => verifyPrefix(tree.root, prefix, empty, path))).toMatch(
              /^(NOT_ABSENT|KEY_MISMATCH)$/,
            );
          }
          expect(codeOf(() => verifyPrefix(tree.root, prefix, empty, new Uint8Array(0)))).toBe(
            'ROOT_MISMATCH',
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});
