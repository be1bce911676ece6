import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/core/bytes.ts';
import {
  MapTree,
  treeHash,
  verifyLookup,
  verifyPrefix,
  verifyPrefixEntries,
  type MapEntry,
} from '../../../src/core/vmap/index.ts';
import { mapBatch, mapKey, probe } from './arbitraries.ts';
import { naiveCompare, naiveLookup, naivePrefix, naiveRoot, type NaiveEntry } from './naive-map.ts';

/** The map after `batches`, as the naive code sees it: last set of a key wins. */
function model(batches: readonly (readonly MapEntry[])[]): NaiveEntry[] {
  const m = new Map<string, NaiveEntry>();
  for (const b of batches) for (const e of b) m.set(toHex(e.key), e);
  return [...m.values()];
}

function pick(entries: readonly NaiveEntry[], p: number | Uint8Array): Uint8Array {
  if (typeof p !== 'number') return p;
  return entries.length === 0 ? new Uint8Array(0) : entries[p % entries.length]!.key;
}

const RUNS = { numRuns: 150 };

describe('when the fast tree and the naive map see the same batches', () => {
  it('agrees on the root when each batch is applied a slice at a time, any slice size', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(mapBatch, fc.integer({ min: 1, max: 7 })), {
          minLength: 1,
          maxLength: 5,
        }),
        (batches) => {
          const tree = new MapTree();
          for (let i = 0; i < batches.length; i++) {
            const [batch, slice] = batches[i]!;
            const before = model(batches.slice(0, i).map(([b]) => b));
            const known = before.find((e) => !batch.some((b) => toHex(b.key) === toHex(e.key)));
            const job = tree.beginUpdate(batch);
            let steps = 1;
            while (!job.step(slice)) {
              steps++;
              // Part-way: a key outside the batch reads exactly; the root does not read at all.
              if (known !== undefined) expect(tree.get(known.key)).toEqual(known.value);
              expect(() => tree.root).toThrow(/part-way/);
              expect(() => tree.provePrefix(new Uint8Array(0))).toThrow(/part-way/);
              expect(() => tree.beginUpdate([])).toThrow(/in progress/);
            }
            expect(job.step(slice)).toBe(true);
            const entries = model(batches.slice(0, i + 1).map(([b]) => b));
            expect(toHex(tree.root)).toBe(toHex(naiveRoot(entries)));
            // Every set and every re-hashed node is one unit: a slice of 1 takes over one step
            // for each entry of a non-empty batch.
            if (slice === 1 && batch.length > 0) expect(steps).toBeGreaterThan(batch.length);
          }
        },
      ),
      RUNS,
    );
  });

  it('agrees on the root after every batch', () => {
    fc.assert(
      fc.property(fc.array(mapBatch, { minLength: 1, maxLength: 5 }), (batches) => {
        const tree = new MapTree();
        for (let i = 0; i < batches.length; i++) {
          const root = tree.update(batches[i]!);
          const entries = model(batches.slice(0, i + 1));
          expect(toHex(root)).toBe(toHex(naiveRoot(entries)));
          expect(tree.size).toBe(entries.length);
        }
      }),
      RUNS,
    );
  });

  it('agrees with the sorted-list tree hash', () => {
    fc.assert(
      fc.property(mapBatch, (batch) => {
        const entries = model([batch]).sort((a, b) => naiveCompare(a.key, b.key));
        expect(toHex(treeHash(entries))).toBe(toHex(naiveRoot(entries)));
      }),
      RUNS,
    );
  });

  it('gives the same lookup answers and proof bytes, and they verify', () => {
    fc.assert(
      fc.property(
        fc.array(mapBatch, { minLength: 1, maxLength: 3 }),
        fc.array(probe, { minLength: 1, maxLength: 8 }),
        (batches, probes) => {
          const tree = new MapTree();
          for (const b of batches) tree.update(b);
          const entries = model(batches);
          for (const p of probes) {
            const key = pick(entries, p);
            const got = tree.proveLookup(key);
            const want = naiveLookup(entries, key);
            expect(got.value && toHex(got.value)).toBe(want.value && toHex(want.value));
            expect(toHex(got.proof)).toBe(toHex(want.proof));
            const verified = verifyLookup(tree.root, key, got.value, got.proof);
            expect(verified.value && toHex(verified.value)).toBe(got.value && toHex(got.value));
          }
        },
      ),
      RUNS,
    );
  });

  it('gives the same prefix answers and proof bytes, and they verify with the scanned entries', () => {
    const prefixOf = fc.tuple(probe, fc.nat(40), fc.boolean());
    fc.assert(
      fc.property(
        fc.array(mapBatch, { minLength: 1, maxLength: 3 }),
        fc.array(prefixOf, { minLength: 1, maxLength: 8 }),
        (batches, probes) => {
          const tree = new MapTree();
          for (const b of batches) tree.update(b);
          const entries = model(batches);
          for (const [p, len, extend] of probes) {
            const key = pick(entries, p);
            // A prefix of a key, or a key with 0x00 / 0xFF appended (inside its padding).
            const prefix = extend
              ? Uint8Array.from([...key, len % 2 === 0 ? 0x00 : 0xff])
              : key.slice(0, len % (key.length + 1));
            const got = tree.provePrefix(prefix);
            const want = naivePrefix(entries, prefix);
            expect({ hash: toHex(got.hash), proof: toHex(got.proof) }).toEqual({
              hash: toHex(want.hash),
              proof: toHex(want.proof),
            });
            verifyPrefix(tree.root, prefix, got.hash, got.proof);
            const scanned = tree.scan(prefix);
            expect(verifyPrefixEntries(tree.root, prefix, scanned, got.proof).hash).toEqual(
              got.hash,
            );
          }
        },
      ),
      RUNS,
    );
  });

  it('gives the same root whatever the order and grouping of the sets', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(mapKey, { selector: toHex, maxLength: 60 }),
        fc.nat(),
        (keys, seed) => {
          const entries = keys.map((key, i) => ({ key, value: Uint8Array.of(i & 0xff) }));
          const shuffled = [...entries].sort(
            (a, b) => ((a.value[0]! * 7919 + seed) % 101) - ((b.value[0]! * 7919 + seed) % 101),
          );
          const one = new MapTree();
          one.update(entries);
          const many = new MapTree();
          for (let i = 0; i < shuffled.length; i += 7) many.update(shuffled.slice(i, i + 7));
          expect(toHex(many.root)).toBe(toHex(one.root));
        },
      ),
      RUNS,
    );
  });
});
