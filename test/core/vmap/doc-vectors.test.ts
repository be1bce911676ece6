import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/core/bytes.ts';
import {
  MapTree,
  nobleMapHasher,
  verifyAbsent,
  verifyPresent,
} from '../../../src/core/vmap/index.ts';

/** The lines of the worked-vector block of docs/index.md, as name → [derivation, hex]. */
function workedVectors(): Map<string, string[]> {
  const doc = readFileSync(join(import.meta.dirname, '../../../docs/index.md'), 'utf8');
  const start = doc.indexOf('<!-- vmap-worked-vectors');
  const open = doc.indexOf('```text\n', start) + 8;
  const block = doc.slice(open, doc.indexOf('\n```', open));
  const out = new Map<string, string[]>();
  let name = '';
  for (const line of block.split('\n')) {
    const named = /^(\S.*?)\s*(?:= (.*))?$/.exec(line);
    if (named) {
      name = named[1]!;
      out.set(name, named[2] === undefined ? [] : [named[2]]);
    } else if (/^\s+= /.test(line)) {
      out.get(name)!.push(line.replace(/^\s+= /, ''));
    } else {
      const parts = out.get(name)!;
      parts[parts.length - 1] += ' ' + line.trim();
    }
  }
  return out;
}

const sha = (text: string) => new Uint8Array(createHash('sha256').update(text).digest());

describe('when the worked vectors of docs/index.md are recomputed', () => {
  const v = workedVectors();
  const hex = (name: string) => {
    const parts = v.get(name);
    if (parts === undefined) throw new Error(`docs/index.md: no line ${name}`);
    return parts[parts.length - 1]!.replace(/ /g, '');
  };
  const source = (name: string) => /^SHA-256\("(.*)"\)$/.exec(v.get(name)![0]!)![1]!;
  const entries = [1, 2, 3].map((i) => ({
    key: fromHex(hex(`key ${i}`)),
    value: fromHex(hex(`value ${i}`)),
  }));

  it('derives every key and value from its text', () => {
    for (const name of ['key 1', 'value 1', 'key 2', 'value 2', 'key 3', 'value 3', 'absent key']) {
      expect([name, toHex(sha(source(name)))]).toEqual([name, hex(name)]);
    }
  });

  it('has the leaf, inner and root hashes of those keys', () => {
    const leaves = entries.map((e) => nobleMapHasher.leafHash(e.key, e.value));
    leaves.forEach((l, i) => expect(toHex(l)).toBe(hex(`leaf ${i + 1}`)));
    const inner = nobleMapHasher.innerHash(3, leaves[0]!, leaves[2]!);
    expect(toHex(inner)).toBe(hex('inner 3'));
    expect(toHex(nobleMapHasher.innerHash(1, leaves[1]!, inner))).toBe(hex('root'));
    const tree = new MapTree();
    expect(toHex(tree.update(entries))).toBe(hex('root'));
  });

  it('has the proofs the tree gives, and they verify', () => {
    const tree = new MapTree();
    const root = tree.update(entries);
    const present = tree.proveLookup(entries[1]!.key);
    expect(toHex(present.proof)).toBe(hex('proof of key 2 present'));
    verifyPresent(root, entries[1]!.key, entries[1]!.value, fromHex(hex('proof of key 2 present')));
    const absentKey = fromHex(hex('absent key'));
    expect(toHex(tree.proveLookup(absentKey).proof)).toBe(hex('proof of absent key absent'));
    verifyAbsent(root, absentKey, fromHex(hex('proof of absent key absent')));
  });
});
