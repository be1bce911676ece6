import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../src/core/bytes.ts';
import {
  decodePathProof,
  decodeSteps,
  encodePathProof,
  encodeSteps,
  EMPTY_MAP_ROOT,
  MAP_PROOF_ERROR_CODES,
  MapProofError,
  MapTree,
  MAX_KEY_BITS,
  MAX_PROOF_LEN,
  verifyAbsent,
  verifyLookup,
  verifyPrefix,
  verifyPrefixEntries,
  verifyPresent,
  type PathStep,
} from '../../../src/core/vmap/index.ts';
import { mapBatch } from './arbitraries.ts';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof MapProofError ? e.code : `untyped ${String(e)}`;
  }
  return undefined;
}

const h32 = new Uint8Array(32).fill(7);
const key = fromHex('aa'.repeat(32));
const tree = new MapTree();
tree.update(
  Array.from({ length: 64 }, (_, i) => ({
    key: Uint8Array.of(i >> 3, i & 7, i),
    value: Uint8Array.of(i),
  })),
);
const root = tree.root;

/** A step list with the given bits and a fixed sibling. */
function steps(...bits: number[]): PathStep[] {
  return bits.map((bit) => ({ bit, sibling: h32 }));
}

describe('when decoding hostile varints', () => {
  it.each([
    ['unterminated', '80'],
    ['ten continuation bytes', '80'.repeat(10)],
    ['five bytes (over the 4-byte bound)', 'ffffffff0f'],
    ['non-minimal zero', '8000'],
    ['non-minimal one', '8100'],
  ])('rejects a bit varint that is %s as MALFORMED_PROOF', (_, hex) => {
    expect(codeOf(() => decodeSteps(fromHex(hex + '00'.repeat(32))))).toBe('MALFORMED_PROOF');
  });

  it('rejects a leaf key length of 2^32 − 1 as MALFORMED_PROOF without allocating it', () => {
    expect(codeOf(() => decodePathProof(fromHex('ffffffff0f')))).toBe('MALFORMED_PROOF');
    expect(codeOf(() => decodePathProof(fromHex('ffffff7f')))).toBe('MALFORMED_PROOF');
  });

  it('rejects a leaf key or value over 1024 bytes as MALFORMED_PROOF', () => {
    const long = encodePathProof({ leaf: { key: new Uint8Array(1025), value: h32 }, steps: [] });
    expect(codeOf(() => decodePathProof(long))).toBe('MALFORMED_PROOF');
    const longValue = encodePathProof({ leaf: { key, value: new Uint8Array(1025) }, steps: [] });
    expect(codeOf(() => decodePathProof(longValue))).toBe('MALFORMED_PROOF');
  });

  it('rejects a length running past the end as MALFORMED_PROOF', () => {
    expect(codeOf(() => decodePathProof(fromHex('05aabb')))).toBe('MALFORMED_PROOF');
    expect(codeOf(() => decodePathProof(fromHex('01aa05bb')))).toBe('MALFORMED_PROOF');
  });
});

describe('when decoding hostile steps', () => {
  it('rejects bit indexes at and above MAX_KEY_BITS as BIT_OUT_OF_RANGE', () => {
    expect(MAX_KEY_BITS).toBe(8193);
    for (const bit of [8193, 8194, 2 ** 20, 2 ** 28 - 1]) {
      expect(codeOf(() => decodeSteps(encodeSteps(steps(bit))))).toBe('BIT_OUT_OF_RANGE');
    }
    expect(decodeSteps(encodeSteps(steps(8192)))).toHaveLength(1);
  });

  it('rejects equal or increasing bit indexes as BITS_NOT_DECREASING', () => {
    expect(codeOf(() => decodeSteps(encodeSteps(steps(9, 9))))).toBe('BITS_NOT_DECREASING');
    expect(codeOf(() => decodeSteps(encodeSteps(steps(3, 200))))).toBe('BITS_NOT_DECREASING');
  });

  it('rejects a truncated sibling as MALFORMED_PROOF', () => {
    const p = encodeSteps(steps(5, 2));
    expect(codeOf(() => decodeSteps(p.subarray(0, p.length - 1)))).toBe('MALFORMED_PROOF');
  });

  it('decodes the longest possible path (every bit once) and refuses it quickly', () => {
    const all = Array.from({ length: MAX_KEY_BITS }, (_, i) => MAX_KEY_BITS - 1 - i);
    const proof = encodeSteps(steps(...all));
    expect(proof.length).toBeLessThanOrEqual(MAX_PROOF_LEN);
    const t0 = performance.now();
    expect(codeOf(() => verifyPresent(root, key, h32, proof))).toBe('ROOT_MISMATCH');
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('refuses a proof over MAX_PROOF_LEN as PROOF_TOO_LONG before reading it', () => {
    const huge = new Uint8Array(MAX_PROOF_LEN + 1);
    expect(codeOf(() => verifyPresent(root, key, h32, huge))).toBe('PROOF_TOO_LONG');
    expect(codeOf(() => verifyAbsent(root, key, huge))).toBe('PROOF_TOO_LONG');
    expect(codeOf(() => verifyPrefix(root, key, h32, huge))).toBe('PROOF_TOO_LONG');
    expect(codeOf(() => decodeSteps(new Uint8Array(64 * 1024 * 1024)))).toBe('PROOF_TOO_LONG');
  });
});

describe('when verifying with arguments of the wrong type or size', () => {
  const bad: [string, () => unknown][] = [
    ['a 31-byte root', () => verifyPresent(new Uint8Array(31), key, h32, new Uint8Array(0))],
    [
      'a root given as hex',
      () => verifyAbsent('00' as unknown as Uint8Array, key, new Uint8Array(0)),
    ],
    ['a 1025-byte key', () => verifyAbsent(root, new Uint8Array(1025), new Uint8Array(0))],
    ['a 1025-byte value', () => verifyPresent(root, key, new Uint8Array(1025), new Uint8Array(0))],
    ['a proof given as an array', () => verifyAbsent(root, key, [1, 2] as unknown as Uint8Array)],
    [
      'a 33-byte subtree hash',
      () => verifyPrefix(root, key, new Uint8Array(33), new Uint8Array(0)),
    ],
    ['a 1025-byte prefix', () => verifyPrefix(root, new Uint8Array(1025), h32, new Uint8Array(0))],
    [
      'entries that are not an array',
      () => verifyPrefixEntries(root, key, {} as never, new Uint8Array(0)),
    ],
    [
      'an entry without a key',
      () => verifyPrefixEntries(root, key, [{}] as never, new Uint8Array(0)),
    ],
    ['a null value', () => verifyPresent(root, key, null as never, new Uint8Array(0))],
  ];
  it.each(bad)('rejects %s as INVALID_INPUT', (_, f) => {
    expect(codeOf(f)).toBe('INVALID_INPUT');
  });
});

describe('when verifying random bytes as proofs', () => {
  it('rejects them with a typed error only, never another exception', () => {
    const codes = new Set(MAP_PROOF_ERROR_CODES);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 3 }), (p, k) => {
        for (const f of [
          () => verifyAbsent(root, k, p),
          () => verifyPresent(root, k, h32, p),
          () => verifyPrefix(root, k, h32, p),
          () => verifyPrefix(root, k, EMPTY_MAP_ROOT, p),
        ]) {
          const code = codeOf(f);
          expect(code !== undefined && codes.has(code as never)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('when disclosing the entries of a prefix', () => {
  const entries = tree.scan(Uint8Array.of(2));
  const { proof } = tree.provePrefix(Uint8Array.of(2));

  it('accepts exactly the entries with the prefix, in order', () => {
    expect(entries.length).toBeGreaterThan(0);
    expect(verifyPrefixEntries(root, Uint8Array.of(2), entries, proof).entries).toEqual(entries);
  });

  it('rejects them out of order as ENTRIES_NOT_SORTED', () => {
    const swapped = [...entries].reverse();
    expect(codeOf(() => verifyPrefixEntries(root, Uint8Array.of(2), swapped, proof))).toBe(
      'ENTRIES_NOT_SORTED',
    );
  });

  it('rejects an entry without the prefix as ENTRY_OUTSIDE_PREFIX', () => {
    const more = [...entries, { key: Uint8Array.of(3, 0), value: Uint8Array.of(8) }];
    expect(codeOf(() => verifyPrefixEntries(root, Uint8Array.of(2), more, proof))).toBe(
      'ENTRY_OUTSIDE_PREFIX',
    );
  });

  it('rejects a missing entry, a changed value or the whole tree as the subtree', () => {
    const prefix = Uint8Array.of(2);
    expect(codeOf(() => verifyPrefixEntries(root, prefix, entries.slice(1), proof))).toBe(
      'ROOT_MISMATCH',
    );
    const changed = entries.map((e, i) => (i === 0 ? { key: e.key, value: Uint8Array.of(99) } : e));
    expect(codeOf(() => verifyPrefixEntries(root, prefix, changed, proof))).toBe('ROOT_MISMATCH');
    // The whole tree passes the one-sided check, but not with the entries disclosed.
    expect(codeOf(() => verifyPrefix(root, prefix, root, new Uint8Array(0)))).toBeUndefined();
    const all = tree.scan();
    expect(codeOf(() => verifyPrefixEntries(root, prefix, all, new Uint8Array(0)))).toBe(
      'ENTRY_OUTSIDE_PREFIX',
    );
  });

  it('rejects a subtree deeper than the prefix as PREFIX_TOO_SPECIFIC', () => {
    const deeper = tree.provePrefix(Uint8Array.of(2, 4));
    expect(codeOf(() => verifyPrefix(root, Uint8Array.of(2), deeper.hash, deeper.proof))).toBe(
      'PREFIX_TOO_SPECIFIC',
    );
  });
});

describe('when the error codes are listed', () => {
  it('raises every listed code from some input, and no other', () => {
    const other = tree.scan()[1]!;
    const raised = new Set<string | undefined>([
      codeOf(() => verifyAbsent(root, new Uint8Array(1025), new Uint8Array(0))),
      codeOf(() => verifyAbsent(root, key, new Uint8Array(MAX_PROOF_LEN + 1))),
      codeOf(() => verifyAbsent(root, key, fromHex('80'))),
      codeOf(() => verifyPresent(root, key, h32, encodeSteps(steps(9000)))),
      codeOf(() => verifyPresent(root, key, h32, encodeSteps(steps(1, 2)))),
      codeOf(() => verifyPrefix(root, Uint8Array.of(0x10), h32, encodeSteps(steps(8)))),
      codeOf(() =>
        verifyAbsent(root, Uint8Array.of(0xff), encodePathProof(tree.pathProof(other.key)!)),
      ),
      codeOf(() => verifyAbsent(root, other.key, encodePathProof(tree.pathProof(other.key)!))),
      codeOf(() => verifyAbsent(root, key, new Uint8Array(0))),
      codeOf(() =>
        verifyPrefixEntries(root, new Uint8Array(0), [...tree.scan()].reverse(), new Uint8Array(0)),
      ),
      codeOf(() => verifyPrefixEntries(root, Uint8Array.of(1), tree.scan(), new Uint8Array(0))),
    ]);
    expect([...raised].sort()).toEqual([...MAP_PROOF_ERROR_CODES].sort());
  });
});

describe('when a batch holds a bad entry', () => {
  it('refuses the whole batch and leaves the tree unchanged', () => {
    const t = new MapTree();
    t.update([{ key, value: h32 }]);
    const before = t.root;
    const good = { key: Uint8Array.of(1), value: h32 };
    expect(() => t.update([good, { key: new Uint8Array(1025), value: h32 }])).toThrow(RangeError);
    expect(() => t.update([good, { key, value: new Uint8Array(1025) }])).toThrow(RangeError);
    expect(() => t.update([good, { key: 'aa' as never, value: h32 }])).toThrow(TypeError);
    expect(() => t.update([good, null as never])).toThrow(TypeError);
    expect(t.root).toEqual(before);
    expect(t.size).toBe(1);
  });

  it("copies keys and values, so later changes to the caller's buffers do not leak in", () => {
    fc.assert(
      fc.property(
        mapBatch.filter((b) => b.length > 0),
        (batch) => {
          const copy = batch.map((e) => ({ key: e.key.slice(), value: e.value.slice() }));
          const t = new MapTree();
          const r = t.update(copy);
          for (const e of copy) {
            e.key.fill(0xee);
            e.value.fill(0xee);
          }
          expect(t.update([])).toEqual(r);
          expect(
            verifyLookup(r, batch[0]!.key, t.get(batch[0]!.key), t.proveLookup(batch[0]!.key).proof)
              .root,
          ).toEqual(r);
        },
      ),
      { numRuns: 50 },
    );
  });
});
