/**
 * The verifiable map (issue #14): a key → value Merkle Patricia Tree in the byte format of
 * transparency-dev's verifiable index (torchwood `mpt/tree.go`), with batch updates, lookup
 * proofs (presence and absence), prefix proofs and their verifiers. See docs/index.md § The map.
 */
export {
  compareKeys,
  firstDifferingBit,
  hasPrefix,
  keyBit,
  MAX_KEY_BITS,
  MAX_KEY_LEN,
  MAX_VALUE_LEN,
  paddedByte,
  type MapEntry,
} from './keys.ts';
export {
  EMPTY_MAP_ROOT,
  MAP_HASH_SIZE,
  MAP_INNER_PREFIX,
  MAP_LEAF_PREFIX,
  mapHasherFrom,
  nobleMapHasher,
  type MapHasher,
} from './hashing.ts';
export { encodeVarint, readVarint, MAX_VARINT_BYTES, type DecodedVarint } from './varint.ts';
export { MAP_PROOF_ERROR_CODES, MapProofError, type MapProofErrorCode } from './errors.ts';
export {
  decodePathProof,
  decodeSteps,
  encodePathProof,
  encodeSteps,
  MAX_PROOF_LEN,
  type PathProof,
  type PathStep,
} from './proof-codec.ts';
export { treeHash } from './tree-hash.ts';
export {
  verifyAbsent,
  verifyLookup,
  verifyPrefix,
  verifyPrefixEntries,
  verifyPresent,
  type VerifiedLookup,
  type VerifiedPrefix,
} from './verify.ts';
export {
  MapTree,
  type LookupAnswer,
  type MapTreeOptions,
  type MapUpdate,
  type PrefixAnswer,
} from './map-tree.ts';
