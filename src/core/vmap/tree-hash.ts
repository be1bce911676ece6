/**
 * The snapshot hash of a whole map given as a sorted list of key-values, without building a tree
 * (MPT format, torchwood `mpt/tree.go`, § Tree Snapshots; `mpt/DESIGN.md`, § Whole Tree Hash).
 *
 * In key order, the inner node between two neighbouring keys splits at the first bit where they
 * differ, and the tree is the one in which smaller split bits sit higher. One pass with a stack
 * of finished left subtrees builds it: a subtree is joined to the one on its right as soon as
 * the split that follows the newcomer is shallower than the split between them.
 */
import { nobleMapHasher, type MapHasher } from './hashing.ts';
import {
  compareKeys,
  firstDifferingBit,
  MAX_KEY_LEN,
  MAX_VALUE_LEN,
  type MapEntry,
} from './keys.ts';

/**
 * The snapshot hash of the map holding exactly `entries`, which must be in strictly increasing
 * key order ({@link compareKeys}); `RangeError` when they are not or a field is over 1024 bytes.
 */
export function treeHash(
  entries: readonly MapEntry[],
  hasher: MapHasher = nobleMapHasher,
): Uint8Array {
  const hashes: Uint8Array[] = [];
  const splits: number[] = [];
  for (let i = 0; i < entries.length; i++) {
    const { key, value } = entries[i]!;
    if (key.length > MAX_KEY_LEN || value.length > MAX_VALUE_LEN) {
      throw new RangeError(`treeHash: entry ${i} is over 1024 bytes`);
    }
    const next = entries[i + 1];
    if (next !== undefined && compareKeys(key, next.key) >= 0) {
      throw new RangeError(`treeHash: entries ${i} and ${i + 1} are not in increasing key order`);
    }
    // The split between this key and the next one; −1 after the last, which joins everything.
    const split = next === undefined ? -1 : firstDifferingBit(key, next.key);
    let h = hasher.leafHash(key, value);
    while (splits.length > 0 && splits[splits.length - 1]! > split) {
      h = hasher.innerHash(splits.pop()!, hashes.pop()!, h);
    }
    hashes.push(h);
    splits.push(split);
  }
  return hashes.length === 0 ? hasher.emptyRoot : hashes[0]!;
}
