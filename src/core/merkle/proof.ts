/**
 * Building RFC 9162 §2.1.3.1 inclusion and §2.1.4.1 consistency proofs from stored nodes.
 */
import { requireHash } from './checks.ts';
import { MerkleError } from './errors.ts';
import type { NodeId } from './node-id.ts';
import { consistencyNodes, inclusionNodes, rehashProof, type ProofNodes } from './proof-nodes.ts';

/**
 * Reads the hashes of complete-subtree nodes, one per id, in order. Only nodes inside the tree
 * being proven are ever requested.
 */
export type NodeReader = (
  ids: readonly NodeId[],
) => Promise<readonly Uint8Array[]> | readonly Uint8Array[];

/** An RFC 9162 §2.1.1 interior node hash: `SHA-256(0x01 ‖ left ‖ right)`. */
type HashNode = (left: Uint8Array, right: Uint8Array) => Uint8Array;

async function build(
  nodes: ProofNodes,
  read: NodeReader,
  hashNode?: HashNode,
): Promise<Uint8Array[]> {
  if (nodes.ids.length === 0) return [];
  const hashes = await read(nodes.ids);
  if (!Array.isArray(hashes) || hashes.length !== nodes.ids.length) {
    throw new MerkleError(
      'WRONG_HASH_COUNT',
      'the node reader returned the wrong number of hashes',
      {
        evidence: { expected: nodes.ids.length, got: Array.isArray(hashes) ? hashes.length : -1 },
      },
    );
  }
  hashes.forEach((h, i) => requireHash(h, `node ${nodes.ids[i]!.level}/${nodes.ids[i]!.index}`));
  return rehashProof(nodes, hashes, hashNode);
}

/**
 * PATH(index, D[0:size]) of RFC 9162 §2.1.3.1: the inclusion proof of leaf `index` in the tree of
 * `size` leaves, leaf sibling first. Throws `INVALID_SIZE`/`INVALID_INDEX` unless
 * `0 ≤ index < size`. `hashNode` (for the right-border node) defaults to the core's.
 */
export async function inclusionProof(
  index: number,
  size: number,
  read: NodeReader,
  hashNode?: HashNode,
): Promise<Uint8Array[]> {
  return build(inclusionNodes(index, size), read, hashNode);
}

/**
 * PROOF(size1, D[0:size2]) of RFC 9162 §2.1.4.1: the consistency proof between tree sizes
 * `size1 ≤ size2`. Empty when `size1` is 0 or equals `size2`.
 */
export async function consistencyProof(
  size1: number,
  size2: number,
  read: NodeReader,
  hashNode?: HashNode,
): Promise<Uint8Array[]> {
  return build(consistencyNodes(size1, size2), read, hashNode);
}
