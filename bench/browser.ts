/**
 * Browser verification benchmark: the bundle benchmark's year (35,040 Ed25519 readings of one
 * meter in a log of over 1,000,000 entries, built by `buildBenchBundle`) verified in headless
 * Chromium (Debian's, through playwright-core) by the core's `verifyBundleAsync` with the
 * WebCrypto checker (src/web/webcrypto-checker.ts), beside:
 * - the page's bare WebCrypto Ed25519 verify rate on all its workers, measured in the same run;
 * - the same bundle with the checker's @noble-only path (the pure core in workers);
 * - the core's work without the signatures (a checker that answers at once).
 *
 * `--quick` runs the bundle benchmark's month (2,976 readings).
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { chromium } from 'playwright-core';
import { bundlePage, CHROMIUM_ARGS } from '../test/browser/webcrypto-build.ts';
import { benchSizes, buildBenchBundle } from './bundle.ts';
import { printTable, writeResults, type Figure } from './lib.ts';

const CHROMIUM = '/usr/bin/chromium';

/** Bare verifies per worker for the rate (a year's worth across two workers). */
const BARE_PER_WORKER = 16_384;

const PAGE_SOURCE = `
import { verifyBundleAsync } from './src/core/bundle/index.ts';
import { createWebCryptoChecker } from './src/web/webcrypto-checker.ts';

/** Verifies the bundle once; milliseconds from creating the checker to the verdict. */
async function verifyOnce(bytes, logVkey, mode) {
  const t0 = performance.now();
  const checker =
    mode === 'none'
      ? Object.assign(async (jobs) => jobs.map(() => true), { close() {}, stats: () => ({}) })
      : createWebCryptoChecker({ nobleOnly: mode === 'noble' });
  const v = await verifyBundleAsync(bytes, { logVkey }, checker);
  const ms = performance.now() - t0;
  const stats = checker.stats();
  checker.close();
  return v.valid
    ? { ms, valid: true, readings: v.readings.length, totals: v.summary.totals, stats }
    : { ms, valid: false, code: v.code, message: v.message };
}

/** WebCrypto Ed25519 verifies per second on one worker per core, each with its own key. */
async function bareRate(perWorker) {
  const src = \`onmessage = async (e) => {
    const n = e.data;
    const kp = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
    const key = await crypto.subtle.importKey('raw', await crypto.subtle.exportKey('raw', kp.publicKey), { name: 'Ed25519' }, false, ['verify']);
    const msg = crypto.getRandomValues(new Uint8Array(220));
    const sig = await crypto.subtle.sign({ name: 'Ed25519' }, kp.privateKey, msg);
    postMessage('ready');
    await new Promise((r) => (onmessage = r));
    const t0 = performance.now();
    for (let i = 0; i < n; i += 256) {
      const batch = [];
      for (let k = i; k < Math.min(n, i + 256); k++) batch.push(crypto.subtle.verify({ name: 'Ed25519' }, key, sig, msg));
      const ok = await Promise.all(batch);
      if (ok.includes(false)) throw new Error('a signature did not verify');
    }
    postMessage(performance.now() - t0);
  };\`;
  const url = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
  const workers = Array.from({ length: navigator.hardwareConcurrency }, () => new Worker(url));
  const next = (w) => new Promise((resolve) => (w.onmessage = (e) => resolve(e.data)));
  await Promise.all(workers.map((w) => { const p = next(w); w.postMessage(perWorker); return p; }));
  const t0 = performance.now();
  await Promise.all(workers.map((w) => { const p = next(w); w.postMessage('go'); return p; }));
  const ms = performance.now() - t0;
  workers.forEach((w) => w.terminate());
  URL.revokeObjectURL(url);
  return { perSecond: (workers.length * perWorker) / (ms / 1000), workers: workers.length };
}

globalThis.benchmark = { verifyOnce, bareRate };
`;

interface Run {
  ms: number;
  valid: boolean;
  readings?: number;
  totals?: unknown;
  stats?: { webcrypto?: number; noble?: number; workers?: number };
  code?: string;
  message?: string;
}

/** Runs the benchmark; `args` are the `--` options. */
export async function main(args: readonly string[]): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`the browser benchmark needs ${CHROMIUM}`);
  const quick = args.includes('--quick');
  const sizes = benchSizes(quick);
  const data = await buildBenchBundle(sizes);
  const body = Buffer.from(data.text);
  const js = await bundlePage(PAGE_SOURCE);
  const server = createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        '<!doctype html><meta charset="utf-8"><script type="module" src="/bench.js"></script>',
      );
    } else if (req.url === '/bench.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    } else if (req.url === '/bundle.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await page.waitForFunction(() => 'benchmark' in globalThis);
    const version = browser.version();
    await page.evaluate(async () => {
      const g = globalThis as unknown as { bundleBytes: Uint8Array };
      g.bundleBytes = new Uint8Array(await (await fetch('/bundle.json')).arrayBuffer());
    });
    const verify = (mode: 'webcrypto' | 'noble' | 'none'): Promise<Run> =>
      page.evaluate(
        ({ vkey, mode }) => {
          const g = globalThis as unknown as {
            bundleBytes: Uint8Array;
            benchmark: { verifyOnce(b: Uint8Array, k: string, m: string): Promise<Run> };
          };
          return g.benchmark.verifyOnce(g.bundleBytes, vkey, mode);
        },
        { vkey: data.vkey, mode },
      );
    const checked = (r: Run, what: string): Run => {
      if (!r.valid) throw new Error(`${what}: the bundle did not verify: ${r.code} ${r.message}`);
      if (r.readings !== sizes.readings) throw new Error(`${what}: ${r.readings} readings`);
      return r;
    };
    const bareRate = (): Promise<{ perSecond: number; workers: number }> =>
      page.evaluate(
        (n) =>
          (
            globalThis as unknown as {
              benchmark: { bareRate(n: number): Promise<{ perSecond: number; workers: number }> };
            }
          ).benchmark.bareRate(n),
        quick ? 2_048 : BARE_PER_WORKER,
      );
    // The cores are shared: the bare rate before and after the checker's runs, the better kept.
    const rates = [await bareRate()];
    const web = [checked(await verify('webcrypto'), 'WebCrypto')];
    web.push(checked(await verify('webcrypto'), 'WebCrypto'));
    rates.push(await bareRate());
    const bare = rates.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
    const rest = checked(await verify('none'), 'no signatures');
    const noble = checked(await verify('noble'), '@noble');
    const best = Math.min(...web.map((r) => r.ms));
    const floorMs = (sizes.readings / bare.perSecond) * 1000;
    const figures: Figure[] = [
      { name: 'readings in the bundle', value: sizes.readings, unit: 'readings' },
      { name: 'log entries', value: data.logSize, unit: 'entries' },
      { name: 'bundle (JSON)', value: body.length, unit: 'bytes' },
      {
        name: 'bare WebCrypto Ed25519 verify, all workers (best of 2)',
        value: bare.perSecond,
        unit: 'verifies/s',
        note: `${bare.workers} workers`,
      },
      {
        name: 'floor: the readings at that rate',
        value: floorMs,
        unit: 'ms',
      },
      {
        name: 'verify with the WebCrypto checker (best of 2)',
        value: best,
        unit: 'ms',
        note: `first run ${web[0]!.ms.toFixed(0)} ms, workers started in it`,
      },
      { name: 'WebCrypto checker / floor', value: best / floorMs, unit: 'x' },
      {
        name: 'checks answered by WebCrypto / by @noble',
        value: web[1]!.stats?.webcrypto ?? Number.NaN,
        unit: `/ ${web[1]!.stats?.noble ?? Number.NaN}`,
      },
      { name: 'verify, signatures not checked (the rest)', value: rest.ms, unit: 'ms' },
      { name: 'verify with the @noble-only path (workers)', value: noble.ms, unit: 'ms' },
      { name: '@noble-only / WebCrypto checker', value: noble.ms / best, unit: 'x' },
    ];
    printTable(
      `browser benchmark (Chromium ${version}, ${cpus().length} cores${quick ? ', --quick' : ''})`,
      figures,
    );
    await writeResults('browser', figures, { ...sizes, chromium: version });
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
    await data.close();
  }
}
