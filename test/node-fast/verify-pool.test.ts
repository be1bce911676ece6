import { ECDH, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatBytes } from '../../src/core/bytes.ts';
import { OCMF_CURVES } from '../../src/core/ocmf/index.ts';
import { NobleVerifier, type SignatureCheck } from '../../src/core/signature/index.ts';
import { VerifyPool } from '../../src/node-fast/verify-pool.ts';
import {
  CURVES,
  derInt,
  derSig,
  generateKey,
  opensslHas,
  rsFromDer,
  tlv,
} from '../core/ocmf/helpers.ts';

/** A check with the verdict it must get. */
interface Case {
  readonly name: string;
  readonly check: SignatureCheck;
  readonly expected: boolean;
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const b64u = (s: string | undefined): Uint8Array =>
  new Uint8Array(Buffer.from(s ?? '', 'base64url'));
const flip = (b: Uint8Array, i: number): Uint8Array => {
  const c = Uint8Array.from(b);
  c[i]! ^= 0x01;
  return c;
};
const scalar = (v: bigint, len: number): Uint8Array =>
  Uint8Array.from(Buffer.from(v.toString(16).padStart(2 * len, '0'), 'hex'));

/** Ed25519 group order L (RFC 8032 §5.1). */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function ed25519Cases(round: number): Case[] {
  const k = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519');
  const pk = b64u(k.publicKey.export({ format: 'jwk' }).x);
  const message = utf8(`reading ${round} ${randomBytes(8).toString('hex')}`);
  const sig = new Uint8Array(sign(null, message, k.privateKey));
  const otherSig = new Uint8Array(sign(null, message, other.privateKey));
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i]!);
  const sPlusL = Uint8Array.from(sig);
  sPlusL.set(scalar(s + L, 32).reverse(), 32);
  const identity = concatBytes(Uint8Array.of(1), new Uint8Array(31));
  const ed = (
    name: string,
    publicKey: Uint8Array,
    m: Uint8Array,
    signature: Uint8Array,
    ok = false,
  ) =>
    ({
      name: `Ed25519 ${name}`,
      check: { keyType: 'Ed25519', publicKey, message: m, signature },
      expected: ok,
    }) as const;
  return [
    ed('valid', pk, message, sig, true),
    ed(
      'valid, empty message',
      pk,
      new Uint8Array(0),
      new Uint8Array(sign(null, new Uint8Array(0), k.privateKey)),
      true,
    ),
    ed('tampered message', pk, flip(message, 3), sig),
    ed('tampered R', pk, message, flip(sig, 5)),
    ed('tampered S', pk, message, flip(sig, 40)),
    ed('S + L (non-canonical S)', pk, message, sPlusL),
    ed('another key', pk, message, otherSig),
    ed('truncated signature', pk, message, sig.subarray(0, 63)),
    ed('empty signature', pk, message, new Uint8Array(0)),
    ed('key of 31 bytes', pk.subarray(0, 31), message, sig),
    ed('key of 33 bytes', concatBytes(pk, Uint8Array.of(0)), message, sig),
    ed(
      'small-order key with R = identity, S = 0',
      identity,
      message,
      concatBytes(identity, new Uint8Array(32)),
    ),
    ed('all-zero key', new Uint8Array(32), message, sig),
    ed(
      'non-canonical key y = p',
      concatBytes(Uint8Array.of(0xed), new Uint8Array(30).fill(0xff), Uint8Array.of(0x7f)),
      message,
      sig,
    ),
  ];
}

function p256Cases(round: number): Case[] {
  const k = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = k.publicKey.export({ format: 'jwk' });
  const pk = concatBytes(Uint8Array.of(4), b64u(jwk.x), b64u(jwk.y));
  const compressed = new Uint8Array(
    ECDH.convertKey(pk, 'prime256v1', undefined, undefined, 'compressed') as Buffer,
  );
  const hybrid = Uint8Array.from(pk);
  hybrid[0] = 6 + (pk[64]! & 1);
  const message = utf8(`P-256 reading ${round} ${randomBytes(8).toString('hex')}`);
  const rs = (key: typeof k.privateKey) =>
    new Uint8Array(sign('sha256', message, { key, dsaEncoding: 'ieee-p1363' }));
  const sig = rs(k.privateKey);
  const n = OCMF_CURVES.secp256r1.order;
  const r = BigInt('0x' + Buffer.from(sig.subarray(0, 32)).toString('hex'));
  const s = BigInt('0x' + Buffer.from(sig.subarray(32)).toString('hex'));
  const p = (
    name: string,
    publicKey: Uint8Array,
    m: Uint8Array,
    signature: Uint8Array,
    ok = false,
  ) =>
    ({
      name: `P-256 ${name}`,
      check: { keyType: 'P-256', publicKey, message: m, signature },
      expected: ok,
    }) as const;
  return [
    p('valid', pk, message, sig, true),
    p('valid, compressed key', compressed, message, sig, true),
    p(
      'valid, mirrored s (n − s)',
      pk,
      message,
      concatBytes(scalar(r, 32), scalar(n - s, 32)),
      true,
    ),
    p('tampered message', pk, flip(message, 0), sig),
    p('tampered r', pk, message, flip(sig, 2)),
    p('another key', pk, message, rs(other.privateKey)),
    p('DER instead of r ‖ s', pk, message, new Uint8Array(sign('sha256', message, k.privateKey))),
    p('r = 0', pk, message, concatBytes(new Uint8Array(32), scalar(s, 32))),
    p('s = n', pk, message, concatBytes(scalar(r, 32), scalar(n, 32))),
    p('65 bytes', pk, message, concatBytes(sig, Uint8Array.of(0))),
    p('hybrid 0x06/0x07 key', hybrid, message, sig),
    p('key off the curve', flip(pk, 64), message, sig),
    p('key without prefix', pk.subarray(1), message, sig),
    p('empty key', new Uint8Array(0), message, sig),
  ];
}

function ocmfCases(c: (typeof CURVES)[number], round: number): Case[] {
  const k = generateKey(c.openssl);
  const other = generateKey(c.openssl);
  const message = utf8(
    `{"FV":"1.0","RD":[{"RV":${round}.5,"RU":"kWh"}],"N":"${randomBytes(4).toString('hex')}"}`,
  );
  const der = new Uint8Array(sign('sha256', message, k.privateKey));
  const { r, s } = rsFromDer(der);
  const n = OCMF_CURVES[c.name].order;
  const padded = tlv(0x02, concatBytes(Uint8Array.of(0), derInt(r).subarray(2)));
  const o = (
    name: string,
    publicKey: Uint8Array,
    m: Uint8Array,
    signature: Uint8Array,
    ok = false,
  ) =>
    ({
      name: `OCMF ${c.name} ${name}`,
      check: { keyType: 'OCMF', publicKey, message: m, signature },
      expected: ok,
    }) as const;
  return [
    o('valid', k.spki, message, der, true),
    o('valid, compressed key', k.spkiCompressed, message, der, true),
    o('valid, mirrored s', k.spki, message, derSig(r, n - s), true),
    o('tampered message', k.spki, flip(message, 10), der),
    o('tampered s', k.spki, message, derSig(r, s === n - 1n ? 1n : s + 1n)),
    o('another key', other.spki, message, der),
    o('non-minimal INTEGER', k.spki, message, tlv(0x30, concatBytes(padded, derInt(s)))),
    o(
      'long-form length',
      k.spki,
      message,
      concatBytes(Uint8Array.of(0x30, 0x81, der[1]!), der.subarray(2)),
    ),
    o('trailing byte after signature', k.spki, message, concatBytes(der, Uint8Array.of(0))),
    o('s = n', k.spki, message, derSig(r, n)),
    o('truncated signature', k.spki, message, der.subarray(0, der.length - 1)),
    o('raw r ‖ s instead of DER', k.spki, message, concatBytes(scalar(r, 48), scalar(s, 48))),
    o('trailing byte after key', concatBytes(k.spki, Uint8Array.of(0)), message, der),
    o('key point off the curve', flip(k.spki, k.spki.length - 1), message, der),
    o('empty key', new Uint8Array(0), message, der),
  ];
}

const OCMF_CURVES_HERE = CURVES.filter((c) => opensslHas(c.openssl));

function allCases(round: number): Case[] {
  return [
    ...ed25519Cases(round),
    ...p256Cases(round),
    ...OCMF_CURVES_HERE.flatMap((c) => ocmfCases(c, round)),
  ];
}

const errors: string[] = [];
const logger = { error: (m: string) => void errors.push(m) };
let pool: VerifyPool;
const noble = new NobleVerifier();

beforeAll(() => {
  pool = new VerifyPool({ workers: 2, minChunk: 4, logger });
});
afterAll(async () => {
  await pool.close();
});

describe('when VerifyPool and NobleVerifier check the same inputs', () => {
  it('covers every OCMF curve on this OpenSSL', () => {
    expect(OCMF_CURVES_HERE.map((c) => c.name).sort()).toEqual(Object.keys(OCMF_CURVES).sort());
  });

  it('gives the expected verdict for valid, tampered and malformed inputs of every key type', async () => {
    const cases = [...allCases(1), ...allCases(2)];
    const checks = cases.map((c) => c.check);
    const [fromPool, fromNoble] = await Promise.all([
      pool.verifyBatch(checks),
      noble.verifyBatch(checks),
    ]);
    const table = cases.map((c, i) => ({
      name: c.name,
      expected: c.expected,
      pool: fromPool[i],
      noble: fromNoble[i],
    }));
    const wrong = table.filter((t) => t.pool !== t.expected || t.noble !== t.expected);
    expect(wrong).toEqual([]);
    expect(table.filter((t) => t.expected).length).toBeGreaterThan(20);
    expect(errors).toEqual([]);
  });

  it('keeps the order of a shuffled batch split across workers', async () => {
    const cases = fc.sample(fc.shuffledSubarray(allCases(3), { minLength: 60 }), 1)[0]!;
    const verdicts = await pool.verifyBatch(cases.map((c) => c.check));
    expect(verdicts).toEqual(cases.map((c) => c.expected));
  });

  it('agrees on random keys, signatures and messages', async () => {
    const keyType = fc.constantFrom('Ed25519', 'P-256', 'OCMF' as const);
    const check = fc.record({
      keyType,
      publicKey: fc.oneof(
        fc.uint8Array({ maxLength: 100 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc
          .uint8Array({ minLength: 64, maxLength: 64 })
          .map((b) => concatBytes(Uint8Array.of(4), b)),
      ),
      message: fc.uint8Array({ maxLength: 64 }),
      signature: fc.oneof(
        fc.uint8Array({ maxLength: 80 }),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
      ),
    });
    const checks = fc.sample(check, 300) as SignatureCheck[];
    const [a, b] = await Promise.all([pool.verifyBatch(checks), noble.verifyBatch(checks)]);
    expect(a).toEqual(b);
    expect(a.every((v) => v === false)).toBe(true);
  });

  it('answers false for an unknown key type and [] for an empty batch', async () => {
    const bogus = {
      keyType: 'RSA',
      publicKey: new Uint8Array(32),
      message: new Uint8Array(1),
      signature: new Uint8Array(64),
    } as unknown as SignatureCheck;
    expect(await pool.verifyBatch([bogus])).toEqual([false]);
    expect(await noble.verifyBatch([bogus])).toEqual([false]);
    expect(await pool.verifyBatch([])).toEqual([]);
  });
});

/** tsx's ESM API as a file URL (what the pool's bootstrap imports). */
function tsxApi(): string {
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  return pathToFileURL(join(dirname(pkg), 'dist/esm/api/index.mjs')).href;
}

/** A worker (a data: URL module around the real one) that exits on a message while `flag` exists. */
function crashingWorker(flag: string, once: boolean): URL {
  const workerTs = new URL('../../src/node-fast/verify-worker.ts', import.meta.url).href;
  const code = `
    import { parentPort } from 'node:worker_threads';
    import { existsSync, unlinkSync } from 'node:fs';
    const tsx = await import(${JSON.stringify(tsxApi())});
    tsx.register();
    const worker = await import(${JSON.stringify(workerTs)});
    // The real worker is loaded (and said ready); take over its messages.
    parentPort.removeAllListeners('message');
    const cache = new worker.KeyCache();
    parentPort.on('message', (req) => {
      if (existsSync(${JSON.stringify(flag)})) {
        if (${once}) unlinkSync(${JSON.stringify(flag)});
        process.exit(3);
      }
      const results = worker.verifyChunk(req.buffer, cache);
      parentPort.postMessage({ id: req.id, results }, [results.buffer]);
    });
  `;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

describe('when a worker dies', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wattproof-verify-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('replaces it and retries its chunk once', async () => {
    const flag = join(dir, 'crash-once');
    await writeFile(flag, '');
    const log: string[] = [];
    const p = new VerifyPool({
      workers: 1,
      workerUrl: crashingWorker(flag, true),
      logger: { error: (m) => void log.push(m) },
    });
    try {
      const cases = ed25519Cases(9);
      const verdicts = await p.verifyBatch(cases.map((c) => c.check));
      expect(existsSync(flag)).toBe(false); // a worker did crash on the chunk
      expect(verdicts).toEqual(cases.map((c) => c.expected));
      expect(p.workers).toBe(1);
      expect(log).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('answers false with an error logged when the retry dies too', async () => {
    const flag = join(dir, 'crash-always');
    await writeFile(flag, '');
    const log: string[] = [];
    const p = new VerifyPool({
      workers: 2,
      workerUrl: crashingWorker(flag, false),
      logger: { error: (m) => void log.push(m) },
    });
    try {
      const cases = ed25519Cases(10).filter((c) => c.expected);
      const verdicts = await p.verifyBatch(cases.map((c) => c.check));
      expect(verdicts).toEqual(cases.map(() => false));
      expect(log.some((m) => m.includes('died twice'))).toBe(true);
      expect(p.workers).toBe(2);
    } finally {
      await p.close();
    }
  });
});

describe('when the pool runs under node --import tsx', () => {
  it('starts its TypeScript workers and verifies', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const pool = new URL('../../src/node-fast/verify-pool.ts', import.meta.url).href;
    const code = `
      import { generateKeyPairSync, sign } from 'node:crypto';
      import { VerifyPool } from ${JSON.stringify(pool)};
      const k = generateKeyPairSync('ed25519');
      const publicKey = new Uint8Array(Buffer.from(k.publicKey.export({ format: 'jwk' }).x, 'base64url'));
      const message = new Uint8Array([1, 2, 3]);
      const signature = new Uint8Array(sign(null, message, k.privateKey));
      const p = new VerifyPool({ workers: 1, logger: { error: (m) => console.log('ERROR ' + m) } });
      const r = await p.verifyBatch([
        { keyType: 'Ed25519', publicKey, message, signature },
        { keyType: 'Ed25519', publicKey, message: new Uint8Array([9]), signature },
      ]);
      console.log(JSON.stringify({ r, workers: p.workers }));
      await p.close();
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', code],
      { cwd: new URL('../..', import.meta.url).pathname, timeout: 15_000 },
    );
    expect(JSON.parse(stdout.trim())).toEqual({ r: [true, false], workers: 1 });
  });
});
