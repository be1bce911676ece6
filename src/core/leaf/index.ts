export {
  checkDisclosure,
  commitment,
  COMMITMENT_TAG,
  decodeLeaf,
  encodeLeaf,
  EntryKind,
  LEAF_SIZE,
  LEAF_VERSION,
  LeafError,
  SALT_SIZE,
  type Leaf,
  type LeafErrorCode,
} from './leaf.ts';
