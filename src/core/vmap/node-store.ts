/**
 * Storage of the map tree's nodes in typed arrays (docs/index.md § The map). A reference
 * `r ≥ 0` names inner node `r`, `r < 0` names leaf `~r`. Each node's fields sit together in one
 * 16-byte record, so that a walk or a re-hash touches one cache line per node rather than one per
 * field; hashes sit in their own arrays. About 100 bytes per key plus the key and value, and up
 * to twice that while the arrays grow by doubling.
 *
 * - inner record: split bit, left reference, right reference, dirty mark (0 clean, 1 changed,
 *   2 children being re-hashed);
 * - leaf record: key handle, value handle, key length | value length << 16, value room | dirty
 *   mark << 16 (handles into the {@link ByteArena}).
 */
import { ByteArena } from './byte-arena.ts';
import { MAP_HASH_SIZE } from './hashing.ts';

const HASH = MAP_HASH_SIZE;

function grown<T extends Uint8Array | Int32Array | Uint32Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

/** The node arrays of one tree; fields are public for the tree's loops, not for other code. */
export class NodeStore {
  readonly arena = new ByteArena();
  innerCount = 0;
  /** Inner node `i` at `4i`: bit, left, right, dirty. */
  inner = new Int32Array(16 * 4);
  innerHash = new Uint8Array(16 * HASH);
  leafCount = 0;
  /** Leaf `l` at `4l`: key handle, value handle, lengths, room and dirty mark. */
  leaf = new Uint32Array(16 * 4);
  leafHash = new Uint8Array(16 * HASH);

  /** A new dirty inner node; returns its reference. */
  addInner(bit: number, left: number, right: number): number {
    const i = this.innerCount++;
    if (i * 4 === this.inner.length) {
      this.inner = grown(this.inner, i * 8);
      this.innerHash = grown(this.innerHash, i * 2 * HASH);
    }
    const at = i * 4;
    this.inner[at] = bit;
    this.inner[at + 1] = left;
    this.inner[at + 2] = right;
    this.inner[at + 3] = 1;
    return i;
  }

  /** A new dirty leaf holding copies of `key` and `value`; returns its reference. */
  addLeaf(key: Uint8Array, value: Uint8Array): number {
    const l = this.leafCount++;
    if (l * 4 === this.leaf.length) {
      this.leaf = grown(this.leaf, l * 8);
      this.leafHash = grown(this.leafHash, l * 2 * HASH);
    }
    const at = l * 4;
    this.leaf[at] = this.arena.put(key);
    this.leaf[at + 1] = this.arena.put(value);
    this.leaf[at + 2] = key.length | (value.length << 16);
    this.leaf[at + 3] = value.length | (1 << 16);
    return ~l;
  }

  /** Replaces leaf `l`'s value (in place when it fits) and marks the leaf dirty. */
  setValue(l: number, value: Uint8Array): void {
    const at = l * 4;
    let room = this.leaf[at + 3]! & 0xffff;
    if (value.length <= room) {
      this.arena.write(this.leaf[at + 1]!, value);
    } else {
      this.leaf[at + 1] = this.arena.put(value);
      room = value.length;
    }
    this.leaf[at + 2] = (this.leaf[at + 2]! & 0xffff) | (value.length << 16);
    this.leaf[at + 3] = room | (1 << 16);
  }

  /** True when leaf `l` changed since it was last hashed. */
  leafDirty(l: number): boolean {
    return this.leaf[l * 4 + 3]! >>> 16 !== 0;
  }

  /** Stores leaf `l`'s new hash and clears its dirty mark. */
  setLeafHash(l: number, hash: Uint8Array): void {
    this.leafHash.set(hash, l * HASH);
    this.leaf[l * 4 + 3]! &= 0xffff;
  }

  /** A view of leaf `l`'s key. */
  key(l: number): Uint8Array {
    return this.arena.view(this.leaf[l * 4]!, this.leaf[l * 4 + 2]! & 0xffff);
  }

  /** A view of leaf `l`'s value. */
  value(l: number): Uint8Array {
    return this.arena.view(this.leaf[l * 4 + 1]!, this.leaf[l * 4 + 2]! >>> 16);
  }

  /** A view of the hash of the node `ref` names. */
  hash(ref: number): Uint8Array {
    if (ref < 0) return this.leafHash.subarray(~ref * HASH, (~ref + 1) * HASH);
    return this.innerHash.subarray(ref * HASH, (ref + 1) * HASH);
  }

  /** Bytes held by the arrays and the arena. */
  get allocated(): number {
    const arrays = [this.inner, this.innerHash, this.leaf, this.leafHash];
    return this.arena.allocated + arrays.reduce((n, a) => n + a.byteLength, 0);
  }
}
