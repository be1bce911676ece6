/**
 * The WebCrypto checker (src/web/webcrypto-checker.ts) in real headless Chromium (Debian's,
 * through playwright-core): its WebCrypto path and its @noble path give the verdicts the core
 * gives (and OpenSSL gave, for the OCMF device records) on every fixture: the OCMF records of
 * test/vectors, the COSE working group's ES256 vectors, and good, tampered and crafted Ed25519
 * and ES256 signatures. Then bundles verified in the page with it, valid and refused as in Node.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../../src/bundle/index.ts';
import { concatBytes, fromBase64, fromHex, toHex, utf8 } from '../../src/core/bytes.ts';
import { verifyBundle } from '../../src/core/bundle/index.ts';
import { CoseAlg, verifyWithAlg } from '../../src/core/cose/index.ts';
import type { VerifySignatures } from '../../src/core/signature/index.ts';
import {
  DEFAULT_SIGNATURE_ALGORITHM,
  OCMF_SIGNATURE_ALGORITHMS,
  parseOcmfPublicKey,
} from '../../src/core/ocmf/index.ts';
import { createWebCryptoChecker } from '../../src/web/webcrypto-checker.ts';
import coseVectors from '../vectors/cose-wg-sign1.json' with { type: 'json' };
import devices from '../vectors/ocmf-devices.json' with { type: 'json' };
import samples from '../vectors/ocmf-samples.json' with { type: 'json' };
import {
  appendReading,
  appendReadings,
  openFixture,
  register,
  type Fixture,
} from '../bundle/fixture.ts';
import { TestSigner } from '../e2e/node-harness.ts';
import { le32, leToBig, torsionSignature } from '../helpers/ed25519-torsion.ts';
import { tempDir } from '../helpers/tmp-dir.ts';
import { bundlePage, CHROMIUM_ARGS } from './webcrypto-build.ts';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const T0 = 1_767_225_600; // 2026-01-01T00:00Z

/** A check as the page gets it (hex bytes), with the verdict expected. */
interface Case {
  readonly name: string;
  readonly alg: -8 | -7 | 'OCMF';
  readonly key: string;
  readonly msg: string;
  readonly sig: string;
  readonly curve?: string;
  /** The verdict expected, from outside the checker (see each case). */
  readonly expected: boolean;
  /** The engine expected to answer: WebCrypto (Ed25519, P-256, P-384) or @noble. */
  readonly web: boolean;
  /** For a generated case: the verdict it was made to get. */
  readonly made?: boolean;
}

const PAGE_SOURCE = `
import { createWebCryptoChecker } from './src/web/webcrypto-checker.ts';
import { verifyBundleAsync } from './src/core/bundle/index.ts';
globalThis.wattproofTest = { createWebCryptoChecker, verifyBundleAsync };
`;

function flip(hex: string, at: number): string {
  const b = fromHex(hex);
  b[at < 0 ? b.length + at : at]! ^= 0x01;
  return toHex(b);
}

/** OCMF records of real devices: `valid` is OpenSSL's verdict (test/vectors/README.md). */
function ocmfCases(): Case[] {
  const out: Case[] = [];
  const records = [...devices, ...samples.map((s, i) => ({ name: `${s.sample}#${i}`, ...s }))];
  for (const d of records) {
    if (d.publicKey === null || d.valid === null) continue;
    const text = d.ocmf;
    const first = text.indexOf('|');
    const last = text.lastIndexOf('|');
    const payload = utf8(text.slice(first + 1, last));
    const section = JSON.parse(text.slice(last + 1)) as { SA?: string; SE?: string; SD: string };
    const sa = section.SA ?? DEFAULT_SIGNATURE_ALGORITHM;
    const curve = OCMF_SIGNATURE_ALGORITHMS[sa]!;
    const sd = section.SE === 'base64' ? fromBase64(section.SD) : fromHex(section.SD);
    let key: Uint8Array;
    let web: boolean;
    try {
      const k = parseOcmfPublicKey(d.publicKey);
      key = k.spki;
      web = k.curve.name === 'secp256r1' || k.curve.name === 'secp384r1';
    } catch {
      // A raw point where a SubjectPublicKeyInfo belongs: not a key the checker takes.
      key = fromHex(d.publicKey.replace(/\s+/g, ''));
      web = false;
    }
    const c = {
      alg: 'OCMF' as const,
      key: toHex(key),
      msg: toHex(payload),
      sig: toHex(sd),
      curve,
    };
    out.push({ name: d.name, ...c, expected: d.valid, web: web && d.valid });
    if (d.valid) {
      out.push({
        name: `${d.name}, payload altered`,
        ...c,
        msg: flip(c.msg, 10),
        expected: false,
        web,
      });
      // The last byte of s: still well-formed DER, no longer the signature.
      out.push({ name: `${d.name}, s altered`, ...c, sig: flip(c.sig, -1), expected: false, web });
    }
  }
  return out;
}

/** The COSE working group's ES256 vectors (RFC 9052 §4.4 Sig_structure as `toBeSign`). */
function coseWgCases(): Case[] {
  const b64url = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'base64url'));
  const point = concatBytes(Uint8Array.of(4), b64url(coseVectors.key.x), b64url(coseVectors.key.y));
  const compressed = p256.Point.fromBytes(point).toBytes(true);
  const out: Case[] = [];
  for (const v of coseVectors.vectors) {
    // The signature is the message's last item: a 64-byte bstr (major type 2, 0x58 0x40).
    const cbor = fromHex(v.cbor);
    expect(toHex(cbor.subarray(-66, -64))).toBe('5840');
    const signature = cbor.subarray(-64);
    for (const [form, key] of [
      ['uncompressed', point],
      ['compressed', compressed],
    ] as const) {
      const c = { alg: -7 as const, key: toHex(key), msg: v.toBeSign, sig: toHex(signature) };
      out.push({ name: `${v.title}, ${form} key`, ...c, expected: true, web: true });
      out.push({
        name: `${v.title}, ${form} key, altered`,
        ...c,
        msg: flip(c.msg, -1),
        expected: false,
        web: true,
      });
    }
  }
  return out;
}

const L = ed25519.Point.Fn.ORDER;

/**
 * Generated Ed25519 and ES256 checks: the expected verdict is the core's (`verifyWithAlg`);
 * `made` is what each case was made to be (a test checks that the two agree).
 */
function generatedCases(): Case[] {
  const out: Case[] = [];
  const seed = new Uint8Array(randomBytes(32));
  const edKey = ed25519.getPublicKey(seed);
  const msg = utf8('a Sig_structure of a reading');
  const edSig = ed25519.sign(msg, seed);
  const sPlusL = concatBytes(edSig.subarray(0, 32), le32(leToBig(edSig.subarray(32)) + L));
  // y = 2^255 − 18 ≥ p: a non-canonical encoding (RFC 8032 §5.1.3 refuses it).
  const nonCanonical = fromHex('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
  const smallOrder = fromHex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
  const ed = (
    name: string,
    key: Uint8Array,
    m: Uint8Array,
    sig: Uint8Array,
    made: boolean,
    web: boolean,
  ): void => {
    const core = (() => {
      try {
        return verifyWithAlg(CoseAlg.EdDSA, sig, m, key);
      } catch {
        return false;
      }
    })();
    out.push({
      name,
      alg: -8,
      key: toHex(key),
      msg: toHex(m),
      sig: toHex(sig),
      expected: core,
      web,
      made,
    });
  };
  ed('Ed25519 good', edKey, msg, edSig, true, true);
  ed('Ed25519 message altered', edKey, fromHex(flip(toHex(msg), 0)), edSig, false, true);
  ed('Ed25519 R altered', edKey, msg, fromHex(flip(toHex(edSig), 3)), false, true);
  ed('Ed25519 s altered', edKey, msg, fromHex(flip(toHex(edSig), 40)), false, true);
  ed('Ed25519 s + L (not reduced)', edKey, msg, sPlusL, false, true);
  ed('Ed25519 63-byte signature', edKey, msg, edSig.subarray(0, 63), false, false);
  ed('Ed25519 non-canonical key', nonCanonical, msg, edSig, false, false);
  ed('Ed25519 small-order key', smallOrder, msg, edSig, false, false);
  ed(
    'Ed25519 R with a small-order component (cofactored only)',
    edKey,
    msg,
    torsionSignature(seed, msg),
    true,
    true,
  );

  const p = p256.utils.randomSecretKey();
  const pKey = p256.getPublicKey(p, false);
  const pSig = p256.sign(msg, p, { prehash: true, lowS: true, format: 'compact' });
  const n = p256.Point.Fn.ORDER;
  const highS = concatBytes(
    pSig.subarray(0, 32),
    fromHex((n - BigInt(`0x${toHex(pSig.subarray(32))}`)).toString(16).padStart(64, '0')),
  );
  const es = (
    name: string,
    key: Uint8Array,
    sig: Uint8Array,
    made: boolean,
    web: boolean,
  ): void => {
    const core = (() => {
      try {
        return verifyWithAlg(CoseAlg.ES256, sig, msg, key);
      } catch {
        return false;
      }
    })();
    out.push({
      name,
      alg: -7,
      key: toHex(key),
      msg: toHex(msg),
      sig: toHex(sig),
      expected: core,
      web,
      made,
    });
  };
  es('ES256 good (low S)', pKey, pSig, true, true);
  es('ES256 high S (RFC 9053 allows it)', pKey, highS, true, true);
  es('ES256 r altered', pKey, fromHex(flip(toHex(pSig), 5)), false, true);
  es('ES256 s = n', pKey, concatBytes(pSig.subarray(0, 32), fromHex(n.toString(16))), false, true);
  es('ES256 r = 0', pKey, concatBytes(new Uint8Array(32), pSig.subarray(32)), false, true);
  es(
    'ES256 DER signature',
    pKey,
    p256.sign(msg, p, { prehash: true, format: 'der' }),
    false,
    false,
  );
  es(
    'ES256 key off the curve',
    concatBytes(pKey.subarray(0, 64), Uint8Array.of(pKey[64]! ^ 1)),
    pSig,
    false,
    false,
  );
  return out;
}

/** What the page returns for one checker run. */
interface Run {
  verdicts: boolean[];
  stats: { webcrypto: number; noble: number; workers: number };
  cores: number;
}

describe('when the checker is typed', () => {
  it('is a VerifySignatures with close()', () => {
    const c: VerifySignatures & { close(): void } = createWebCryptoChecker({ workers: 0 });
    c.close();
    expect(typeof c).toBe('function');
  });
});

describe.skipIf(!HAVE_CHROMIUM)(
  HAVE_CHROMIUM
    ? 'when signatures are checked in Chromium'
    : `when signatures are checked in Chromium (skipped: ${CHROMIUM} is missing)`,
  () => {
    let server: Server;
    let browser: Browser;
    let page: Page;
    let js: string;
    let f: Fixture;
    let dir: { path: string; remove: () => Promise<void> };
    const files = new Map<string, { type: string; body: string }>();
    const cases = [...ocmfCases(), ...coseWgCases(), ...generatedCases()];

    beforeAll(async () => {
      js = await bundlePage(PAGE_SOURCE);
      files.set('/', {
        type: 'text/html',
        body: '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>',
      });
      files.set('/page.js', { type: 'text/javascript', body: js });
      server = createServer((req, res) => {
        const file = files.get(req.url ?? '');
        if (file === undefined) return void res.writeHead(404).end();
        res.writeHead(200, { 'content-type': file.type }).end(file.body);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await page.waitForFunction(() => 'wattproofTest' in globalThis);
      dir = await tempDir();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
      await f?.close();
      await dir?.remove();
    });

    function run(
      p: Page,
      list: readonly Case[],
      options: {
        nobleOnly?: boolean;
        workers?: number;
        workerSource?: string;
        noEd25519?: boolean;
      },
    ): Promise<Run> {
      return p.evaluate(
        async ({ list, options }) => {
          const hex = (s: string): Uint8Array =>
            Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));
          // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the page's global
          const w = (globalThis as any).wattproofTest;
          const subtle = crypto.subtle;
          const importKey = subtle.importKey.bind(subtle);
          if (options.noEd25519 === true) {
            // A browser without Ed25519 in WebCrypto, as older ones are.
            subtle.importKey = (async (...a: Parameters<SubtleCrypto['importKey']>) => {
              const alg = a[2] as { name?: string };
              if (alg.name === 'Ed25519') throw new DOMException('no Ed25519', 'NotSupportedError');
              return importKey(...a);
            }) as SubtleCrypto['importKey'];
          }
          try {
            const { noEd25519: _, ...rest } = options;
            const checker = w.createWebCryptoChecker(rest);
            const jobs = list.map((c) => ({
              keyType: c.alg === 'OCMF' ? 'OCMF' : c.alg === -8 ? 'Ed25519' : 'P-256',
              publicKey: hex(c.key),
              message: hex(c.msg),
              signature: hex(c.sig),
              ...(c.curve === undefined ? {} : { curve: c.curve }),
            }));
            // Two calls, as the verifier hands chunks over while it goes on.
            const half = Math.floor(jobs.length / 2);
            const parts = await Promise.all([
              checker(jobs.slice(0, half)),
              checker(jobs.slice(half)),
            ]);
            const stats = checker.stats();
            checker.close();
            return { verdicts: parts.flat(), stats, cores: navigator.hardwareConcurrency };
          } finally {
            subtle.importKey = importKey;
          }
        },
        { list, options },
      );
    }

    function expectVerdicts(r: Run): void {
      const got = Object.fromEntries(cases.map((c, i) => [c.name, r.verdicts[i]]));
      const want = Object.fromEntries(cases.map((c) => [c.name, c.expected]));
      expect(got).toEqual(want);
    }

    it('has fixtures of every kind, good and bad, for both engines', () => {
      expect(cases.filter((c) => c.alg === 'OCMF' && c.expected).length).toBeGreaterThan(40);
      expect(cases.filter((c) => c.alg === 'OCMF' && !c.expected).length).toBeGreaterThan(40);
      expect(cases.filter((c) => c.alg === 'OCMF' && c.curve === 'brainpoolP256r1').length).toBe(6);
      expect(cases.filter((c) => c.alg === 'OCMF' && c.curve === 'secp384r1').length).toBe(6);
      expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
      const generated = cases.filter((c) => c.made !== undefined);
      expect(generated.length).toBe(16);
      for (const c of generated) expect(c.expected, `the core on ${c.name}`).toBe(c.made);
    });

    it('gives the expected verdicts through WebCrypto in workers on every core', async () => {
      const r = await run(page, cases, {});
      expectVerdicts(r);
      expect(r.stats.workers).toBe(r.cores);
      // WebCrypto answered the Ed25519, P-256 and P-384 checks, @noble the other curves.
      expect(r.stats.webcrypto).toBeGreaterThanOrEqual(cases.filter((c) => c.web).length);
      const nobleCurves = cases.filter(
        (c) => c.alg === 'OCMF' && !['secp256r1', 'secp384r1'].includes(c.curve!),
      );
      expect(r.stats.noble).toBeGreaterThanOrEqual(nobleCurves.length);
    });

    it('gives the same verdicts on the @noble path', async () => {
      const r = await run(page, cases, { nobleOnly: true });
      expectVerdicts(r);
      expect(r.stats.webcrypto).toBe(0);
      expect(r.stats.workers).toBe(r.cores);
    });

    it('takes the core to decide an Ed25519 signature WebCrypto refuses', async () => {
      const torsion = cases.find((c) => c.name.includes('small-order component'))!;
      const bare = await page.evaluate(async (c) => {
        const hex = (s: string): Uint8Array<ArrayBuffer> =>
          Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));
        const key = await crypto.subtle.importKey('raw', hex(c.key), { name: 'Ed25519' }, false, [
          'verify',
        ]);
        return crypto.subtle.verify({ name: 'Ed25519' }, key, hex(c.sig), hex(c.msg));
      }, torsion);
      // BoringSSL's cofactorless check says no; the checker gives the core's yes.
      expect(bare).toBe(false);
      expect((await run(page, [torsion], {})).verdicts).toEqual([true]);
    });

    it('gives the same verdicts on the page when there are no workers', async () => {
      const r = await run(page, cases, { workers: 0 });
      expectVerdicts(r);
      expect(r.stats.workers).toBe(0);
      expect(r.stats.webcrypto).toBeGreaterThanOrEqual(cases.filter((c) => c.web).length);
    });

    it('moves the checks to the page when the worker does not load', async () => {
      const r = await run(page, cases, { workerSource: 'throw new Error("blocked")' });
      expectVerdicts(r);
      expect(r.stats.workers).toBe(0);
    });

    it('rejects the checks of a worker that fails after it loaded (the checker failed)', async () => {
      const failure = await page.evaluate(async () => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the page's global
        const w = (globalThis as any).wattproofTest;
        const source =
          'postMessage({ ready: true }); onmessage = () => { throw new Error("boom"); };';
        const checker = w.createWebCryptoChecker({ workerSource: source, workers: 1 });
        await new Promise((resolve) => setTimeout(resolve, 200));
        const job = {
          keyType: 'Ed25519',
          publicKey: new Uint8Array(32),
          message: new Uint8Array(1),
          signature: new Uint8Array(64),
        };
        try {
          await checker([job]);
          return 'answered';
        } catch (e) {
          return String(e);
        } finally {
          checker.close();
        }
      });
      expect(failure).toContain('signature worker failed');
    });

    it('falls back to @noble for Ed25519 in a browser without it, with the same verdicts', async () => {
      const r = await run(page, cases, { workers: 0, noEd25519: true });
      expectVerdicts(r);
      const ed = cases.filter((c) => c.alg === -8 && c.web).length;
      const ecdsa = cases.filter((c) => c.alg !== -8 && c.web).length;
      expect(r.stats.webcrypto).toBeGreaterThanOrEqual(ecdsa);
      expect(r.stats.webcrypto).toBeLessThan(ecdsa + ed);
    });

    it('starts its workers from a page opened from disk', async () => {
      const html = join(dir.path, 'page.html');
      const inline = js.replaceAll('</script', '<\\/script');
      await writeFile(
        html,
        `<!doctype html><meta charset="utf-8"><script type="module">${inline}</script>`,
      );
      const local = await browser.newPage();
      try {
        await local.goto(pathToFileURL(html).href);
        await local.waitForFunction(() => 'wattproofTest' in globalThis);
        const r = await run(local, cases, {});
        expectVerdicts(r);
        expect(r.stats.workers).toBe(r.cores);
        expect(r.stats.webcrypto).toBeGreaterThanOrEqual(cases.filter((c) => c.web).length);
      } finally {
        await local.close();
      }
    });

    describe('when a bundle is verified in the page with the checker', () => {
      let good: string;
      let forged: string;
      let vkey: string;

      beforeAll(async () => {
        await mkdir(dir.path, { recursive: true });
        f = await openFixture('wattproof.test/webcrypto');
        vkey = f.logKey.vkey;
        const a = new TestSigner('dev-a', 'device', ['meter-a']);
        const b = new TestSigner('dev-b', 'device', ['meter-b']);
        await register(f, a);
        await register(f, b);
        await appendReadings(f, a, [1, 2, 3, 4, 5, 6, 7, 8], T0);
        await appendReadings(f, b, [1, 2], T0);
        // meter-b's third reading: signed, then one bit of its signature flipped.
        const bytes = b.sign(b.reading('meter-b', 3, T0));
        bytes[bytes.length - 1]! ^= 0x01;
        await appendReading(f, bytes);
        await appendReadings(f, b, [4], T0);
        good = JSON.stringify(
          await buildBundle({ ...f, meters: ['meter-a'], from: T0, to: T0 + 7200 }),
        );
        forged = JSON.stringify(
          await buildBundle({ ...f, meters: ['meter-b'], from: T0, to: T0 + 7200 }),
        );
      }, 60_000);

      function inPage(text: string, nobleOnly: boolean): Promise<unknown> {
        return page.evaluate(
          async ({ text, vkey, nobleOnly }) => {
            // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the page's global
            const w = (globalThis as any).wattproofTest;
            const progress: number[][] = [];
            const checker = w.createWebCryptoChecker({
              nobleOnly,
              onProgress: (d: number, t: number) => progress.push([d, t]),
            });
            const v = await w.verifyBundleAsync(text, { logVkey: vkey }, checker);
            checker.close();
            const last = progress.at(-1);
            return v.valid
              ? { valid: true, summary: v.summary, last }
              : { valid: false, code: v.code, index: v.index ?? null, last };
          },
          { text, vkey, nobleOnly },
        );
      }

      it('verifies a valid bundle with the summary Node computes, on both paths', async () => {
        const node = verifyBundle(good, { logVkey: vkey });
        if (!node.valid) throw new Error(`${node.code}: ${node.message}`);
        for (const nobleOnly of [false, true]) {
          expect(await inPage(good, nobleOnly)).toEqual({
            valid: true,
            summary: node.summary,
            last: [8, 8],
          });
        }
      });

      it('refuses a forged reading signature at the entry Node names, on both paths', async () => {
        const node = verifyBundle(forged, { logVkey: vkey });
        expect(node).toMatchObject({ valid: false, code: 'BAD_READING_SIGNATURE' });
        for (const nobleOnly of [false, true]) {
          expect(await inPage(forged, nobleOnly)).toEqual({
            valid: false,
            code: 'BAD_READING_SIGNATURE',
            index: node.valid ? null : node.index,
            last: [4, 4],
          });
        }
      });
    });
  },
);
