/**
 * Anchors in bundles: the builder picks, per type, the smallest stored anchor covering the
 * disclosed readings with the consistency proof in the right direction; the core ties each
 * anchor to the bundle's checkpoint and refuses another log's checkpoint, a bad signature, an
 * inconsistent proof and a record naming another size or root, each with its own code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, type AnchorRecordSource } from '../../../src/bundle/index.ts';
import { fromBase64, fromUtf8, toBase64 } from '../../../src/core/bytes.ts';
import {
  checkAnchors,
  parseBundle,
  verifyBundle,
  type BundleAnchorRecordJson,
  type BundleErrorCode,
  type BundleJson,
  type VerdictAnchor,
} from '../../../src/core/bundle/index.ts';
import {
  ed25519Signer,
  formatCheckpoint,
  generateEd25519Key,
  parseCheckpoint,
  parseVerifierKey,
  signNote,
  splitNote,
} from '../../../src/core/note/index.ts';
import { checkpointDigest, recordBase } from '../../../anchors/anchor.ts';
import { TestSigner } from '../../e2e/node-harness.ts';
import { appendReadings, openFixture, register, type Fixture } from '../../bundle/fixture.ts';

const T0 = 1_767_225_600;
const PERIOD = { from: T0, to: T0 + 86_400 };

type Loose = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests poke at arbitrary JSON

/** Stored anchors in memory, as an `AnchorStore` would hand them to the builder. */
class MemoryAnchors implements AnchorRecordSource {
  readonly records: { checkpoint: string; record: BundleAnchorRecordJson }[] = [];

  async types(): Promise<string[]> {
    return [...new Set(this.records.map((r) => r.record.type))].sort();
  }

  async smallestAtLeast(type: string, min: number, max: number) {
    return this.records
      .filter((r) => r.record.type === type && r.record.size >= min && r.record.size <= max)
      .sort((a, b) => a.record.size - b.record.size)[0];
  }
}

describe('when a bundle carries anchors', () => {
  let f: Fixture;
  let anchors: MemoryAnchors;
  let bundle: BundleJson;
  let readingsEnd: number;
  let bundleSize: number;
  let afterSize: number;

  /** Anchors the checkpoint the log signed at `size` as a record of `type`. */
  async function anchorAt(type: string, size: number): Promise<void> {
    const note = fromUtf8((await f.log.checkpointAt(size))!);
    const cp = parseCheckpoint(splitNote(note).text);
    anchors.records.push({
      checkpoint: note,
      record: {
        ...recordBase(type, cp, 1_800_000_000 + size),
        digest: toBase64(checkpointDigest(cp)),
      },
    });
  }

  const verify = (b: unknown) => verifyBundle(b, { logVkey: f.logKey.vkey });

  /** The verdict's anchors, or the code the verifier refused the bundle with. */
  function check(b: unknown): { code: BundleErrorCode } | readonly VerdictAnchor[] {
    const v = verify(b);
    if (!v.valid) return { code: v.code };
    return v.anchors ?? [];
  }

  /** The same through `checkAnchors` alone, on the parsed bundle and its checkpoint. */
  function checkDirect(b: unknown): { code: BundleErrorCode } | readonly VerdictAnchor[] {
    const parsed = parseBundle(b);
    const cp = parseCheckpoint(splitNote(parsed.checkpoint).text);
    try {
      return checkAnchors(parsed.anchors, {
        origin: parsed.origin,
        log: parseVerifierKey(f.logKey.vkey),
        size: cp.size,
        root: cp.root,
        readings: parsed.entries.filter((e) => !e.erased).map((e) => e.index),
      });
    } catch (e) {
      return { code: (e as { code: BundleErrorCode }).code };
    }
  }

  function changed(edit: (b: Loose) => void): Loose {
    const b = JSON.parse(JSON.stringify(bundle)) as Loose;
    edit(b);
    return b;
  }

  beforeAll(async () => {
    f = await openFixture();
    anchors = new MemoryAnchors();
    const dev = new TestSigner('dev-anc', 'device', ['meter-anc']);
    await register(f, dev);
    await appendReadings(f, dev, [1, 2, 3], T0);
    const middle = f.log.size; // below the last reading: never picked by the builder
    await appendReadings(f, dev, [4, 5, 6], T0 + 2700);
    readingsEnd = f.log.size;
    await anchorAt('middle', middle);
    await anchorAt('before', readingsEnd); // covers the readings, below the bundle size
    await register(f, new TestSigner('dev-other', 'device', ['meter-other']));
    await register(f, new TestSigner('dev-third', 'device', ['meter-third']));
    bundleSize = f.log.size;
    await anchorAt('equal', bundleSize);
    await anchorAt('before', bundleSize); // a larger one of the same type: not picked
    await register(f, new TestSigner('dev-fourth', 'device', ['meter-fourth']));
    afterSize = f.log.size;
    await anchorAt('after', afterSize); // above the bundle size
    bundle = await buildBundle({
      ...f,
      meters: ['meter-anc'],
      ...PERIOD,
      checkpoint: fromUtf8((await f.log.checkpointAt(bundleSize))!),
      anchors,
    });
  });
  afterAll(async () => {
    await f.close();
  });

  it('the builder includes per type the smallest anchor covering the readings', () => {
    const got = (bundle.anchors ?? []).map((a) => [a.record.type, a.record.size]);
    expect(got).toEqual([
      ['after', afterSize],
      ['before', readingsEnd],
      ['equal', bundleSize],
    ]);
    expect(afterSize).toBeGreaterThan(bundleSize);
    expect(bundle.anchors!.find((a) => a.record.type === 'equal')!.consistency).toEqual([]);
    expect(
      bundle.anchors!.find((a) => a.record.type === 'before')!.consistency.length,
    ).toBeGreaterThan(0);
  });

  it('verifies, and each anchor covers the six readings', () => {
    const got = check(bundle);
    if ('code' in got) throw new Error(got.code);
    expect(got.map((a) => [a.type, a.size, a.covers])).toEqual([
      ['after', afterSize, 6],
      ['before', readingsEnd, 6],
      ['equal', bundleSize, 6],
    ]);
    expect(got[1]!.root).toBe(bundle.anchors![1]!.record.root);
    expect(got[1]!.time).toBe(1_800_000_000 + readingsEnd);
    expect(checkDirect(bundle)).toEqual(got);
  });

  it('verifies an anchor above the bundle checkpoint through a proof from the bundle size up', async () => {
    const note = fromUtf8((await f.log.checkpointAt(bundleSize + 1))!);
    const cp = parseCheckpoint(splitNote(note).text);
    const proof = await f.log.consistencyProof(bundleSize, bundleSize + 1);
    const b = changed((x) => {
      x.anchors = [
        {
          checkpoint: note,
          consistency: proof.map(toBase64),
          record: recordBase('later', cp, 1),
        },
      ];
    });
    const got = check(b);
    if ('code' in got) throw new Error(got.code);
    expect(got[0]).toMatchObject({ type: 'later', size: bundleSize + 1, covers: 6 });
  });

  it('counts only the readings below an anchored size', async () => {
    const m = anchors.records.find((r) => r.record.type === 'middle')!;
    const proof = await f.log.consistencyProof(m.record.size, bundleSize);
    const b = changed((x) => {
      x.anchors = [
        { checkpoint: m.checkpoint, consistency: proof.map(toBase64), record: m.record },
      ];
    });
    const got = check(b);
    if ('code' in got) throw new Error(got.code);
    expect(got[0]!.covers).toBe(3);
  });

  it('refuses an anchored checkpoint of another log with ANCHOR_WRONG_LOG', () => {
    const other = generateEd25519Key('other.example/log');
    const b = changed((x) => {
      const a = x.anchors[1];
      const cp = parseCheckpoint(splitNote(a.checkpoint).text);
      a.checkpoint = signNote(formatCheckpoint({ ...cp, origin: 'other.example/log' }), [
        ed25519Signer(other.skey),
      ]);
    });
    expect([check(b), checkDirect(b)]).toEqual([
      { code: 'ANCHOR_WRONG_LOG' },
      { code: 'ANCHOR_WRONG_LOG' },
    ]);
  });

  it('refuses an anchored checkpoint the log key did not sign with ANCHOR_BAD_CHECKPOINT', () => {
    const impostor = generateEd25519Key(f.log.origin);
    const resigned = changed((x) => {
      const a = x.anchors[1];
      a.checkpoint = signNote(splitNote(a.checkpoint).text, [ed25519Signer(impostor.skey)]);
    });
    expect([check(resigned), checkDirect(resigned)]).toEqual([
      { code: 'ANCHOR_BAD_CHECKPOINT' },
      { code: 'ANCHOR_BAD_CHECKPOINT' },
    ]);
    const flipped = changed((x) => {
      const a = x.anchors[1];
      a.checkpoint = a.checkpoint.replace(`\n${readingsEnd}\n`, `\n${readingsEnd + 1}\n`);
    });
    expect([check(flipped), checkDirect(flipped)]).toEqual([
      { code: 'ANCHOR_BAD_CHECKPOINT' },
      { code: 'ANCHOR_BAD_CHECKPOINT' },
    ]);
  });

  it('refuses a consistency proof that does not hold with ANCHOR_INCONSISTENT', () => {
    const b = changed((x) => {
      const h = fromBase64(x.anchors[1].consistency[0]);
      h[0]! ^= 1;
      x.anchors[1].consistency[0] = toBase64(h);
    });
    expect([check(b), checkDirect(b)]).toEqual([
      { code: 'ANCHOR_INCONSISTENT' },
      { code: 'ANCHOR_INCONSISTENT' },
    ]);
    const dropped = changed((x) => x.anchors[1].consistency.pop());
    expect([check(dropped), checkDirect(dropped)]).toEqual([
      { code: 'ANCHOR_INCONSISTENT' },
      { code: 'ANCHOR_INCONSISTENT' },
    ]);
    const extra = changed((x) => x.anchors[2].consistency.push(x.anchors[1].consistency[0]));
    expect([check(extra), checkDirect(extra)]).toEqual([
      { code: 'ANCHOR_INCONSISTENT' },
      { code: 'ANCHOR_INCONSISTENT' },
    ]);
  });

  it('refuses a record whose root or size was changed with ANCHOR_RECORD_MISMATCH', () => {
    const root = changed((x) => {
      const r = fromBase64(x.anchors[0].record.root);
      r[31]! ^= 0x80;
      x.anchors[0].record.root = toBase64(r);
    });
    expect([check(root), checkDirect(root)]).toEqual([
      { code: 'ANCHOR_RECORD_MISMATCH' },
      { code: 'ANCHOR_RECORD_MISMATCH' },
    ]);
    const size = changed((x) => (x.anchors[0].record.size += 1));
    expect([check(size), checkDirect(size)]).toEqual([
      { code: 'ANCHOR_RECORD_MISMATCH' },
      { code: 'ANCHOR_RECORD_MISMATCH' },
    ]);
    const origin = changed((x) => (x.anchors[0].record.origin = 'other.example/log'));
    expect([check(origin), checkDirect(origin)]).toEqual([
      { code: 'ANCHOR_RECORD_MISMATCH' },
      { code: 'ANCHOR_RECORD_MISMATCH' },
    ]);
  });

  it('parses strictly: unknown fields, a repeated type and bad hashes are MALFORMED_BUNDLE', () => {
    const cases: ((x: Loose) => void)[] = [
      (x) => (x.anchors[0].extra = 1),
      (x) => delete x.anchors[0].consistency,
      (x) => (x.anchors[1].record.type = x.anchors[0].record.type),
      (x) => (x.anchors[1].consistency[0] = 'AAAA'),
      (x) => (x.anchors[0].record.root = 'not base64'),
      (x) => (x.anchors[0].record.size = -1),
      (x) => (x.anchors[0].record.time = 'yesterday'),
      (x) => delete x.anchors[0].record.type,
      (x) => (x.anchors = {}),
      (x) => (x.anchors = Array.from({ length: 17 }, () => x.anchors[0])),
    ];
    for (const edit of cases) {
      expect(() => parseBundle(changed(edit))).toThrow(/anchors/);
      const v = verify(changed(edit));
      expect(v.valid ? 'valid' : v.code).toBe('MALFORMED_BUNDLE');
    }
  });

  it('a bundle without the field parses with no anchors; the builder adds none without a covering record', async () => {
    const b = changed((x) => delete x.anchors);
    expect(parseBundle(b).anchors).toEqual([]);
    expect(verify(b).valid).toBe(true);
    const none = await buildBundle({
      ...f,
      meters: ['meter-anc'],
      ...PERIOD,
      checkpoint: fromUtf8((await f.log.checkpointAt(bundleSize))!),
      anchors: new MemoryAnchors(),
    });
    expect(Object.hasOwn(none, 'anchors')).toBe(false);
  });
});
