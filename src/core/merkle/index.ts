/**
 * RFC 9162 §2.1 Merkle trees: hashing, the compact range (log frontier), proof construction from
 * stored nodes, and proof verification.
 */
export { EMPTY_ROOT, HASH_SIZE, leafHash, nodeHash, sha256Bytes } from './hash.ts';
export {
  hasherFrom,
  LEAF_PREFIX,
  NODE_PREFIX,
  nobleHasher,
  nobleSha256,
  type LogHasher,
  type Sha256,
} from './hasher.ts';
export { MerkleError, type MerkleErrorCode } from './errors.ts';
export {
  coverage,
  nodeId,
  nodeKey,
  parentOf,
  rangeNodes,
  siblingOf,
  type NodeId,
} from './node-id.ts';
export { largestPowerOfTwoLessThan, rootFromLeafHashes } from './tree.ts';
export { CompactRange, type NodeHasher, type NodeVisitor } from './compact-range.ts';
export { consistencyNodes, inclusionNodes, rehashProof, type ProofNodes } from './proof-nodes.ts';
export { consistencyProof, inclusionProof, type NodeReader } from './proof.ts';
export {
  rootFromConsistencyProof,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from './verify.ts';
