/**
 * A second, deliberately naive implementation of the map format, sharing no code with
 * src/core/vmap: keys padded bit by bit, the tree rebuilt recursively from a sorted array on
 * every call, SHA-256 from node:crypto. Slow and obviously shaped like the format's description;
 * the fast tree must agree with it on every root and every proof byte.
 */
import { createHash } from 'node:crypto';

/** A key-value pair of the naive map. */
export interface NaiveEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

function sha(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

function varint(n: number): Uint8Array {
  const out: number[] = [];
  do {
    out.push((n % 128) + (n >= 128 ? 128 : 0));
    n = Math.floor(n / 128);
  } while (n > 0);
  return Uint8Array.from(out);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Byte `i` of `key` followed by one 0x00 and then 0xFF forever. */
function padded(key: Uint8Array, i: number): number {
  if (i < key.length) return key[i]!;
  return i === key.length ? 0 : 255;
}

/** Bit `n` of the padded key, most significant bit of each byte first. */
export function naiveBit(key: Uint8Array, n: number): number {
  return (padded(key, Math.floor(n / 8)) >> (7 - (n % 8))) & 1;
}

/** First bit at which the padded keys differ (bit by bit), or −1. */
export function naiveFirstDiff(a: Uint8Array, b: Uint8Array): number {
  const limit = 8 * (Math.max(a.length, b.length) + 2);
  for (let n = 0; n < limit; n++) if (naiveBit(a, n) !== naiveBit(b, n)) return n;
  return -1;
}

/** The padded keys' order. */
export function naiveCompare(a: Uint8Array, b: Uint8Array): number {
  const d = naiveFirstDiff(a, b);
  return d < 0 ? 0 : naiveBit(a, d) - naiveBit(b, d);
}

/** Whether the padded key starts with the bytes of `prefix`. */
export function naiveHasPrefix(key: Uint8Array, prefix: Uint8Array): boolean {
  return prefix.every((p, i) => padded(key, i) === p);
}

const EMPTY = sha();

function leaf(e: NaiveEntry): Uint8Array {
  return sha(Uint8Array.of(0), varint(e.key.length), e.key, varint(e.value.length), e.value);
}

function inner(bit: number, left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha(Uint8Array.of(1), varint(bit), left, right);
}

/** The split of a sorted run of two or more entries: its bit and its two halves. */
function split(sorted: readonly NaiveEntry[]): {
  bit: number;
  zero: NaiveEntry[];
  one: NaiveEntry[];
} {
  const bit = naiveFirstDiff(sorted[0]!.key, sorted[sorted.length - 1]!.key);
  return {
    bit,
    zero: sorted.filter((e) => naiveBit(e.key, bit) === 0),
    one: sorted.filter((e) => naiveBit(e.key, bit) === 1),
  };
}

/** The root of the map holding `entries` (any order, distinct keys). */
export function naiveRoot(entries: readonly NaiveEntry[]): Uint8Array {
  const sorted = [...entries].sort((a, b) => naiveCompare(a.key, b.key));
  const hash = (run: readonly NaiveEntry[]): Uint8Array => {
    if (run.length === 0) return EMPTY;
    if (run.length === 1) return leaf(run[0]!);
    const s = split(run);
    return inner(s.bit, hash(s.zero), hash(s.one));
  };
  return hash(sorted);
}

interface NaiveWalk {
  /** The leaf reached, then the steps root-side first, each with the run below it. */
  readonly leaf: NaiveEntry;
  readonly steps: { bit: number; sibling: Uint8Array; run: NaiveEntry[] }[];
}

function walk(entries: readonly NaiveEntry[], target: Uint8Array): NaiveWalk {
  let run = [...entries].sort((a, b) => naiveCompare(a.key, b.key));
  const steps: NaiveWalk['steps'] = [];
  while (run.length > 1) {
    const s = split(run);
    const goOne = naiveBit(target, s.bit) === 1;
    steps.push({ bit: s.bit, sibling: naiveRoot(goOne ? s.zero : s.one), run });
    run = goOne ? s.one : s.zero;
  }
  return { leaf: run[0]!, steps };
}

function stepBytes(steps: NaiveWalk['steps']): Uint8Array {
  return concat(...[...steps].reverse().flatMap((s) => [varint(s.bit), s.sibling]));
}

function leafBytes(e: NaiveEntry): Uint8Array {
  return concat(varint(e.key.length), e.key, varint(e.value.length), e.value);
}

/** The lookup answer for `key`: its value (or undefined) and the proof bytes. */
export function naiveLookup(
  entries: readonly NaiveEntry[],
  key: Uint8Array,
): { value: Uint8Array | undefined; proof: Uint8Array } {
  if (entries.length === 0) return { value: undefined, proof: new Uint8Array(0) };
  const w = walk(entries, key);
  if (naiveCompare(w.leaf.key, key) === 0)
    return { value: w.leaf.value, proof: stepBytes(w.steps) };
  return { value: undefined, proof: concat(leafBytes(w.leaf), stepBytes(w.steps)) };
}

/** The prefix answer for `prefix`: the subtree hash and the proof bytes. */
export function naivePrefix(
  entries: readonly NaiveEntry[],
  prefix: Uint8Array,
): { hash: Uint8Array; proof: Uint8Array } {
  if (entries.length === 0) return { hash: EMPTY, proof: new Uint8Array(0) };
  const w = walk(entries, prefix);
  if (!naiveHasPrefix(w.leaf.key, prefix)) {
    return { hash: EMPTY, proof: concat(leafBytes(w.leaf), stepBytes(w.steps)) };
  }
  const above = w.steps.filter((s) => s.bit < prefix.length * 8);
  const below = w.steps.find((s) => s.bit >= prefix.length * 8);
  const hash = below === undefined ? leaf(w.leaf) : naiveRoot(below.run);
  return { hash, proof: stepBytes(above) };
}
