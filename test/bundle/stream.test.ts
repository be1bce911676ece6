/**
 * The two-pass bundle (src/bundle/plan.ts, text.ts): the streamed text is byte for byte
 * `JSON.stringify` of the bundle `buildBundle` returns (which verifiers accept), limits refuse
 * a request before records are read with advice on how to split it, an abort stops the work,
 * and an erasure between the passes never yields a complete (wrong) document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUNDLE_CHUNK_CHARS,
  BundleBuildError,
  buildBundle,
  planBundle,
  streamBundle,
  bundleText,
} from '../../src/bundle/index.ts';
import { verifyBundle } from '../../src/core/bundle/index.ts';
import { TestSigner } from '../e2e/node-harness.ts';
import { appendReadings, openFixture, register, type Fixture } from './fixture.ts';
import { referenceBundle } from './reference-builder.ts';

const T0 = 1_767_225_600; // 2026-01-01T00:00Z

async function text(chunks: AsyncIterable<string>): Promise<{ text: string; count: number }> {
  let out = '';
  let count = 0;
  for await (const c of chunks) {
    out += c;
    count++;
  }
  return { text: out, count };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return e instanceof BundleBuildError ? e.code : `not a BundleBuildError: ${String(e)}`;
  }
}

describe('when a bundle is streamed', () => {
  let f: Fixture;
  const a = new TestSigner('dev-a', 'device', ['meter-a']);
  const b = new TestSigner('dev-b', 'device', ['meter-b']);
  const seqs = Array.from({ length: 400 }, (_, i) => i + 1);

  beforeAll(async () => {
    f = await openFixture('wattproof.test/stream');
    await register(f, a);
    await register(f, b);
    await appendReadings(f, a, seqs, T0);
    await appendReadings(f, b, seqs.slice(0, 50), T0);
    // Erase a stretch of meter-a's readings, so the bundle has erased entries too.
    await f.ledger.erase({
      meterId: 'meter-a',
      from: T0 + 10 * 900,
      to: T0 + 13 * 900,
      requestedBy: { tokenId: 'test', label: 'test' },
    });
  });
  afterAll(async () => {
    await f?.close();
  });

  const request = { meters: ['meter-b', 'meter-a'], from: T0, to: T0 + 400 * 900 };

  it('writes exactly JSON.stringify of the bundle that buildBundle returns, in several chunks', async () => {
    const whole = await buildBundle({ ...f, ...request });
    const streamed = await streamBundle({ ...f, ...request });
    const { text: t, count } = await text(streamed.text);
    expect(t).toBe(JSON.stringify(whole));
    // … and that is the document the in-memory builder made before bundles were streamed.
    expect(t).toBe(JSON.stringify(await referenceBundle({ ...f, ...request })));
    expect(streamed.byteLength).toBe(Buffer.byteLength(t));
    expect(count).toBeGreaterThan(Math.floor(t.length / BUNDLE_CHUNK_CHARS));
    expect(count).toBeGreaterThan(1);
    const verdict = verifyBundle(JSON.parse(t), { logVkey: f.logKey.vkey });
    if (!verdict.valid) throw new Error(`${verdict.code}: ${verdict.message}`);
    expect(verdict.summary.totals).toMatchObject({ readings: 447, erased: 3 });
  });

  it('refuses too many entries with BUNDLE_TOO_LARGE, the counts and a split', async () => {
    const e = await planBundle({
      ...f,
      ...request,
      limits: { maxEntries: 100, maxBytes: 1e9 },
    }).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(BundleBuildError);
    const err = e as BundleBuildError;
    expect(err.code).toBe('BUNDLE_TOO_LARGE');
    expect(err.evidence).toMatchObject({
      entries: 400, // counting stops at four times the limit
      entriesAtLeast: true,
      maxEntries: 100,
      parts: 4,
    });
    expect(err.message).toContain('split the request into at least 4');
  });

  it('counts every entry below four times the limit and names the largest meter', async () => {
    const e = (await planBundle({
      ...f,
      ...request,
      limits: { maxEntries: 200, maxBytes: 1e9 },
    }).catch((x: unknown) => x)) as BundleBuildError;
    expect(e.code).toBe('BUNDLE_TOO_LARGE');
    expect(e.evidence).toMatchObject({
      entries: 450,
      entriesAtLeast: false,
      parts: 3,
      perMeter: { 'meter-b': 50, 'meter-a': 400 },
    });
    expect(e.message).toContain('meter-a, has 400');
  });

  it('refuses too many bytes with BUNDLE_TOO_LARGE, and fits within a limit just large enough', async () => {
    const exact = (await planBundle({ ...f, ...request })).byteLength;
    const over = await planBundle({
      ...f,
      ...request,
      limits: { maxEntries: 1e6, maxBytes: exact - 1 },
    }).catch((x: unknown) => x as BundleBuildError);
    expect((over as BundleBuildError).code).toBe('BUNDLE_TOO_LARGE');
    const fits = await planBundle({
      ...f,
      ...request,
      limits: { maxEntries: 450, maxBytes: exact },
    });
    expect(fits.byteLength).toBe(exact);
  });

  it('stops with ABORTED once the signal fires, in either pass', async () => {
    const gone = AbortSignal.abort();
    expect(await codeOf(planBundle({ ...f, ...request, signal: gone }))).toBe('ABORTED');
    const controller = new AbortController();
    const plan = await planBundle({ ...f, ...request, signal: controller.signal });
    const chunks = bundleText(plan);
    await chunks.next();
    controller.abort();
    expect(await codeOf(text(chunks))).toBe('ABORTED');
  });

  it('never completes a document when a reading was erased between the passes', async () => {
    const only = { meters: ['meter-b'], from: T0, to: T0 + 50 * 900 };
    const plan = await planBundle({ ...f, ...only });
    await f.ledger.erase({
      meterId: 'meter-b',
      from: T0 + 40 * 900,
      to: T0 + 41 * 900,
      requestedBy: { tokenId: 'test', label: 'test' },
    });
    expect(await codeOf(text(bundleText(plan)))).toBe('RECORD_CHANGED');
  });
});
