/**
 * The in-memory verifiable map (MPT format, torchwood `mpt/tree.go`, § Tree Format and § Key
 * Proofs; docs/index.md § The map): a path-compressed binary trie over padded key bits whose
 * inner nodes keep only their split bit. Its shape depends only on the set of keys, so a batch of
 * sets may be applied in any order and hashed once: {@link MapTree.update} applies every set,
 * marking the nodes it passes, then re-hashes the marked nodes alone, bottom-up.
 */
import { bytesEqual } from '../bytes.ts';
import { MAP_HASH_SIZE, nobleMapHasher, type MapHasher } from './hashing.ts';
import {
  firstDifferingBit,
  hasPrefix,
  keyBit,
  MAX_KEY_BITS,
  MAX_KEY_LEN,
  MAX_VALUE_LEN,
  paddedByte,
  type MapEntry,
} from './keys.ts';
import { NodeStore } from './node-store.ts';
import { encodePathProof, encodeSteps, type PathProof, type PathStep } from './proof-codec.ts';

/** Options of a {@link MapTree}. */
export interface MapTreeOptions {
  /** How to hash (default {@link nobleMapHasher}; the node passes one over node:crypto). */
  readonly hasher?: MapHasher;
}

/** A lookup answer with its proof, for `verifyLookup`. */
export interface LookupAnswer {
  readonly key: Uint8Array;
  /** The value, or `undefined` when the key is absent. */
  readonly value: Uint8Array | undefined;
  /** Presence: the steps alone; absence: the path proof of the leaf reached instead. */
  readonly proof: Uint8Array;
}

/** An update being applied a slice at a time ({@link MapTree.beginUpdate}). */
export interface MapUpdate {
  /**
   * Does up to `work` units of the update (a unit sets one entry or re-hashes one node); true
   * once the update is complete, and the tree's root is then the new one.
   */
  step(work: number): boolean;
}

/** A prefix answer with its proof, for `verifyPrefix`. */
export interface PrefixAnswer {
  readonly prefix: Uint8Array;
  /** Hash of the subtree of the keys with the prefix; the empty root when there are none. */
  readonly hash: Uint8Array;
  readonly proof: Uint8Array;
}

// One walk at a time (JavaScript runs one call at a time, and the hasher does not call back into
// a map), so the inner nodes of the current path are shared. Each update has its own re-hash
// stack: an update may run a slice at a time.
const PATH = new Int32Array(MAX_KEY_BITS + 1);
const STACK_SIZE = 2 * MAX_KEY_BITS + 4;

function requireKey(key: unknown, what: string): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array)) throw new TypeError(`${what}: expected a Uint8Array`);
  if (key.length > MAX_KEY_LEN) throw new RangeError(`${what}: more than ${MAX_KEY_LEN} bytes`);
}

/** Batches up to this size are applied in key order; larger ones as given. */
const SORTED_BATCH_LIMIT = 2 ** 21;

/**
 * The order in which to apply `list`: by the first four padded bytes of the keys, ties by
 * position. Neighbouring keys share the upper part of their paths, so the walks and the re-hash
 * find those nodes in cache. The tree does not depend on the order, and the sets of one key keep
 * theirs, so the last one still wins.
 */
function localityOrder(list: readonly MapEntry[]): ArrayLike<number> {
  const n = list.length;
  if (n < 2 || n > SORTED_BATCH_LIMIT) return Array.from(list.keys());
  const order = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = list[i]!.key;
    const head =
      paddedByte(k, 0) * 2 ** 24 +
      paddedByte(k, 1) * 2 ** 16 +
      paddedByte(k, 2) * 2 ** 8 +
      paddedByte(k, 3);
    order[i] = head * SORTED_BATCH_LIMIT + i;
  }
  order.sort();
  for (let i = 0; i < n; i++) order[i] = order[i]! % SORTED_BATCH_LIMIT;
  return order;
}

/** A key → value map with a snapshot hash, lookup proofs and prefix proofs. */
export class MapTree {
  readonly #hasher: MapHasher;
  readonly #nodes = new NodeStore();
  #root = 0;
  #depth = 0;
  /** True while an update is part-way through (see {@link beginUpdate}). */
  #updating = false;

  constructor(options: MapTreeOptions = {}) {
    this.#hasher = options.hasher ?? nobleMapHasher;
  }

  /** Number of keys. */
  get size(): number {
    return this.#nodes.leafCount;
  }

  /** The snapshot hash (a copy). */
  get root(): Uint8Array {
    this.#settledOnly('root');
    return this.size === 0 ? this.#hasher.emptyRoot.slice() : this.#nodes.hash(this.#root).slice();
  }

  /** Bytes the tree holds in its arrays. */
  get allocatedBytes(): number {
    return this.#nodes.allocated;
  }

  /**
   * Sets every entry (a later entry of the same key wins), then re-hashes the touched paths once;
   * returns the new root. All entries are checked first (`TypeError`, `RangeError` over 1024
   * bytes), so a refused batch leaves the tree as it was; only running out of the arena's 4 GiB
   * can stop a batch half-way. Keys and values are copied.
   */
  update(entries: Iterable<MapEntry>): Uint8Array {
    const job = this.beginUpdate(entries);
    while (!job.step(Number.POSITIVE_INFINITY));
    return this.root;
  }

  /**
   * {@link update} a slice at a time, so that a large batch does not hold up other work: the
   * entries are checked at once (as `update` checks them), then each {@link MapUpdate.step}
   * applies some of them, and at the end re-hashes some nodes. While an update is part-way,
   * {@link get} answers (a key of the batch with its old or its new value, every other key
   * exactly), but the root, proofs and scans throw, and a second update cannot begin. The
   * entries' bytes must not change until the update completes (they are copied as they are set).
   */
  beginUpdate(entries: Iterable<MapEntry>): MapUpdate {
    if (this.#updating) throw new Error('MapTree: an update is already in progress');
    const list = Array.isArray(entries) ? (entries as readonly MapEntry[]).slice() : [...entries];
    for (const e of list) {
      requireKey(e?.key, 'key');
      requireKey(e.value, 'value');
      if (e.value.length > MAX_VALUE_LEN) throw new RangeError('value: more than 1024 bytes');
    }
    const order = localityOrder(list);
    this.#updating = true;
    let next = 0;
    let stack: Int32Array | undefined;
    let top = 0;
    let done = false;
    return {
      step: (work: number): boolean => {
        if (done) return true;
        try {
          for (; next < order.length && work > 0; next++, work--) {
            const e = list[order[next]!]!;
            this.#set(e.key, e.value);
          }
          if (next < order.length) return false;
          if (stack === undefined) {
            stack = new Int32Array(STACK_SIZE);
            if (this.#nodes.leafCount > 0) stack[top++] = this.#root;
          }
          top = this.#rehash(stack, top, work);
          if (top > 0) return false;
        } catch (e) {
          done = true;
          this.#updating = false;
          throw e;
        }
        done = true;
        this.#updating = false;
        return true;
      },
    };
  }

  /** The value of `key`, or `undefined` (a copy). */
  get(key: Uint8Array): Uint8Array | undefined {
    requireKey(key, 'key');
    if (this.size === 0) return undefined;
    const l = this.#walk(key);
    return bytesEqual(this.#nodes.key(l), key) ? this.#nodes.value(l).slice() : undefined;
  }

  /**
   * The path proof a lookup of `key` walks: the leaf it ends at (`key`'s own when present) and
   * the steps up to the root; `undefined` in the empty map.
   */
  pathProof(key: Uint8Array): PathProof | undefined {
    requireKey(key, 'key');
    this.#settledOnly('pathProof');
    if (this.size === 0) return undefined;
    const l = this.#walk(key);
    return { leaf: this.#entry(l), steps: this.#steps(key) };
  }

  /** The answer to "what is `key`'s value?" with its proof. */
  proveLookup(key: Uint8Array): LookupAnswer {
    const path = this.pathProof(key);
    if (path === undefined) return { key, value: undefined, proof: new Uint8Array(0) };
    if (bytesEqual(path.leaf.key, key)) {
      return { key, value: path.leaf.value, proof: encodeSteps(path.steps) };
    }
    return { key, value: undefined, proof: encodePathProof(path) };
  }

  /** The subtree of the keys with `prefix` (padded, as keys are) and its proof. */
  provePrefix(prefix: Uint8Array): PrefixAnswer {
    requireKey(prefix, 'prefix');
    this.#settledOnly('provePrefix');
    const empty = this.#hasher.emptyRoot.slice();
    if (this.size === 0) return { prefix, hash: empty, proof: new Uint8Array(0) };
    const l = this.#walk(prefix);
    if (!hasPrefix(this.#nodes.key(l), prefix)) {
      const path = { leaf: this.#entry(l), steps: this.#steps(prefix) };
      return { prefix, hash: empty, proof: encodePathProof(path) };
    }
    const top = this.#subtreeTop(prefix, l);
    return { prefix, hash: this.#nodes.hash(top.ref).slice(), proof: encodeSteps(top.steps) };
  }

  /** Every entry whose key has `prefix`, in key order (copies); all entries for the empty prefix. */
  scan(prefix: Uint8Array = new Uint8Array(0)): MapEntry[] {
    requireKey(prefix, 'prefix');
    this.#settledOnly('scan');
    if (this.size === 0) return [];
    const l = this.#walk(prefix);
    if (!hasPrefix(this.#nodes.key(l), prefix)) return [];
    const { inner } = this.#nodes;
    const out: MapEntry[] = [];
    const stack = [this.#subtreeTop(prefix, l).ref];
    while (stack.length > 0) {
      const r = stack.pop()!;
      if (r < 0) out.push(this.#entry(~r));
      else stack.push(inner[r * 4 + 2]!, inner[r * 4 + 1]!);
    }
    return out;
  }

  /** Throws when an update is part-way: hashes on the touched paths are not yet the new ones. */
  #settledOnly(what: string): void {
    if (this.#updating) throw new Error(`MapTree: ${what} read while an update is part-way`);
  }

  #entry(l: number): MapEntry {
    return { key: this.#nodes.key(l).slice(), value: this.#nodes.value(l).slice() };
  }

  /** Follows `key`'s bits from the root; fills PATH and #depth; returns the leaf reached. */
  #walk(key: Uint8Array): number {
    const { inner } = this.#nodes;
    let r = this.#root;
    let d = 0;
    while (r >= 0) {
      PATH[d++] = r;
      r = inner[r * 4 + 1 + keyBit(key, inner[r * 4]!)]!;
    }
    this.#depth = d;
    return ~r;
  }

  /** The steps, leaf-side first, of the inner nodes PATH[0..upTo) walked for `key`. */
  #steps(key: Uint8Array, upTo = this.#depth): PathStep[] {
    const { inner } = this.#nodes;
    const steps: PathStep[] = [];
    for (let j = upTo - 1; j >= 0; j--) {
      const at = PATH[j]! * 4;
      const bit = inner[at]!;
      const sibling = inner[at + 2 - keyBit(key, bit)]!;
      steps.push({ bit, sibling: this.#nodes.hash(sibling).slice() });
    }
    return steps;
  }

  /**
   * After a walk for `prefix` ending at leaf `l`: the highest node on the path splitting at or
   * past the prefix's end (the top of the prefix's subtree) and the steps above it.
   */
  #subtreeTop(prefix: Uint8Array, l: number): { ref: number; steps: PathStep[] } {
    const { inner } = this.#nodes;
    const bits = prefix.length * 8;
    let i = 0;
    while (i < this.#depth && inner[PATH[i]! * 4]! < bits) i++;
    return { ref: i < this.#depth ? PATH[i]! : ~l, steps: this.#steps(prefix, i) };
  }

  #set(key: Uint8Array, value: Uint8Array): void {
    const n = this.#nodes;
    if (n.leafCount === 0) {
      this.#root = n.addLeaf(key, value);
      return;
    }
    const l = this.#walk(key);
    const d = firstDifferingBit(key, n.key(l));
    if (d < 0) {
      n.setValue(l, value);
      for (let j = 0; j < this.#depth; j++) n.inner[PATH[j]! * 4 + 3] = 1;
      return;
    }
    // Bits grow strictly down a path: the new inner node goes above the first one splitting
    // deeper than d (no node on the path splits at d itself, as the leaf reached differs there).
    let i = 0;
    while (i < this.#depth && n.inner[PATH[i]! * 4]! < d) n.inner[PATH[i++]! * 4 + 3] = 1;
    const below = i < this.#depth ? PATH[i]! : ~l;
    const leaf = n.addLeaf(key, value);
    const inner = keyBit(key, d) === 0 ? n.addInner(d, leaf, below) : n.addInner(d, below, leaf);
    if (i === 0) {
      this.#root = inner;
    } else {
      const at = PATH[i - 1]! * 4;
      n.inner[at + 1 + keyBit(key, n.inner[at]!)] = inner;
    }
  }

  /**
   * Re-hashes dirty nodes, children before parents, without recursion, from the nodes left on
   * `stack` (its first `top` entries), for up to `work` nodes; returns the entries left on it
   * (0 when every dirty node is hashed).
   */
  #rehash(stack: Int32Array, top: number, work: number): number {
    const n = this.#nodes;
    const h = this.#hasher;
    for (; top > 0 && work > 0; work--) {
      const r = stack[top - 1]!;
      if (r < 0) {
        const l = ~r;
        if (n.leafDirty(l)) n.setLeafHash(l, h.leafHash(n.key(l), n.value(l)));
        top--;
        continue;
      }
      const inner = n.inner;
      const at = r * 4;
      const mark = inner[at + 3]!;
      if (mark === 1) {
        inner[at + 3] = 2;
        stack[top++] = inner[at + 1]!;
        stack[top++] = inner[at + 2]!;
        continue;
      }
      if (mark === 2) {
        const hash = h.innerHash(inner[at]!, n.hash(inner[at + 1]!), n.hash(inner[at + 2]!));
        n.innerHash.set(hash, r * MAP_HASH_SIZE);
        inner[at + 3] = 0;
      }
      top--;
    }
    return top;
  }
}
