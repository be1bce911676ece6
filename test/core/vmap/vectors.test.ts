import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/core/bytes.ts';
import {
  compareKeys,
  hasPrefix,
  MapProofError,
  MapTree,
  treeHash,
  verifyLookup,
  verifyPrefix,
  type MapEntry,
} from '../../../src/core/vmap/index.ts';
import { hexArg, readVectorFile } from './vector-file.ts';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof MapProofError) return e.code;
    throw e;
  }
  return undefined;
}

function sorted(entries: MapEntry[]): MapEntry[] {
  return [...entries].sort((a, b) => compareKeys(a.key, b.key));
}

interface TreeHashCase {
  readonly line: number;
  readonly entries: MapEntry[];
  readonly hash: string;
}

function treeHashCases(): TreeHashCase[] {
  const cases: TreeHashCase[] = [];
  let entries: MapEntry[] = [];
  for (const { word, arg, line } of readVectorFile('treehash.txt')) {
    if (word === 'kv') {
      const [k, v] = arg.split(' ');
      entries.push({ key: hexArg(k!), value: hexArg(v!) });
    } else if (word === 'hash') {
      cases.push({ line, entries, hash: arg });
      entries = [];
    } else {
      throw new Error(`treehash.txt:${line}: unknown word ${word}`);
    }
  }
  return cases;
}

describe('when hashing the published treehash vectors', () => {
  const cases = treeHashCases();

  it('reads all 32 cases', () => {
    expect(cases).toHaveLength(32);
  });

  it.each(cases)('agrees with the hash of line $line (sorted list)', ({ entries, hash }) => {
    expect(toHex(treeHash(sorted(entries)))).toBe(hash);
  });

  it.each(cases)('agrees with the hash of line $line (tree, one batch)', ({ entries, hash }) => {
    const tree = new MapTree();
    expect(toHex(tree.update(entries))).toBe(hash);
  });

  it.each(cases)(
    'agrees with the hash of line $line (tree, one key a batch)',
    ({ entries, hash }) => {
      const tree = new MapTree();
      for (const e of [...entries].reverse()) tree.update([e]);
      expect(toHex(tree.root)).toBe(hash);
    },
  );
});

interface VerifyCase {
  readonly line: number;
  readonly kind: 'lookup' | 'prefix';
  readonly expect: boolean;
  readonly snap: Uint8Array;
  readonly key: Uint8Array;
  readonly value: Uint8Array | undefined;
  readonly prefix: Uint8Array;
  readonly hash: Uint8Array;
  readonly proof: Uint8Array;
}

function verifyCases(): VerifyCase[] {
  const cases: VerifyCase[] = [];
  const empty: Uint8Array = new Uint8Array(0);
  let s = { snap: empty, key: empty, value: undefined as Uint8Array | undefined };
  let p = { prefix: empty, hash: empty, proof: empty };
  for (const { word, arg, line } of readVectorFile('verify.txt')) {
    if (word === 'snap') s = { ...s, snap: hexArg(arg) };
    else if (word === 'key') s = { ...s, key: hexArg(arg) };
    else if (word === 'val') s = { ...s, value: arg === '-' ? undefined : hexArg(arg) };
    else if (word === 'prefix') p = { ...p, prefix: hexArg(arg) };
    else if (word === 'hash') p = { ...p, hash: hexArg(arg) };
    else if (word === 'proof') p = { ...p, proof: hexArg(arg) };
    else if (word === 'verify' || word === 'verifyprefix') {
      const kind = word === 'verify' ? 'lookup' : 'prefix';
      cases.push({ line, kind, expect: arg === 'true', ...s, ...p });
    } else throw new Error(`verify.txt:${line}: unknown word ${word}`);
  }
  return cases;
}

describe('when verifying the published verify vectors', () => {
  const cases = verifyCases();
  const run = (c: VerifyCase) =>
    c.kind === 'lookup'
      ? verifyLookup(c.snap, c.key, c.value, c.proof)
      : verifyPrefix(c.snap, c.prefix, c.hash, c.proof);

  it('reads all 121 cases, both kinds, both verdicts', () => {
    expect(cases).toHaveLength(121);
    expect(new Set(cases.map((c) => `${c.kind} ${c.expect}`)).size).toBe(4);
  });

  it.each(cases.filter((c) => c.expect))('accepts the $kind proof of line $line', (c) => {
    expect(codeOf(() => run(c))).toBeUndefined();
  });

  it.each(cases.filter((c) => !c.expect))('rejects the $kind proof of line $line', (c) => {
    expect(codeOf(() => run(c))).toMatch(/^[A-Z_]+$/);
  });
});

interface PrefixCase {
  readonly line: number;
  readonly entries: readonly MapEntry[];
  readonly snap: string;
  readonly prefix: Uint8Array;
  readonly hash: string;
  readonly proof: string;
}

function prefixCases(): PrefixCase[] {
  const cases: PrefixCase[] = [];
  let building: MapEntry[] = [];
  let tree = { entries: [] as MapEntry[], snap: '' };
  let prefix: Uint8Array = new Uint8Array(0);
  let hash = '';
  for (const { word, arg, line } of readVectorFile('prefix-excerpt.txt')) {
    if (word === 'kv') {
      const [k, v] = arg.split(' ');
      building.push({ key: hexArg(k!), value: hexArg(v!) });
    } else if (word === 'snap') {
      tree = { entries: building, snap: arg };
      building = [];
    } else if (word === 'prefix') prefix = hexArg(arg);
    else if (word === 'hash') hash = arg;
    else if (word === 'proof') {
      cases.push({ line, ...tree, prefix, hash, proof: toHex(hexArg(arg)) });
    } else throw new Error(`prefix-excerpt.txt:${line}: unknown word ${word}`);
  }
  return cases;
}

describe('when proving the published prefix vectors', () => {
  const cases = prefixCases();

  it('reads the 51 probes of the 14-key tree and the 60 of the 200-key tree', () => {
    expect(cases.map((c) => c.entries.length)).toEqual([
      ...Array<number>(51).fill(14),
      ...Array<number>(60).fill(200),
    ]);
  });

  it.each(cases)('builds the snapshot of line $line', ({ entries, snap }) => {
    expect(toHex(new MapTree().update(entries))).toBe(snap);
  });

  it.each(cases)('gives the hash and proof bytes of line $line', (c) => {
    const tree = new MapTree();
    tree.update(c.entries);
    const answer = tree.provePrefix(c.prefix);
    expect({ hash: toHex(answer.hash), proof: toHex(answer.proof) }).toEqual({
      hash: c.hash,
      proof: c.proof,
    });
  });

  it.each(cases)('verifies the proof of line $line', (c) => {
    const snap = hexArg(c.snap);
    expect(codeOf(() => verifyPrefix(snap, c.prefix, hexArg(c.hash), hexArg(c.proof)))).toBe(
      undefined,
    );
  });

  it.each(cases)('scans and hashes the keys with the prefix of line $line', (c) => {
    const tree = new MapTree();
    tree.update(c.entries);
    const expected = sorted(c.entries.filter((e) => hasPrefix(e.key, c.prefix)));
    const scanned = tree.scan(c.prefix);
    expect(scanned.map((e) => toHex(e.key))).toEqual(expected.map((e) => toHex(e.key)));
    expect(toHex(treeHash(scanned))).toBe(c.hash);
  });
});
