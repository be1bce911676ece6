/**
 * The verifier in a real browser: src/core/bundle (and certify) bundled by esbuild for the
 * browser, served with bundles a builder made from a real log, and run in Debian Chromium
 * (playwright-core, never a browser download). A valid bundle verifies with the summary Node
 * computes (per reading channel); tampered ones, and one whose readings overlap, fail with the
 * codes Node gives.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../../src/bundle/index.ts';
import { utf8 } from '../../src/core/bytes.ts';
import { verifyBundle, type BundleJson } from '../../src/core/bundle/index.ts';
import { certifyBundle } from '../../src/core/certify/index.ts';
import { generateEd25519Key } from '../../src/core/note/index.ts';
import { appendReadings, openFixture, register, type Fixture } from '../bundle/fixture.ts';
import { TestSigner } from '../e2e/node-harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const ENTRY = join(import.meta.dirname, 'browser-entry.ts');
const T0 = 1_767_225_600; // 2026-01-01T00:00Z
const HOUR = 3600;

/** esbuild for the browser, as the test page gets it. */
async function bundleForBrowser(entry: { file: string } | { source: string }) {
  return build({
    ...('file' in entry
      ? { entryPoints: [entry.file] }
      : { stdin: { contents: entry.source, resolveDir: import.meta.dirname, loader: 'ts' } }),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
}

/** What the page returns: plain data only. */
interface PageVerdict {
  valid: boolean;
  code?: string;
  index?: number | null;
  summary?: unknown;
  certification?: unknown;
  inNode: boolean;
}

describe('when the core is bundled for the browser', () => {
  it('builds src/core/bundle and certify without any node: module', async () => {
    const out = await bundleForBrowser({ file: ENTRY });
    expect(out.errors).toEqual([]);
    expect(out.outputFiles[0]!.text).toContain('wattproof.bundle/v1');
  });

  it('fails the build for code that imports a node: module (so the check above can fail)', async () => {
    await expect(
      bundleForBrowser({
        source: "import { createHash } from 'node:crypto'; console.log(createHash);",
      }),
    ).rejects.toThrow(/node:crypto/);
  });
});

describe.skipIf(!HAVE_CHROMIUM)(
  HAVE_CHROMIUM
    ? 'when a bundle is verified in Chromium'
    : `when a bundle is verified in Chromium (skipped: ${CHROMIUM} is missing)`,
  () => {
    let f: Fixture;
    let server: Server;
    let browser: Browser;
    let page: Page;
    let base: string;
    let bundle: BundleJson;
    const files = new Map<string, { type: string; body: string | Uint8Array }>();

    beforeAll(async () => {
      f = await openFixture('wattproof.test/browser');
      const a = new TestSigner('dev-a', 'device', ['meter-a']);
      const p = new TestSigner('plat-1', 'platform', ['meter-a']);
      await register(f, a);
      await register(f, p);
      await appendReadings(f, a, [1, 2, 3, 4], T0, { obis: '1-0:2.8.0' });
      await appendReadings(f, p, [5, 6, 8], T0);
      bundle = await buildBundle({ ...f, meters: ['meter-a'], from: T0, to: T0 + 2 * HOUR });
      // Another meter's log holds two readings of one quarter hour: counted twice if accepted.
      const b = new TestSigner('dev-b', 'device', ['meter-b']);
      await register(f, b);
      await appendReadings(f, b, [1, 2], T0);
      await appendReadings(f, b, [3], T0, {
        intervalStart: T0,
        intervalEnd: T0 + 900,
        registerWh: 99_000,
      });
      const overlapping = await buildBundle({ ...f, meters: ['meter-b'], from: T0, to: T0 + HOUR });

      const tampered = (edit: (b: BundleJson & Record<string, unknown>) => void): string => {
        const b = JSON.parse(JSON.stringify(bundle)) as BundleJson & Record<string, unknown>;
        edit(b);
        return JSON.stringify(b);
      };
      const js = (await bundleForBrowser({ file: ENTRY })).outputFiles[0]!.text;
      files.set('/', {
        type: 'text/html',
        body: '<!doctype html><meta charset="utf-8"><script type="module" src="/verifier.js"></script>',
      });
      files.set('/verifier.js', { type: 'text/javascript', body: js });
      files.set('/good.json', { type: 'application/json', body: JSON.stringify(bundle) });
      files.set('/bad-summary.json', {
        type: 'application/json',
        body: tampered((b) => {
          (b.summary.totals as { importWh: number }).importWh += 1;
        }),
      });
      files.set('/overlap.json', { type: 'application/json', body: JSON.stringify(overlapping) });
      files.set('/bad-salt.json', {
        type: 'application/json',
        body: tampered((b) => {
          const e = b.entries[1] as { salt: string };
          e.salt = (e.salt[0] === 'A' ? 'B' : 'A') + e.salt.slice(1);
        }),
      });
      server = createServer((req, res) => {
        const file = files.get(req.url ?? '');
        if (file === undefined) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': file.type }).end(file.body);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      page = await browser.newPage();
      await page.goto(`${base}/`);
      await page.waitForFunction(() => 'wattproof' in globalThis);
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
      await f?.close();
    });

    /** Fetches `path` in the page and verifies (and certifies) the bytes there. */
    function inPage(path: string, logVkey: string): Promise<PageVerdict> {
      return page.evaluate(
        async ({ path, logVkey }) => {
          // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the page's global
          const w = (globalThis as any).wattproof;
          const bytes = new Uint8Array(await (await fetch(path)).arrayBuffer());
          const v = w.verifyBundle(bytes, { logVkey });
          const inNode = typeof (globalThis as { process?: unknown }).process !== 'undefined';
          if (!v.valid) return { valid: false, code: v.code, index: v.index ?? null, inNode };
          const c = w.certifyBundle(bytes, { logVkey }, { emissionFactorGPerKWh: '231.5' });
          return { valid: true, summary: v.summary, certification: c.certification, inNode };
        },
        { path, logVkey },
      );
    }

    it('verifies a valid bundle with the summary and certification Node computes', async () => {
      const node = verifyBundle(bundle, { logVkey: f.logKey.vkey });
      if (!node.valid) throw new Error(`${node.code}: ${node.message}`);
      const nodeCert = certifyBundle(
        utf8(JSON.stringify(bundle)),
        { logVkey: f.logKey.vkey },
        {
          emissionFactorGPerKWh: '231.5',
        },
      );
      if (!nodeCert.valid) throw new Error('refused in Node');

      const web = await inPage('/good.json', f.logKey.vkey);
      expect(web.inNode).toBe(false);
      expect(web.valid).toBe(true);
      expect(web.summary).toEqual(node.summary);
      expect(web.certification).toEqual(nodeCert.certification);
      // Hour 0: 4 exported readings (device); hour 1: 3 imported (platform), sequence 7 missing.
      const m = node.summary.meters[0]!;
      expect(m.trust).toEqual({ device: 4, platform: 3 });
      expect(m.hours).toEqual([
        { start: T0, importWh: 0, exportWh: 2000 },
        { start: T0 + HOUR, importWh: 1500, exportWh: 0 },
      ]);
    });

    it('refuses tampered bundles with the codes Node gives', async () => {
      for (const [path, code] of [
        ['/bad-summary.json', 'SUMMARY_MISMATCH'],
        ['/bad-salt.json', 'PROOF_MISMATCH'],
        ['/overlap.json', 'INTERVAL_OVERLAP'],
      ] as const) {
        const body = files.get(path)!.body as string;
        const node = verifyBundle(body, { logVkey: f.logKey.vkey });
        expect(node).toMatchObject({ valid: false, code });
        expect(await inPage(path, f.logKey.vkey)).toEqual({
          valid: false,
          code,
          index: node.valid ? null : (node.index ?? null),
          inNode: false,
        });
      }
    });

    it('refuses a valid bundle under another key of the same log name', async () => {
      const other = generateEd25519Key('wattproof.test/browser').vkey;
      expect(await inPage('/good.json', other)).toMatchObject({ valid: false, code: 'WRONG_LOG' });
    });
  },
);
