/**
 * The map's one hashing contract (MPT format, torchwood `mpt/tree.go`, § Tree Snapshots), over an
 * injected SHA-256 like the log's `hasherFrom`: the byte layouts are the core's, only the digest
 * is the host's (node:crypto on the server, @noble in a browser).
 *
 * - empty tree: `SHA-256()` (`e3b0c442…7852b855`);
 * - leaf: `SHA-256(0x00 ‖ varint(len(key)) ‖ key ‖ varint(len(value)) ‖ value)`;
 * - inner node splitting at bit B: `SHA-256(0x01 ‖ varint(B) ‖ left ‖ right)`.
 */
import { nobleSha256, type Sha256 } from '../merkle/index.ts';
import { MAX_KEY_BITS, MAX_KEY_LEN, MAX_VALUE_LEN } from './keys.ts';
import { varintLength, writeVarint } from './varint.ts';

/** Size in bytes of every map hash (SHA-256). */
export const MAP_HASH_SIZE = 32;
/** Domain byte of leaf hashes. */
export const MAP_LEAF_PREFIX = 0x00;
/** Domain byte of inner node hashes. */
export const MAP_INNER_PREFIX = 0x01;

/** How the map hashes: every implementation must return the same bytes as {@link nobleMapHasher}. */
export interface MapHasher {
  /** SHA-256 over the concatenation of `parts`. */
  readonly sha256: Sha256;
  /** The hash of the empty tree, `SHA-256()`. */
  readonly emptyRoot: Uint8Array;
  /** The leaf hash of `key` and `value` (each at most 1024 bytes, else `RangeError`). */
  leafHash(key: Uint8Array, value: Uint8Array): Uint8Array;
  /** The hash of an inner node splitting at `bit` over two 32-byte child hashes (`RangeError` else). */
  innerHash(bit: number, left: Uint8Array, right: Uint8Array): Uint8Array;
}

/**
 * The {@link MapHasher} of a SHA-256 function. `sha256` must read its arguments during the call
 * and not keep them: the hasher passes it one reused scratch buffer. The methods do not use
 * `this`.
 */
export function mapHasherFrom(sha256: Sha256): MapHasher {
  const scratch = new Uint8Array(1 + 2 * (varintLength(MAX_KEY_LEN) + MAX_KEY_LEN));
  const inner = new Uint8Array(1 + varintLength(MAX_KEY_BITS) + 2 * MAP_HASH_SIZE);
  inner[0] = MAP_INNER_PREFIX;
  // The preimage for each varint width of the bit, made once: no view per hash.
  const innerViews = Array.from({ length: 2 + varintLength(MAX_KEY_BITS) }, (_, at) =>
    inner.subarray(0, at + 2 * MAP_HASH_SIZE),
  );
  return {
    sha256,
    emptyRoot: sha256(new Uint8Array(0)),
    leafHash: (key, value) => {
      if (key.length > MAX_KEY_LEN || value.length > MAX_VALUE_LEN) {
        throw new RangeError('leafHash: key and value are at most 1024 bytes');
      }
      scratch[0] = MAP_LEAF_PREFIX;
      let at = writeVarint(key.length, scratch, 1);
      scratch.set(key, at);
      at = writeVarint(value.length, scratch, at + key.length);
      scratch.set(value, at);
      return sha256(scratch.subarray(0, at + value.length));
    },
    innerHash: (bit, left, right) => {
      if (left.length !== MAP_HASH_SIZE || right.length !== MAP_HASH_SIZE) {
        throw new RangeError('innerHash: children must be 32-byte hashes');
      }
      if (!Number.isInteger(bit) || bit < 0 || bit >= MAX_KEY_BITS) {
        throw new RangeError('innerHash: bit index out of range');
      }
      const at = writeVarint(bit, inner, 1);
      inner.set(left, at);
      inner.set(right, at + MAP_HASH_SIZE);
      return sha256(innerViews[at]!);
    },
  };
}

/** The core's {@link MapHasher} (@noble/hashes): the default wherever a hasher is optional. */
export const nobleMapHasher: MapHasher = mapHasherFrom(nobleSha256);

/** The hash of the empty map, `SHA-256()` = `e3b0c442…7852b855`. */
export const EMPTY_MAP_ROOT: Uint8Array = nobleMapHasher.emptyRoot;
