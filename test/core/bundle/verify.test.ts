/**
 * The pure-core verifier on stored bundles (built once by the builder): one meter, two hours,
 * sequence 3 missing, cosigned by a witness — of unchained readings (kind 1), and of chained
 * ones (kind 3, as a node writes them; made by make-chained-vector.ts). Imports nothing outside
 * src/core.
 */
import { describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '../../../src/core/bytes.ts';
import {
  parseBundle,
  verifyBundle,
  verifyBundleAsync,
  type BundleJson,
} from '../../../src/core/bundle/index.ts';
import chainedVector from './bundle-v1-chained.json' with { type: 'json' };
import vector from './bundle-v1.json' with { type: 'json' };
import ocmfVector from './bundle-v1-ocmf.json' with { type: 'json' };

const T0 = 1_767_225_600;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke at arbitrary JSON
type Loose = Record<string, any>;
const policy = { logVkey: vector.logVkey, witnessVkeys: [vector.witnessVkey], minWitnesses: 1 };
const text = JSON.stringify(vector.bundle);

function changed(edit: (b: Loose) => void): string {
  const b = JSON.parse(text) as Loose;
  edit(b);
  return JSON.stringify(b);
}

describe('when verifying the stored bundle', () => {
  it('accepts it and recomputes every summary figure', () => {
    const v = verifyBundle(text, policy);
    if (!v.valid) throw new Error(`${v.code}: ${v.message}`);
    expect(v.witnesses).toEqual(['witness.example/w1']);
    expect(v.readings.map((r) => r.sequence)).toEqual([1, 2, 4, 5, 6, 7, 8]);
    const m = v.summary.meters[0]!;
    expect(m.hours).toEqual([
      { start: T0, importWh: 1500, exportWh: 0 },
      { start: T0 + 3600, importWh: 2000, exportWh: 0 },
    ]);
    expect(m.sequenceGaps).toEqual([{ scope: '', from: 3, to: 3 }]);
    expect(m.intervalGaps).toEqual([{ from: T0 + 1800, to: T0 + 2700 }]);
    expect(v.summary.totals).toEqual({
      readings: 7,
      importWh: 3500,
      exportWh: 0,
      trust: { device: 7, platform: 0 },
      erased: 0,
    });
    expect(v.summary).toEqual((vector.bundle as unknown as BundleJson).summary);
  });

  it('accepts JSON text, UTF-8 bytes and a parsed value alike', () => {
    expect(verifyBundle(new TextEncoder().encode(text), policy).valid).toBe(true);
    expect(verifyBundle(JSON.parse(text), policy).valid).toBe(true);
  });

  it('returns typed errors, never throws, for garbage', () => {
    for (const input of [
      '',
      'null',
      '[]',
      '{',
      '{"format":"x"}',
      42,
      null,
      new Uint8Array([0xff]),
    ]) {
      const v = verifyBundle(input, policy);
      expect(v.valid).toBe(false);
      if (!v.valid) expect(['MALFORMED_BUNDLE', 'UNSUPPORTED_FORMAT']).toContain(v.code);
    }
  });

  it('refuses a malformed field with the path that failed', () => {
    const cases: [(b: Loose) => void, string][] = [
      [(b) => (b.entries[0].index = 1.5), 'entries[0].index'],
      [(b) => (b.entries[0].salt = b.entries[0].salt.slice(4)), 'entries[0].salt'],
      [(b) => (b.proof.hashes[0] = `${b.proof.hashes[0]}=`), 'proof.hashes[0]'],
      [(b) => (b.request.meters = []), 'request.meters'],
      [(b) => delete b.summary, '$.summary'],
      [(b) => (b.entries[0] = { index: 3, erased: false, leaf: '' }), 'entries[0].erased'],
      [(b) => (b.entries[0].erased = true), 'entries[0].kind'],
    ];
    for (const [edit, path] of cases) {
      const v = verifyBundle(changed(edit), policy);
      expect(v.valid ? 'valid' : [v.code, v.error.evidence?.path]).toEqual([
        'MALFORMED_BUNDLE',
        path,
      ]);
    }
  });

  it('names the failing entry', () => {
    const v = verifyBundle(
      changed((b) => (b.entries[1].kind = 0x10)),
      policy,
    );
    expect(v.valid ? 'valid' : [v.code, v.index]).toEqual([
      'WRONG_ENTRY_KIND',
      vector.bundle.entries[1]!.index,
    ]);
  });

  it('refuses an index beyond the tree and a tree size other than the checkpoint', () => {
    const size = vector.bundle.proof.treeSize;
    let v = verifyBundle(
      changed((b) => (b.entries.at(-1).index = size)),
      policy,
    );
    expect(v.valid ? 'valid' : v.code).toBe('INDEX_OUT_OF_RANGE');
    v = verifyBundle(
      changed((b) => (b.proof.treeSize = size + 1)),
      policy,
    );
    expect(v.valid ? 'valid' : v.code).toBe('PROOF_MISMATCH');
  });

  it('refuses a bundle of another format version', () => {
    const v = verifyBundle(
      changed((b) => (b.format = 'wattproof.bundle/v2')),
      policy,
    );
    expect(v.valid ? 'valid' : v.code).toBe('UNSUPPORTED_FORMAT');
  });

  it('names the path of a malformed field, and the first one in document order', () => {
    const cases: [(b: Loose) => void, string][] = [
      [(b) => (b.entries[2].salt = 'QQ=='), 'entries[2].salt: not 32 bytes'],
      [(b) => (b.entries[1].bytes = 'QR=='), 'entries[1].bytes: not canonical standard base64'],
      [(b) => (b.entries[0].index = -1), 'entries[0].index: not a non-negative safe integer'],
      [(b) => (b.entries[3].extra = 1), 'entries[3].extra: unknown field'],
      [(b) => delete b.entries[4].bytes, 'entries[4].bytes: missing'],
      [(b) => (b.entries[5] = 7), 'entries[5]: not an object'],
      [(b) => (b.registry[0].kind = 256), 'registry[0].kind: not a byte'],
      [(b) => (b.proof.hashes[1] = 7), 'proof.hashes[1]: not a string'],
      [
        (b) => {
          b.entries[6].salt = 7;
          b.registry[0].kind = 256;
        },
        'entries[6].salt: not a string',
      ],
    ];
    for (const [edit, message] of cases) {
      const v = verifyBundle(changed(edit), policy);
      expect(v.valid ? 'valid' : [v.code, v.message]).toEqual(['MALFORMED_BUNDLE', message]);
      expect(v.valid ? undefined : v.error.evidence).toEqual({ path: message.split(':')[0] });
    }
  });

  it('reports a malformed entry before any other failure, the entries being parsed as read', () => {
    const last = vector.bundle.entries.length - 1;
    const cases: [(b: Loose) => void, string][] = [
      // A checkpoint the log key did not sign, and a malformed last entry.
      [
        (b) => {
          b.checkpoint = b.checkpoint.replace(/\n\n/, '\nextra\n\n');
          b.entries[last].salt = 'QR==';
        },
        `entries[${last}].salt: not canonical standard base64`,
      ],
      // Entries out of index order, and a malformed last entry.
      [
        (b) => {
          [b.entries[0].index, b.entries[1].index] = [b.entries[1].index, b.entries[0].index];
          b.entries[last].kind = 'x';
        },
        `entries[${last}].kind: not a non-negative safe integer`,
      ],
      // An entry with no index at all.
      [(b) => delete b.entries[last].index, `entries[${last}].index: missing`],
      // A malformed registry entry (after the entries in the document) and a malformed entry.
      [
        (b) => {
          b.registry[0].salt = 7;
          b.entries[last].bytes = '';
          b.entries[last].extra = true;
        },
        `entries[${last}].extra: unknown field`,
      ],
      [(b) => (b.registry[0].salt = 7), 'registry[0].salt: not a string'],
      [(b) => (b.proof.treeSize = -2), 'proof.treeSize: not a non-negative safe integer'],
    ];
    for (const [edit, message] of cases) {
      for (const v of [verifyBundle(changed(edit), policy)]) {
        expect(v.valid ? 'valid' : [v.code, v.message]).toEqual(['MALFORMED_BUNDLE', message]);
      }
      expect(() => parseBundle(changed(edit))).toThrow(message);
    }
  });

  it('reports the same malformed entry through the asynchronous verifier', async () => {
    const last = vector.bundle.entries.length - 1;
    const text2 = changed((b) => {
      b.checkpoint = b.checkpoint.replace(/\n\n/, '\nextra\n\n');
      b.entries[last].salt = 'QR==';
    });
    const v = await verifyBundleAsync(text2, policy, async (jobs) => jobs.map(() => true));
    expect(v.valid ? 'valid' : [v.code, v.message]).toEqual([
      'MALFORMED_BUNDLE',
      `entries[${last}].salt: not canonical standard base64`,
    ]);
  });

  it('parses the bytes exactly as they were stored', () => {
    const p = parseBundle(text);
    expect(toBase64(p.entries[0]!.erased ? p.entries[0]!.leaf : p.entries[0]!.bytes)).toBe(
      vector.bundle.entries[0]!.bytes,
    );
    expect(p.hashes.map(toBase64)).toEqual(vector.bundle.proof.hashes);
    expect(fromBase64(vector.bundle.entries[0]!.salt)).toHaveLength(32);
  });
});

describe('when verifying the stored bundle of chained readings', () => {
  const chainedPolicy = {
    logVkey: chainedVector.logVkey,
    witnessVkeys: [chainedVector.witnessVkey],
    minWitnesses: 1,
  };
  const chainedText = JSON.stringify(chainedVector.bundle);

  it('accepts it with one explicit link and a multiproof of the last reading and the registry', () => {
    const v = verifyBundle(chainedText, chainedPolicy);
    if (!v.valid) throw new Error(`${v.code}: ${v.message}`);
    expect(v.readings.map((r) => r.sequence)).toEqual([1, 2, 4, 5, 6, 7, 8]);
    expect(v.summary.totals.importWh).toBe(3500);
    const entries = chainedVector.bundle.entries as {
      index: number;
      kind: number;
      link?: string;
    }[];
    expect(entries.every((e) => e.kind === 3)).toBe(true);
    expect(entries.filter((e) => e.link !== undefined)).toHaveLength(1);
    // Leaves 0 and 1 (registry) and the last reading in a tree of 17: 6 hashes (the unchained
    // stored bundle, in a tree of 18, needs 8).
    expect(chainedVector.bundle.proof.hashes).toHaveLength(6);
  });

  it('fails PROOF_MISMATCH when a reading in the middle is dropped, and BROKEN_CHAIN when the first link is', () => {
    const dropped = JSON.parse(chainedText) as Loose;
    dropped.entries.splice(3, 1);
    let v = verifyBundle(JSON.stringify(dropped), chainedPolicy);
    expect(v.valid ? 'valid' : v.code).toBe('PROOF_MISMATCH');
    const unlinked = JSON.parse(chainedText) as Loose;
    delete unlinked.entries[0].link;
    v = verifyBundle(JSON.stringify(unlinked), chainedPolicy);
    expect(v.valid ? 'valid' : [v.code, v.index]).toEqual(['BROKEN_CHAIN', 3]);
  });
});

describe('when the signature checker misbehaves', () => {
  it('refuses VERIFIER_ERROR for a wrong number of answers, and rejects when it fails', async () => {
    const v = await verifyBundleAsync(text, policy, async () => []);
    expect(v.valid ? 'valid' : v.code).toBe('VERIFIER_ERROR');
    const died = new Error('worker died');
    const failing = verifyBundleAsync(text, policy, () => Promise.reject(died));
    // The checker's failure is the caller's to report, not a verdict on the bundle.
    await expect(failing).rejects.toBe(died);
    const honest = await verifyBundleAsync(text, policy, async (jobs) => jobs.map(() => true));
    expect(honest.valid).toBe(true);
  });
});

describe('when a stored OCMF bundle of the earlier version is verified', () => {
  // Built by make-ocmf-vector.ts with the version of commit f5e38f1: its summary counted only the
  // last register of a two-register record, and a begin-only record as a 0-Wh reading.
  it('verifies, and gives the summary of the current rules: both registers, no begin-only hour', () => {
    const v = verifyBundle(ocmfVector.bundle, { logVkey: ocmfVector.logVkey });
    if (!v.valid) throw new Error(`${v.code}: ${v.message}`);
    expect(ocmfVector.bundle.summary.totals).toMatchObject({ importWh: 0, exportWh: 100 });
    expect(v.summary.totals).toMatchObject({ readings: 2, importWh: 250, exportWh: 100 });
    expect(v.readings.map((r) => r.channels.length)).toEqual([2, 0]);
  });

  it('still refuses a summary of neither form', () => {
    const b = JSON.parse(JSON.stringify(ocmfVector.bundle)) as typeof ocmfVector.bundle;
    b.summary.totals.exportWh = 101;
    const v = verifyBundle(b, { logVkey: ocmfVector.logVkey });
    expect(v.valid === false && v.code).toBe('SUMMARY_MISMATCH');
  });
});
