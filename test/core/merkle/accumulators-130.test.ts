import { describe, expect, it } from 'vitest';
import { concatBytes, toHex, utf8 } from '../../../src/core/bytes.ts';
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  rootFromLeafHashes,
  sha256Bytes,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/core/merkle/index.ts';
import vectors from '../../vectors/rfc6962-130-leaves.json' with { type: 'json' };
import { buildTree, mapReader } from './helpers.ts';

// Section C: D[i] is the single byte i; each vector is SHA-256 over all text lines.
const N = vectors.leafCount;
const leaves = Array.from({ length: N }, (_, i) => leafHash(Uint8Array.of(i)));
const { nodes, roots } = buildTree(leaves);

function accumulate(lines: string[]): string {
  return toHex(sha256Bytes(concatBytes(...lines.map(utf8))));
}

const hex = (proof: readonly Uint8Array[]): string => proof.map((h) => ` ${toHex(h)}`).join('');

/** [s, e) is a subtree: s = 0, s = e, or s a multiple of bit_ceil(e − s). */
function validSubtree(s: number, e: number): boolean {
  if (s === 0 || s === e) return true;
  let ceil = 1;
  while (ceil < e - s) ceil *= 2;
  return s % ceil === 0;
}

describe('when accumulating the 130-leaf RFC 6962 vectors', () => {
  it('matches the sample roots', () => {
    for (const [n, want] of Object.entries(vectors.sampleRoots)) {
      expect(toHex(roots[Number(n)]!)).toBe(want);
    }
  });

  it('matches the roots accumulator', () => {
    const lines: string[] = [];
    for (let n = 1; n <= N; n++) lines.push(`${n} ${toHex(roots[n]!)}\n`);
    expect(accumulate(lines)).toBe(vectors.roots);
  });

  it('matches the inclusion accumulator, every proof verifying', async () => {
    const lines: string[] = [];
    for (let n = 1; n <= N; n++) {
      for (let i = 0; i < n; i++) {
        const proof = await inclusionProof(i, n, mapReader(nodes, n));
        verifyInclusion(leaves[i]!, i, n, proof, roots[n]!);
        lines.push(`${i} ${n}${hex(proof)}\n`);
      }
    }
    expect(accumulate(lines)).toBe(vectors.inclusion);
  });

  it('matches the consistency accumulator, every proof verifying', async () => {
    const lines: string[] = [];
    for (let n = 1; n <= N; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = await consistencyProof(m, n, mapReader(nodes, n));
        verifyConsistency(m, n, proof, roots[m]!, roots[n]!);
        lines.push(`${m} ${n}${hex(proof)}\n`);
      }
    }
    expect(accumulate(lines)).toBe(vectors.consistency);
  });
});

describe('when accumulating the published subtree vectors', () => {
  it('matches the subtree hashes accumulator', () => {
    const lines: string[] = [];
    for (let e = 0; e <= N; e++) {
      for (let s = 0; s <= e; s++) {
        if (validSubtree(s, e))
          lines.push(`[${s}, ${e}) ${toHex(rootFromLeafHashes(leaves.slice(s, e)))}\n`);
      }
    }
    expect(accumulate(lines)).toBe(vectors.subtreeHashes);
  });

  it('matches the subtree inclusion accumulator (PATH within D[s:e])', async () => {
    const lines: string[] = [];
    for (let e = 0; e <= N; e++) {
      for (let s = 0; s <= e; s++) {
        if (!validSubtree(s, e) || s === e) continue;
        const sub = buildTree(leaves.slice(s, e));
        for (let i = s; i < e; i++) {
          const proof = await inclusionProof(i - s, e - s, mapReader(sub.nodes, e - s));
          lines.push(`${i} [${s}, ${e})${hex(proof)}\n`);
        }
      }
    }
    expect(accumulate(lines)).toBe(vectors.subtreeInclusion);
  });
});
