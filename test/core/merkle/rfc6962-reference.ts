/**
 * A deliberately naive RFC 6962 §2.1 reference: MTH, PATH and SUBPROOF written straight from
 * the recursive definitions (§2.1, §2.1.1, §2.1.2), memoised, hashing with `node:crypto` so it
 * shares no code with the implementation under test.
 */
import { createHash } from 'node:crypto';

function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** RFC 6962 leaf hash SHA-256(0x00 ‖ d). */
export function refLeafHash(d: Uint8Array): Uint8Array {
  return sha256(Uint8Array.of(0), d);
}

/** Largest power of two strictly below n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The recursive definitions over one list of leaf hashes D[0:N]; ranges are [start, end). */
export class ReferenceTree {
  readonly #leaves: readonly Uint8Array[];
  readonly #mth = new Map<string, Uint8Array>();

  constructor(leafHashes: readonly Uint8Array[]) {
    this.#leaves = leafHashes;
  }

  /** MTH(D[start:end]). */
  mth(start: number, end: number): Uint8Array {
    const key = `${start}:${end}`;
    const cached = this.#mth.get(key);
    if (cached) return cached;
    const n = end - start;
    let h: Uint8Array;
    if (n === 0) h = sha256();
    else if (n === 1) h = this.#leaves[start]!;
    else {
      const k = split(n);
      h = sha256(Uint8Array.of(1), this.mth(start, start + k), this.mth(start + k, end));
    }
    this.#mth.set(key, h);
    return h;
  }

  /** PATH(m, D[start:end]), the audit path of leaf start + m. */
  path(m: number, start: number, end: number): Uint8Array[] {
    const n = end - start;
    if (n === 1) return [];
    const k = split(n);
    if (m < k) return [...this.path(m, start, start + k), this.mth(start + k, end)];
    return [...this.path(m - k, start + k, end), this.mth(start, start + k)];
  }

  /** PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true), for 0 < m ≤ n. */
  proof(m: number, n: number): Uint8Array[] {
    return this.subproof(m, 0, n, true);
  }

  /** SUBPROOF(m, D[start:end], b). */
  subproof(m: number, start: number, end: number, b: boolean): Uint8Array[] {
    const n = end - start;
    if (m === n) return b ? [] : [this.mth(start, end)];
    const k = split(n);
    if (m <= k) return [...this.subproof(m, start, start + k, b), this.mth(start + k, end)];
    return [...this.subproof(m - k, start + k, end, false), this.mth(start, start + k)];
  }
}
