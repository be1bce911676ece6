/**
 * The Merkle frontier of a growing log, as in transparency-dev/merkle `compact.Range` for
 * ranges that start at 0.
 */
import { popcount } from './bit-math.ts';
import { requireHash, requireSize } from './checks.ts';
import { MerkleError } from './errors.ts';
import { EMPTY_ROOT, nodeHash } from './hash.ts';
import type { NodeId } from './node-id.ts';

/** Receives each node hash as it becomes final: the appended leaf, then the nodes it completes. */
export type NodeVisitor = (id: NodeId, hash: Uint8Array) => void;

/** An RFC 9162 §2.1.1 interior node hash function: `SHA-256(0x01 ‖ left ‖ right)`. */
export type NodeHasher = (left: Uint8Array, right: Uint8Array) => Uint8Array;

/**
 * The compact range `[0, size)`: the hashes of the perfect subtrees whose sizes are the one bits
 * of `size`, largest (leftmost) first. It is enough to append leaves and to compute the RFC 9162
 * §2.1.1 Merkle Tree Hash of every prefix of the log, in O(log size) memory.
 */
export class CompactRange {
  #size: number;
  #hashes: Uint8Array[];
  readonly #hashNode: NodeHasher;

  private constructor(size: number, hashes: Uint8Array[], hashNode: NodeHasher) {
    this.#size = size;
    this.#hashes = hashes;
    this.#hashNode = hashNode;
  }

  /**
   * The compact range of the empty tree. `hashNode` computes `SHA-256(0x01 ‖ l ‖ r)`; a server
   * may pass a faster implementation of the same function.
   */
  static empty(hashNode: NodeHasher = nodeHash): CompactRange {
    return new CompactRange(0, [], hashNode);
  }

  /**
   * The compact range of `[0, size)` from its perfect-subtree hashes, largest first (the hashes
   * of `rangeNodes(0, size)`). Throws `INVALID_SIZE`, `WRONG_HASH_COUNT` (not `popcount(size)`
   * hashes) or `INVALID_HASH` (not 32 bytes). The hashes are copied.
   */
  static fromHashes(
    size: number,
    hashes: readonly Uint8Array[],
    hashNode: NodeHasher = nodeHash,
  ): CompactRange {
    requireSize(size);
    if (!Array.isArray(hashes) || hashes.length !== popcount(size)) {
      throw new MerkleError(
        'WRONG_HASH_COUNT',
        `a compact range of size ${size} has ${popcount(size)} hashes`,
        { evidence: { size, count: Array.isArray(hashes) ? hashes.length : typeof hashes } },
      );
    }
    hashes.forEach((h, i) => requireHash(h, `hashes[${i}]`));
    return new CompactRange(
      size,
      hashes.map((h) => h.slice()),
      hashNode,
    );
  }

  /** Number of leaves covered: the range is `[0, size)`. */
  get size(): number {
    return this.#size;
  }

  /** The perfect-subtree hashes, largest (leftmost) first. Do not modify them. */
  get hashes(): readonly Uint8Array[] {
    return this.#hashes;
  }

  /**
   * Appends one leaf hash (`SHA-256(0x00 ‖ d)`, RFC 9162 §2.1.1). `visit` is called for the leaf
   * itself (level 0) and then, bottom-up, for every interior node this leaf completes. Throws
   * `INVALID_HASH` for a hash that is not 32 bytes and `INVALID_SIZE` past 2^53 − 1 leaves.
   */
  append(leafHash: Uint8Array, visit?: NodeVisitor): void {
    requireHash(leafHash, 'leafHash');
    if (this.#size >= Number.MAX_SAFE_INTEGER) {
      throw new MerkleError('INVALID_SIZE', 'the tree is full', { evidence: { size: this.#size } });
    }
    let hash: Uint8Array = leafHash.slice();
    let level = 0;
    let index = this.#size;
    visit?.({ level, index }, hash);
    // Each one bit at the bottom of the index is a left sibling waiting for this node.
    while (index % 2 === 1) {
      const left = this.#hashes.pop();
      if (left === undefined) throw new Error('compact range: frontier out of sync');
      hash = this.#hashNode(left, hash);
      level += 1;
      index = (index - 1) / 2;
      visit?.({ level, index }, hash);
    }
    this.#hashes.push(hash);
    this.#size += 1;
  }

  /** MTH(D[0:size]) of RFC 9162 §2.1.1; `EMPTY_ROOT` for size 0. */
  root(): Uint8Array {
    const n = this.#hashes.length;
    if (n === 0) return EMPTY_ROOT.slice();
    let hash = this.#hashes[n - 1]!;
    for (let i = n - 2; i >= 0; i--) hash = this.#hashNode(this.#hashes[i]!, hash);
    return hash.slice();
  }

  /** An independent copy. */
  clone(): CompactRange {
    return new CompactRange(
      this.#size,
      this.#hashes.map((h) => h.slice()),
      this.#hashNode,
    );
  }
}
