import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../../src/core/bytes.ts';
import {
  consistencyProof,
  inclusionProof,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/core/merkle/index.ts';
import { ReferenceTree, refLeafHash } from './rfc6962-reference.ts';
import { buildTree, mapReader, sameHashes } from './helpers.ts';

// Every tree size 0..MAX against the naive recursive RFC 6962 definitions.
const MAX = 300;
const leaves = Array.from({ length: MAX }, (_, i) => refLeafHash(utf8(`entry ${i}`)));
const ref = new ReferenceTree(leaves);
const { nodes, roots } = buildTree(leaves);

describe('when cross-checking against the recursive RFC 6962 reference', () => {
  it(`agrees on MTH for every size 0..${MAX}`, () => {
    const bad: number[] = [];
    for (let n = 0; n <= MAX; n++) {
      const want = toHex(ref.mth(0, n));
      if (toHex(roots[n]!) !== want) bad.push(n);
      if (n % 17 === 0 && toHex(rootFromLeafHashes(leaves.slice(0, n))) !== want) bad.push(-n);
    }
    expect(bad).toEqual([]);
  });

  it(`agrees on every inclusion proof of every size 1..${MAX}, and each verifies`, async () => {
    const bad: string[] = [];
    let count = 0;
    for (let n = 1; n <= MAX; n++) {
      const read = mapReader(nodes, n);
      for (let i = 0; i < n; i++) {
        const proof = await inclusionProof(i, n, read);
        if (!sameHashes(proof, ref.path(i, 0, n))) bad.push(`${i},${n}`);
        verifyInclusion(leaves[i]!, i, n, proof, roots[n]!);
        count++;
      }
    }
    expect(bad).toEqual([]);
    expect(count).toBe((MAX * (MAX + 1)) / 2);
  });

  it(`agrees on every consistency proof of every pair 0 ≤ m ≤ n ≤ ${MAX}, and each verifies`, async () => {
    const bad: string[] = [];
    let count = 0;
    for (let n = 0; n <= MAX; n++) {
      const read = mapReader(nodes, n);
      for (let m = 0; m <= n; m++) {
        const proof = await consistencyProof(m, n, read);
        // RFC 6962 defines PROOF only for 0 < m; from 0 the proof is empty (C2SP tlog-witness).
        const want = m === 0 ? [] : ref.proof(m, n);
        if (!sameHashes(proof, want)) bad.push(`${m},${n}`);
        verifyConsistency(m, n, proof, roots[m]!, roots[n]!);
        count++;
      }
    }
    expect(bad).toEqual([]);
    expect(count).toBe(((MAX + 1) * (MAX + 2)) / 2);
  });
});
