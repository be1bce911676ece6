/**
 * Which stored nodes make up an RFC 9162 §2.1.3.1 inclusion proof or §2.1.4.1 consistency proof,
 * as in transparency-dev/merkle `proof/proof.go`. Every requested node is a complete subtree
 * inside `[0, size)`, so storage that keeps only perfect subtrees (such as C2SP tlog-tiles) can
 * serve them; at most one proof hash (the "ephemeral" node on the right border) is recomputed
 * from several of them by {@link rehashProof}.
 */
import { bitLength, isPowerOfTwo, shiftRight, trailingZeros, xor } from './bit-math.ts';
import { requireIndex, requireSize } from './checks.ts';
import { MerkleError } from './errors.ts';
import { nodeHash } from './hash.ts';
import { coverage, parentOf, rangeNodes, siblingOf, type NodeId } from './node-id.ts';

/**
 * The nodes to read for a proof, in proof order. `ids[begin:end)` (empty when `begin === end`)
 * are the complete subtrees under the ephemeral node `ephem`, lowest level first; they collapse
 * into a single proof hash.
 */
export type ProofNodes = {
  readonly ids: NodeId[];
  readonly begin: number;
  readonly end: number;
  readonly ephem: NodeId;
};

/**
 * Nodes proving that node (`level`, `index`) is in the tree of `size` leaves, starting with the
 * node itself. Requires `index < size >> level`.
 */
function pathNodes(index: number, level: number, size: number): ProofNodes {
  // The fork is where the path to the node leaves the path to the right border; its sibling is
  // the (possibly incomplete) ephemeral node.
  const inner = bitLength(xor(index, shiftRight(size, level))) - 1;
  const fork: NodeId = { level: level + inner, index: shiftRight(index, inner) };
  const { begin, end } = coverage(fork);

  let node: NodeId = { level, index };
  const ids: NodeId[] = [node];
  while (node.level < fork.level) {
    ids.push(siblingOf(node));
    node = parentOf(node);
  }
  let len1 = ids.length;
  ids.push(...rangeNodes(end, size).reverse());
  let len2 = ids.length;
  ids.push(...rangeNodes(0, begin).reverse());
  if (len1 >= len2) {
    len1 = 0;
    len2 = 0;
  }
  return { ids, begin: len1, end: len2, ephem: siblingOf(fork) };
}

function skipFirst(p: ProofNodes): ProofNodes {
  const shift = p.begin < p.end ? 1 : 0;
  return { ids: p.ids.slice(1), begin: p.begin - shift, end: p.end - shift, ephem: p.ephem };
}

/**
 * The nodes of the RFC 9162 §2.1.3.1 inclusion proof of leaf `index` in the tree of `size`
 * leaves. Throws `INVALID_SIZE` or `INVALID_INDEX` unless `0 ≤ index < size`.
 */
export function inclusionNodes(index: number, size: number): ProofNodes {
  requireSize(size);
  requireIndex(index, size);
  return skipFirst(pathNodes(index, 0, size));
}

/**
 * The nodes of the RFC 9162 §2.1.4.1 consistency proof between tree sizes `size1 ≤ size2`.
 * `size1 = 0` and `size1 = size2` give no nodes (C2SP tlog-witness accepts an empty proof from
 * size 0). Throws `INVALID_SIZE` otherwise.
 */
export function consistencyNodes(size1: number, size2: number): ProofNodes {
  requireSize(size1, 'size1');
  requireSize(size2, 'size2');
  if (size1 > size2) {
    throw new MerkleError('INVALID_SIZE', 'size1 must not exceed size2', {
      evidence: { size1, size2 },
    });
  }
  if (size1 === 0 || size1 === size2) {
    return { ids: [], begin: 0, end: 0, ephem: { level: 0, index: 0 } };
  }
  // The largest perfect subtree ending at size1 is the seed; when size1 is itself a power of
  // two the verifier already knows it (it is root1), so it is left out.
  const level = trailingZeros(size1);
  const index = shiftRight(size1 - 1, level);
  const nodes = pathNodes(index, level, size2);
  return isPowerOfTwo(size1) ? skipFirst(nodes) : nodes;
}

/**
 * Turns the hashes of `nodes.ids` into the proof: the run `ids[begin:end)` is folded into the
 * hash of the ephemeral node (RFC 9162 §2.1.1 MTH of the right border), the others pass through.
 * Throws `WRONG_HASH_COUNT` when the counts differ. `hashNode` may be a faster implementation
 * of the same RFC 9162 node hash.
 */
export function rehashProof(
  nodes: ProofNodes,
  hashes: readonly Uint8Array[],
  hashNode: (left: Uint8Array, right: Uint8Array) => Uint8Array = nodeHash,
): Uint8Array[] {
  if (hashes.length !== nodes.ids.length) {
    throw new MerkleError('WRONG_HASH_COUNT', 'one hash per node is needed', {
      evidence: { expected: nodes.ids.length, got: hashes.length },
    });
  }
  const proof: Uint8Array[] = [];
  for (let i = 0; i < hashes.length; i++) {
    let hash = hashes[i]!;
    if (i >= nodes.begin && i < nodes.end) {
      for (i++; i < nodes.end; i++) hash = hashNode(hashes[i]!, hash);
      i--;
    }
    proof.push(hash);
  }
  return proof;
}
