import { describe, expect, it } from 'vitest';
import { utf8 } from '../../../src/core/bytes.ts';
import {
  EMPTY_ROOT,
  MerkleError,
  consistencyNodes,
  consistencyProof,
  inclusionNodes,
  inclusionProof,
  leafHash,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
  type NodeReader,
} from '../../../src/core/merkle/index.ts';
import { buildTree, mapReader } from './helpers.ts';

const leaves = Array.from({ length: 8 }, (_, i) => leafHash(utf8(`x${i}`)));
const { nodes, roots } = buildTree(leaves);
const h32 = new Uint8Array(32);
const badNumbers: unknown[] = [
  NaN,
  -1,
  1.5,
  Infinity,
  -Infinity,
  2 ** 53,
  2 ** 64,
  '4',
  null,
  undefined,
  4n,
];
const badHashes: unknown[] = [
  new Uint8Array(0),
  new Uint8Array(31),
  new Uint8Array(33),
  '00'.repeat(32),
  [1, 2],
  null,
  new ArrayBuffer(32),
];

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof MerkleError ? e.code : `untyped ${String(e)}`;
  }
  return undefined;
}

async function asyncCodeOf(f: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await f();
  } catch (e) {
    return e instanceof MerkleError ? e.code : `untyped ${String(e)}`;
  }
  return undefined;
}

describe('when verifying inclusion with hostile numbers', () => {
  it.each(badNumbers)('rejects size %s as INVALID_SIZE', (n) => {
    expect(codeOf(() => verifyInclusion(leaves[0]!, 0, n as number, [], roots[1]!))).toBe(
      'INVALID_SIZE',
    );
  });

  it.each(badNumbers)('rejects index %s as INVALID_INDEX', (i) => {
    expect(codeOf(() => verifyInclusion(leaves[0]!, i as number, 8, [], roots[8]!))).toBe(
      'INVALID_INDEX',
    );
  });

  it('rejects index ≥ size and any index in the empty tree', () => {
    expect(codeOf(() => verifyInclusion(leaves[0]!, 8, 8, [], roots[8]!))).toBe('INVALID_INDEX');
    expect(codeOf(() => verifyInclusion(leaves[0]!, 0, 0, [], EMPTY_ROOT))).toBe('INVALID_INDEX');
    expect(codeOf(() => inclusionNodes(3, 3))).toBe('INVALID_INDEX');
  });
});

describe('when verifying with hostile hashes', () => {
  it.each(badHashes)('rejects leaf hash %s as INVALID_HASH', (h) => {
    expect(codeOf(() => verifyInclusion(h as Uint8Array, 0, 1, [], roots[1]!))).toBe(
      'INVALID_HASH',
    );
  });

  it.each(badHashes)('rejects root %s as INVALID_HASH', (h) => {
    expect(codeOf(() => verifyInclusion(leaves[0]!, 0, 1, [], h as Uint8Array))).toBe(
      'INVALID_HASH',
    );
    expect(codeOf(() => verifyConsistency(1, 1, [], h as Uint8Array, roots[1]!))).toBe(
      'INVALID_HASH',
    );
    expect(codeOf(() => verifyConsistency(1, 1, [], roots[1]!, h as Uint8Array))).toBe(
      'INVALID_HASH',
    );
  });

  it.each(badHashes)('rejects proof element %s as INVALID_HASH', (h) => {
    expect(codeOf(() => verifyInclusion(leaves[0]!, 0, 2, [h as Uint8Array], roots[2]!))).toBe(
      'INVALID_HASH',
    );
    expect(codeOf(() => verifyConsistency(1, 2, [h as Uint8Array], roots[1]!, roots[2]!))).toBe(
      'INVALID_HASH',
    );
  });

  it('rejects a proof that is not an array', () => {
    for (const p of [null, undefined, 'abc', { length: 1, 0: h32 }]) {
      expect(codeOf(() => rootFromInclusionProof(leaves[0]!, 0, 2, p as never))).toBe(
        'INVALID_HASH',
      );
      expect(codeOf(() => verifyConsistency(1, 2, p as never, roots[1]!, roots[2]!))).toBe(
        'INVALID_HASH',
      );
    }
  });

  it('rejects proofs of the wrong length before hashing', () => {
    expect(codeOf(() => verifyInclusion(leaves[0]!, 0, 8, [h32, h32], roots[8]!))).toBe(
      'WRONG_PROOF_SIZE',
    );
    expect(codeOf(() => verifyInclusion(leaves[0]!, 0, 1, [h32], roots[1]!))).toBe(
      'WRONG_PROOF_SIZE',
    );
    expect(codeOf(() => verifyConsistency(3, 8, [], roots[3]!, roots[8]!))).toBe(
      'WRONG_PROOF_SIZE',
    );
    expect(codeOf(() => verifyConsistency(3, 8, Array(64).fill(h32), roots[3]!, roots[8]!))).toBe(
      'WRONG_PROOF_SIZE',
    );
  });
});

describe('when checking consistency with hostile sizes', () => {
  it.each(badNumbers)('rejects %s as either size with INVALID_SIZE', (n) => {
    expect(codeOf(() => verifyConsistency(n as number, 8, [], roots[0]!, roots[8]!))).toBe(
      'INVALID_SIZE',
    );
    expect(codeOf(() => verifyConsistency(0, n as number, [], roots[0]!, roots[8]!))).toBe(
      'INVALID_SIZE',
    );
    expect(codeOf(() => consistencyNodes(n as number, 8))).toBe('INVALID_SIZE');
  });

  it('holds the empty tree to SHA-256("")', () => {
    const other = roots[3]!;
    expect(codeOf(() => verifyConsistency(0, 0, [], other, other))).toBe('ROOT_MISMATCH');
    expect(codeOf(() => verifyConsistency(0, 0, [], EMPTY_ROOT, other))).toBe('INCONSISTENT_ROOTS');
    expect(codeOf(() => verifyConsistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT))).toBeUndefined();
    expect(codeOf(() => verifyConsistency(0, 5, [], other, roots[5]!))).toBe('ROOT_MISMATCH');
  });

  it('rejects size1 > size2', () => {
    expect(codeOf(() => verifyConsistency(5, 4, [], roots[5]!, roots[4]!))).toBe('INVALID_SIZE');
    expect(codeOf(() => consistencyNodes(5, 4))).toBe('INVALID_SIZE');
  });

  it('carries the evidence of a failed check', () => {
    let err: unknown;
    try {
      verifyConsistency(3, 8, [roots[1]!, roots[2]!, roots[3]!, roots[4]!], roots[3]!, roots[8]!);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MerkleError);
    const ev = (err as MerkleError).evidence!;
    expect(ev).toMatchObject({ size1: 3, size2: 8, which: 'root1' });
    expect(typeof ev['expectedRoot']).toBe('string');
    expect(typeof ev['computedRoot']).toBe('string');
    expect(ev['proof']).toHaveLength(4);
  });
});

describe('when a node reader misbehaves', () => {
  it('rejects the wrong number of hashes', async () => {
    const short: NodeReader = async (ids) => (await mapReader(nodes, 8)(ids)).slice(1);
    expect(await asyncCodeOf(() => inclusionProof(2, 8, short))).toBe('WRONG_HASH_COUNT');
    expect(await asyncCodeOf(() => consistencyProof(3, 8, short))).toBe('WRONG_HASH_COUNT');
  });

  it('rejects hashes that are not 32 bytes', async () => {
    const bad: NodeReader = async (ids) => ids.map(() => new Uint8Array(16));
    expect(await asyncCodeOf(() => inclusionProof(2, 8, bad))).toBe('INVALID_HASH');
  });

  it('is not called when the proof is empty', async () => {
    const never: NodeReader = () => {
      throw new Error('read');
    };
    expect(await inclusionProof(0, 1, never)).toEqual([]);
    expect(await consistencyProof(0, 8, never)).toEqual([]);
    expect(await consistencyProof(8, 8, never)).toEqual([]);
  });

  it('rejects hostile proof requests before reading', async () => {
    const reader = mapReader(nodes, 8);
    expect(await asyncCodeOf(() => inclusionProof(-1, 8, reader))).toBe('INVALID_INDEX');
    expect(await asyncCodeOf(() => inclusionProof(0, NaN, reader))).toBe('INVALID_SIZE');
    expect(await asyncCodeOf(() => consistencyProof(1.5, 8, reader))).toBe('INVALID_SIZE');
  });
});
