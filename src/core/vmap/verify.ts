/**
 * Verifying map proofs (MPT format, torchwood `mpt/tree.go`, § Key Proofs, § Prefix Proofs and
 * § One-Sided Weakness of Prefix Proofs; docs/index.md § The map). Pure functions: each returns
 * what it verified or throws a {@link MapProofError} carrying the evidence.
 */
import { bytesEqual, toHex } from '../bytes.ts';
import { MapProofError } from './errors.ts';
import { MAP_HASH_SIZE, nobleMapHasher, type MapHasher } from './hashing.ts';
import {
  compareKeys,
  hasPrefix,
  keyBit,
  MAX_KEY_LEN,
  MAX_VALUE_LEN,
  type MapEntry,
} from './keys.ts';
import { decodePathProof, decodeSteps, requireProofBytes, type PathStep } from './proof-codec.ts';
import { treeHash } from './tree-hash.ts';

/** What a lookup proof established about one snapshot. */
export interface VerifiedLookup {
  readonly root: Uint8Array;
  readonly key: Uint8Array;
  /** The key's value; `undefined` when the proof showed the key absent. */
  readonly value: Uint8Array | undefined;
}

/** What a prefix proof established: `hash` is a subtree holding every key with `prefix`. */
export interface VerifiedPrefix {
  readonly root: Uint8Array;
  readonly prefix: Uint8Array;
  readonly hash: Uint8Array;
  /** True when the proof showed that no key has the prefix. */
  readonly empty: boolean;
}

function requireBytes(x: unknown, max: number, what: string): asserts x is Uint8Array {
  if (!(x instanceof Uint8Array) || x.length > max) {
    throw new MapProofError('INVALID_INPUT', `${what}: expected at most ${max} bytes`);
  }
}

function requireHash(x: unknown, what: string): asserts x is Uint8Array {
  if (!(x instanceof Uint8Array) || x.length !== MAP_HASH_SIZE) {
    throw new MapProofError('INVALID_INPUT', `${what}: expected a 32-byte hash`);
  }
}

/**
 * The hash at the top of `steps`, starting from `start` at the bottom. `target` (the key or
 * prefix looked up) chooses each sibling's side and must agree with `leafKey` (the key of the
 * leaf the path ends at) at every step's bit, else `KEY_MISMATCH`.
 */
function climb(
  start: Uint8Array,
  target: Uint8Array,
  leafKey: Uint8Array,
  steps: readonly PathStep[],
  hasher: MapHasher,
): Uint8Array {
  let h = start;
  for (let i = 0; i < steps.length; i++) {
    const { bit, sibling } = steps[i]!;
    const side = keyBit(target, bit);
    if (side !== keyBit(leafKey, bit)) {
      throw new MapProofError(
        'KEY_MISMATCH',
        `step ${i}: the path's leaf turns the other way at bit ${bit}`,
        {
          evidence: { step: i, bit, key: toHex(target), leafKey: toHex(leafKey) },
        },
      );
    }
    h = side === 0 ? hasher.innerHash(bit, h, sibling) : hasher.innerHash(bit, sibling, h);
  }
  return h;
}

function requireRoot(
  expected: Uint8Array,
  computed: Uint8Array,
  proof: Uint8Array,
  what: object,
): void {
  if (!bytesEqual(expected, computed)) {
    throw new MapProofError('ROOT_MISMATCH', 'the proof leads to another root', {
      evidence: {
        ...what,
        expected: toHex(expected),
        computed: toHex(computed),
        proof: toHex(proof),
      },
    });
  }
}

/**
 * Verifies the claim "in the map of `root`, `key` has `value`" or, with `value` undefined,
 * "`key` is absent", against `proof` (the wire bytes the tree's `proveLookup` gives).
 */
export function verifyLookup(
  root: Uint8Array,
  key: Uint8Array,
  value: Uint8Array | undefined,
  proof: Uint8Array,
  hasher: MapHasher = nobleMapHasher,
): VerifiedLookup {
  requireHash(root, 'root');
  requireBytes(key, MAX_KEY_LEN, 'key');
  if (value !== undefined) requireBytes(value, MAX_VALUE_LEN, 'value');
  requireProofBytes(proof);
  const evidence = { key: toHex(key) };
  if (value !== undefined) {
    const computed = climb(hasher.leafHash(key, value), key, key, decodeSteps(proof), hasher);
    requireRoot(root, computed, proof, evidence);
    return { root, key, value };
  }
  if (proof.length === 0) {
    requireRoot(root, hasher.emptyRoot, proof, evidence);
    return { root, key, value: undefined };
  }
  const { leaf, steps } = decodePathProof(proof);
  if (bytesEqual(leaf.key, key)) {
    throw new MapProofError('NOT_ABSENT', 'the absence proof ends at the key itself', { evidence });
  }
  const computed = climb(hasher.leafHash(leaf.key, leaf.value), key, leaf.key, steps, hasher);
  requireRoot(root, computed, proof, evidence);
  return { root, key, value: undefined };
}

/** {@link verifyLookup} of a presence claim. */
export function verifyPresent(
  root: Uint8Array,
  key: Uint8Array,
  value: Uint8Array,
  proof: Uint8Array,
  hasher: MapHasher = nobleMapHasher,
): VerifiedLookup {
  requireBytes(value, MAX_VALUE_LEN, 'value');
  return verifyLookup(root, key, value, proof, hasher);
}

/** {@link verifyLookup} of an absence claim. */
export function verifyAbsent(
  root: Uint8Array,
  key: Uint8Array,
  proof: Uint8Array,
  hasher: MapHasher = nobleMapHasher,
): VerifiedLookup {
  return verifyLookup(root, key, undefined, proof, hasher);
}

/**
 * Verifies the claim "in the map of `root`, the subtree of hash `hash` holds every key with
 * `prefix`" (with `hash` the empty root: "no key has `prefix`") against `proof`. One-sided: the
 * subtree may hold other keys too; {@link verifyPrefixEntries} closes that.
 */
export function verifyPrefix(
  root: Uint8Array,
  prefix: Uint8Array,
  hash: Uint8Array,
  proof: Uint8Array,
  hasher: MapHasher = nobleMapHasher,
): VerifiedPrefix {
  requireHash(root, 'root');
  requireBytes(prefix, MAX_KEY_LEN, 'prefix');
  requireHash(hash, 'hash');
  requireProofBytes(proof);
  const evidence = { prefix: toHex(prefix), hash: toHex(hash) };
  if (bytesEqual(hash, hasher.emptyRoot)) {
    if (proof.length === 0) {
      requireRoot(root, hasher.emptyRoot, proof, evidence);
    } else {
      const { leaf, steps } = decodePathProof(proof);
      if (hasPrefix(leaf.key, prefix)) {
        throw new MapProofError('NOT_ABSENT', 'the absence proof ends at a key with the prefix', {
          evidence: { ...evidence, leafKey: toHex(leaf.key) },
        });
      }
      const computed = climb(
        hasher.leafHash(leaf.key, leaf.value),
        prefix,
        leaf.key,
        steps,
        hasher,
      );
      requireRoot(root, computed, proof, evidence);
    }
    return { root, prefix, hash, empty: true };
  }
  const steps = decodeSteps(proof);
  const first = steps[0];
  if (first !== undefined && first.bit >= prefix.length * 8) {
    throw new MapProofError(
      'PREFIX_TOO_SPECIFIC',
      `the subtree splits at bit ${first.bit}, past the prefix's ${prefix.length * 8} bits`,
      { evidence: { ...evidence, bit: first.bit } },
    );
  }
  requireRoot(root, climb(hash, prefix, prefix, steps, hasher), proof, evidence);
  return { root, prefix, hash, empty: false };
}

/**
 * Verifies that `entries` are exactly the key-values with `prefix` in the map of `root`: they
 * must be in increasing key order (`ENTRIES_NOT_SORTED`) and all have the prefix
 * (`ENTRY_OUTSIDE_PREFIX`); their tree hash is then checked with {@link verifyPrefix}. This closes
 * the one-sided weakness of prefix proofs.
 */
export function verifyPrefixEntries(
  root: Uint8Array,
  prefix: Uint8Array,
  entries: readonly MapEntry[],
  proof: Uint8Array,
  hasher: MapHasher = nobleMapHasher,
): VerifiedPrefix & { readonly entries: readonly MapEntry[] } {
  requireBytes(prefix, MAX_KEY_LEN, 'prefix');
  if (!Array.isArray(entries))
    throw new MapProofError('INVALID_INPUT', 'entries: expected an array');
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as MapEntry;
    requireBytes(e?.key, MAX_KEY_LEN, `entry ${i} key`);
    requireBytes(e.value, MAX_VALUE_LEN, `entry ${i} value`);
    if (!hasPrefix(e.key, prefix)) {
      throw new MapProofError('ENTRY_OUTSIDE_PREFIX', `entry ${i} does not have the prefix`, {
        evidence: { index: i, key: toHex(e.key), prefix: toHex(prefix) },
      });
    }
    if (i > 0 && compareKeys(entries[i - 1]!.key, e.key) >= 0) {
      throw new MapProofError('ENTRIES_NOT_SORTED', `entries ${i - 1} and ${i} are out of order`, {
        evidence: { index: i, key: toHex(e.key) },
      });
    }
  }
  return { ...verifyPrefix(root, prefix, treeHash(entries, hasher), proof, hasher), entries };
}
