/**
 * The verifier page in Debian Chromium (playwright-core, never a browser download): served by
 * a real node at `/verify/` and as the self-contained file `npm run build:verifier` writes. A
 * bundle the node served, dropped on the page, shows VALID with the lines `wattproof verify`
 * prints; tampered ones show the CLI's code; the file opened from disk verifies a gzipped
 * bundle with every network request aborted and none made; keyboard alone reaches the verdict;
 * the online step confirms the bundle's checkpoint in the live log (across origins, by CORS);
 * and a screenshot of the page is taken (into docs/ with WATTPROOF_UPDATE_SCREENSHOT=1, which
 * docs/verifier.md shows; elsewhere into the temporary folder, so a test run changes no file).
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type FileChooser,
  type Page,
} from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVerify } from '../../src/cli/verify.ts';
import { utf8 } from '../../src/core/bytes.ts';
import type { BundleJson } from '../../src/core/bundle/index.ts';
import { certifyBundle } from '../../src/core/certify/index.ts';
import { generateEd25519Key } from '../../src/core/note/index.ts';
import { buildVerifierPage } from '../../src/web/build-page.ts';
import {
  meterTopic,
  Publisher,
  startTestNode,
  TestSigner,
  waitFor,
  type TestNode,
} from '../e2e/node-harness.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const HOUR = 3600;
const T0 = Math.floor(Date.now() / 1000 / HOUR) * HOUR - 86_400;
const SCREENSHOT =
  process.env.WATTPROOF_UPDATE_SCREENSHOT === '1'
    ? join(import.meta.dirname, '..', '..', 'docs', 'verifier-page.png')
    : join(tmpdir(), `wattproof-verifier-page-${process.pid}.png`);
const FACTOR = '231.5';

/** What `wattproof verify` says of a bundle file. */
interface CliSays {
  readonly status: number;
  readonly text: string;
  readonly json: { valid: boolean; code?: string; index?: number | null };
}

async function cliVerify(file: string, vkey: string): Promise<CliSays> {
  const run = async (extra: string[]) => {
    let out = '';
    const status = await runVerify([file, '--log-key', vkey, ...extra], {
      stdout: (t) => (out += t),
      stderr: () => undefined,
    });
    return { status, out };
  };
  const text = await run([]);
  const json = await run(['--json']);
  expect(json.status).toBe(text.status);
  return { status: text.status, text: text.out, json: JSON.parse(json.out) as CliSays['json'] };
}

/** Drops `bytes` as a file named `name` on the drop zone, as a drag from the desktop would. */
async function drop(page: Page, name: string, bytes: Uint8Array): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ name, b64 }) => {
      const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bin], name));
      return dt;
    },
    { name, b64: Buffer.from(bytes).toString('base64') },
  );
  await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer });
}

/** Waits for the page's next final verdict after `before` were shown. */
async function nextVerdict(page: Page, before: number): Promise<string> {
  await page.waitForSelector(`#verdict[data-checks="${before + 1}"]`, { timeout: 20_000 });
  return (await page.getAttribute('#verdict', 'data-verdict')) ?? '';
}

async function checks(page: Page): Promise<number> {
  return Number((await page.getAttribute('#verdict', 'data-checks')) ?? '0');
}

/** Drops a bundle and waits for its verdict. */
async function verifyOnPage(page: Page, name: string, bytes: Uint8Array): Promise<string> {
  const before = await checks(page);
  await drop(page, name, bytes);
  return nextVerdict(page, before);
}

describe.skipIf(!HAVE_CHROMIUM)(
  HAVE_CHROMIUM
    ? 'when an auditor checks a bundle on the verifier page'
    : `when an auditor checks a bundle on the verifier page (skipped: ${CHROMIUM} is missing)`,
  () => {
    let t: TestNode;
    let browser: Browser;
    let tmp: Awaited<ReturnType<typeof tempDir>>;
    let pageFile: string;
    let good: Uint8Array;
    let goodCli: CliSays;
    let bundleOrigin: string;
    const tampered = new Map<string, { bytes: Uint8Array; cli: CliSays }>();
    const home = new TestSigner('dev-home', 'device', ['meter-home']);
    const pv = new TestSigner('dev-pv', 'device', ['meter-pv']);

    beforeAll(async () => {
      tmp = await tempDir();
      const html = buildVerifierPage();
      t = await startTestNode('embedded');
      await home.register(t.node);
      await pv.register(t.node);
      const issuer = (await t.node.tokens.createToken('issuer', 'page issuer')).token;
      const operator = (await t.node.tokens.createToken('operator', 'page operator')).token;
      const pub = await Publisher.connect(t.brokerUrl, t.topicRoot);
      // Home: 3 hours of imports, sequence 6 never sent, the reading of sequence 9 erased.
      // PV: 2 hours of exports.
      let sent = 0;
      for (let seq = 1; seq <= 12; seq++) {
        if (seq === 6) continue;
        await pub.publish(
          meterTopic(t.topicRoot, 'meter-home'),
          home.sign(home.reading('meter-home', seq, T0)),
        );
        sent++;
      }
      for (let seq = 1; seq <= 8; seq++) {
        const r = pv.reading('meter-pv', seq, T0, {
          obis: '1-0:2.8.0',
          energyWh: 250,
          registerWh: 5_000 + seq * 250,
        });
        await pub.publish(meterTopic(t.topicRoot, 'meter-pv'), pv.sign(r));
        sent++;
      }
      await waitFor(() => t.node.ingest.stats.accepted >= sent, `${sent} readings`);
      const erase = await fetch(`${t.node.url}/v1/erasures`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${operator}` },
        body: JSON.stringify({
          meterId: 'meter-home',
          from: T0 + 8 * 900,
          to: T0 + 9 * 900,
          reason: 'test',
        }),
      });
      expect(erase.status).toBe(201);
      // An index epoch over every reading, so that the bundle carries its index section.
      await t.node.indexer!.cut();
      await waitFor(() => t.node.log.publishedSize() === t.node.log.size, 'the epoch published');
      const res = await fetch(`${t.node.url}/v1/bundles`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${issuer}` },
        body: JSON.stringify({ meters: ['meter-home', 'meter-pv'], from: T0, to: T0 + 3 * HOUR }),
      });
      expect(res.status).toBe(200);
      good = new Uint8Array(await res.arrayBuffer());
      const bundle = JSON.parse(new TextDecoder().decode(good)) as BundleJson;
      bundleOrigin = bundle.log.origin;
      // The log grows past the bundle's checkpoint: the online step needs a real proof.
      await pub.publish(
        meterTopic(t.topicRoot, 'meter-home'),
        home.sign(home.reading('meter-home', 13, T0)),
      );
      await pub.close();
      const treeSize = bundle.proof.treeSize;
      await waitFor(async () => {
        const cp = await (await fetch(`${t.node.url}/log/checkpoint`)).text();
        return Number(cp.split('\n')[1]) > treeSize;
      }, 'a larger checkpoint');

      const write = async (name: string, bytes: Uint8Array) => {
        const file = join(tmp.path, name);
        await writeFile(file, bytes);
        return file;
      };
      goodCli = await cliVerify(await write('good.json', good), t.node.vkey);
      expect(goodCli.status).toBe(0);
      const edit = (f: (b: BundleJson & Record<string, unknown>) => void): Uint8Array => {
        const b = JSON.parse(JSON.stringify(bundle)) as BundleJson & Record<string, unknown>;
        f(b);
        return utf8(JSON.stringify(b));
      };
      const variants: Record<string, Uint8Array> = {
        'summary.json': edit((b) => {
          (b.summary.totals as { importWh: number }).importWh += 1;
        }),
        'salt.json': edit((b) => {
          const e = b.entries.find((x) => 'salt' in x) as { salt: string };
          e.salt = (e.salt[0] === 'A' ? 'B' : 'A') + e.salt.slice(1);
        }),
        'checkpoint.json': edit((b) => {
          (b as { checkpoint: string }).checkpoint = b.checkpoint.replace(/\n\d+\n/, '\n1\n');
        }),
      };
      for (const [name, bytes] of Object.entries(variants)) {
        const cli = await cliVerify(await write(name, bytes), t.node.vkey);
        expect(cli.status).toBe(1);
        tampered.set(name, { bytes, cli });
      }
      pageFile = await write('verifier.html', utf8(await html));
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await t?.close();
      await tmp?.remove();
    });

    async function openServed(): Promise<{ context: BrowserContext; page: Page }> {
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
      const page = await context.newPage();
      const res = await page.goto(`${t.node.url}/verify/`);
      expect(res?.status()).toBe(200);
      return { context, page };
    }

    const cliLine = (text: string, start: string) =>
      text.split('\n').filter((l) => l.startsWith(start));

    it('shows VALID for a dropped bundle with the lines wattproof verify prints', async () => {
      const { context, page } = await openServed();
      try {
        await page.fill('#log-key', t.node.vkey);
        expect(await verifyOnPage(page, 'bundle.json', good)).toBe('valid');
        expect(await page.textContent('#verdict-head')).toBe('VALID');
        const total = cliLine(goodCli.text, 'total:');
        expect(total).toHaveLength(1);
        expect(await page.textContent('#totals')).toBe(total[0]);
        expect(total[0]).toContain('erased 1');
        const meters = cliLine(goodCli.text, 'meter ');
        expect(meters).toHaveLength(2);
        expect(await page.locator('.meter-line').allTextContents()).toEqual(meters);
        // What the index section proved, in the CLI's words, line for line.
        const index = goodCli.text
          .split('\n')
          .filter(
            (l) => l.startsWith('index: ') || l.startsWith('  every ') || l.startsWith('FLAGGED'),
          );
        expect(index[0]).toMatch(/^index: epoch \d+ \(log size \d+, entry \d+\): nothing left out/);
        expect(await page.locator('#index-status p').allTextContents()).toEqual(index);
        // The chart: bars of both directions, the gaps of sequence 6 and the erased reading
        // hatched, the erased reading marked on its meter.
        const home = page.locator('section.meter').first();
        expect(await home.locator('svg rect.import').count()).toBe(3);
        expect(await home.locator('svg rect.gap').count()).toBe(2);
        expect(await home.locator('svg g.erased').count()).toBe(1);
        const pvChart = page.locator('section.meter').nth(1);
        expect(await pvChart.locator('svg rect.export').count()).toBe(2);
        expect(await pvChart.locator('svg rect.import').count()).toBe(0);
      } finally {
        await context.close();
      }
    });

    it('computes the certificate figures certify gives, and downloads them as JSON', async () => {
      const { context, page } = await openServed();
      try {
        await page.fill('#log-key', t.node.vkey);
        expect(await verifyOnPage(page, 'bundle.json', good)).toBe('valid');
        await page.fill('#emission-factor', 'x1');
        expect(await page.getAttribute('#emission-factor', 'aria-invalid')).toBe('true');
        await page.fill('#emission-factor', FACTOR);
        await page.waitForSelector('#scope2');
        const node = certifyBundle(
          good,
          { logVkey: t.node.vkey },
          { emissionFactorGPerKWh: FACTOR },
        );
        if (!node.valid) throw new Error('refused in Node');
        const c = node.certification;
        expect(await page.textContent('#certificate-counts')).toBe(
          `${c.granularCertificates.length} hourly records, ${c.guaranteesOfOrigin.reduce((n, g) => n + g.units, 0)} GO units, Scope 2 ${c.scope2!.total.co2eGRoundedUp} g CO2e`,
        );
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.click('#download-cert'),
        ]);
        const saved = JSON.parse(await readFile((await download.path())!, 'utf8')) as unknown;
        expect(saved).toEqual(JSON.parse(JSON.stringify(c)));
      } finally {
        await context.close();
      }
    });

    it('shows the code the CLI gives for each tampered bundle, with its entry', async () => {
      const { context, page } = await openServed();
      try {
        await page.fill('#log-key', t.node.vkey);
        for (const [name, { bytes, cli }] of tampered) {
          expect(await verifyOnPage(page, name, bytes), name).toBe('invalid');
          expect(await page.getAttribute('#verdict', 'data-code'), name).toBe(cli.json.code);
          expect(await page.textContent('#verdict-code'), name).toBe(cli.json.code);
          const at = await page.locator('.verdict-code').textContent();
          expect(at, name).toBe(
            cli.json.index === null || cli.json.index === undefined
              ? cli.json.code
              : `${cli.json.code} at entry ${cli.json.index}`,
          );
          // The words are the CLI's, line for line.
          expect(cli.text, name).toContain(`  ${await page.textContent('#verdict-words')}\n`);
          expect(await page.isHidden('#certificate-section'), name).toBe(true);
        }
        // Another key of the same log name: the CLI's WRONG_LOG.
        const other = generateEd25519Key(bundleOrigin).vkey;
        const cli = await cliVerify(join(tmp.path, 'good.json'), other);
        expect(cli.json.code).toBe('WRONG_LOG');
        const before = await checks(page);
        await page.fill('#log-key', other);
        await page.dispatchEvent('#log-key', 'change');
        expect(await nextVerdict(page, before)).toBe('invalid');
        expect(await page.getAttribute('#verdict', 'data-code')).toBe(cli.json.code);
      } finally {
        await context.close();
      }
    });

    it('confirms online that the bundle checkpoint is in the log, from another origin', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      try {
        await page.goto(pathToFileURL(pageFile).href);
        await page.fill('#log-key', t.node.vkey);
        expect(await verifyOnPage(page, 'bundle.json', good)).toBe('valid');
        await page.fill('#node-url', t.node.url);
        await page.click('#online-check');
        await page.waitForSelector('#online-result[data-outcome]');
        expect(await page.getAttribute('#online-result', 'data-outcome')).toBe('ok');
        expect(await page.textContent('#online-result')).toMatch(/is in the log's history/);
      } finally {
        await context.close();
      }
    });

    it('verifies a gzipped bundle from the file on disk with the network blocked', async () => {
      const context = await browser.newContext();
      const routed: string[] = [];
      const requested: string[] = [];
      const url = pathToFileURL(pageFile).href;
      await context.route('**/*', async (route) => {
        // The file itself is opened from disk; every other request is aborted and counted.
        if (route.request().url() === url) return route.continue();
        routed.push(route.request().url());
        await route.abort();
      });
      const page = await context.newPage();
      page.on('request', (r) => requested.push(r.url()));
      try {
        await page.goto(url);
        await page.fill('#log-key', t.node.vkey);
        expect(await verifyOnPage(page, 'bundle.json.gz', new Uint8Array(gzipSync(good)))).toBe(
          'valid',
        );
        expect(await page.textContent('#totals')).toBe(cliLine(goodCli.text, 'total:')[0]);
        // The signatures were checked in Web Workers started from the page itself, by WebCrypto.
        const checked = JSON.parse((await page.getAttribute('#verdict', 'data-signatures'))!) as {
          workers: number;
          webcrypto: number;
        };
        expect(checked.workers).toBeGreaterThan(0);
        expect(checked.webcrypto).toBeGreaterThan(0);
        expect(routed).toEqual([]);
        expect(requested.filter((u) => u !== url && !u.startsWith('blob:'))).toEqual([]);
      } finally {
        await context.close();
      }
    });

    it('reaches the verdict with the keyboard alone, the verdict taking the focus', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      // Listening from the start: Chromium's file dialog is intercepted once a listener exists.
      const chooser = new Promise<FileChooser>((resolve) => page.once('filechooser', resolve));
      try {
        await page.goto(pathToFileURL(pageFile).href);
        const focused = () => page.evaluate(() => document.activeElement?.id ?? '');
        const tabTo = async (id: string) => {
          for (let i = 0; i < 20 && (await focused()) !== id; i++) await page.keyboard.press('Tab');
          expect(await focused()).toBe(id);
        };
        await tabTo('log-key');
        await page.keyboard.type(t.node.vkey);
        await tabTo('drop-zone');
        expect(
          await page.getByRole('button', { name: /Drop a bundle here/ }).getAttribute('id'),
        ).toBe('drop-zone');
        const before = await checks(page);
        await page.keyboard.press('Enter');
        await (
          await chooser
        ).setFiles({
          name: 'bundle.json',
          mimeType: 'application/json',
          buffer: Buffer.from(good),
        });
        expect(await nextVerdict(page, before)).toBe('valid');
        expect(await focused()).toBe('verdict');
        const verdict = page.getByRole('status').first();
        expect(await verdict.getAttribute('aria-live')).toBe('polite');
        expect(await page.getByLabel('Log verifier key').inputValue()).toBe(t.node.vkey);
      } finally {
        await context.close();
      }
    });

    it('saves a screenshot of a verified bundle for the docs', async () => {
      const { context, page } = await openServed();
      try {
        await page.fill('#log-key', t.node.vkey);
        expect(await verifyOnPage(page, 'bundle.json', good)).toBe('valid');
        await page.fill('#emission-factor', FACTOR);
        await page.waitForSelector('#scope2');
        await page.screenshot({ path: SCREENSHOT, fullPage: true });
        const png = await readFile(SCREENSHOT);
        expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      } finally {
        await context.close();
      }
    });
  },
);
