import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslEd25519, withSignatureChecker } from '../../src/node-fast/signature-checker.ts';
import { ed25519VerifyStrict, useFasterEd25519 } from '../../src/core/ed25519.ts';
import { runVerify } from '../../src/cli/verify.ts';
import {
  verifyBundle,
  verifyBundleAsync,
  type ReadingSignatureCheck,
} from '../../src/core/bundle/index.ts';
import { CoseAlg, verifyWithAlg } from '../../src/core/cose/index.ts';
import { nodeHasher } from '../../src/node-fast/node-hasher.ts';
import vector from '../core/bundle/bundle-v1.json' with { type: 'json' };
import { torsionSignature } from '../helpers/ed25519-torsion.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

const policy = { logVkey: vector.logVkey };

function ed25519Job(index: number, message: Uint8Array): ReadingSignatureCheck {
  const seed = new Uint8Array(32).fill(index + 1);
  return {
    index,
    keyType: 'Ed25519',
    publicKey: ed25519.getPublicKey(seed),
    message,
    signature: ed25519.sign(message, seed),
  };
}

describe('the node:crypto signature checker', () => {
  const jobs = Array.from({ length: 40 }, (_, i) => ed25519Job(i, new Uint8Array([i, 1, 2, 3])));
  const flipped = jobs.map((j, i) =>
    i === 7 ? { ...j, signature: j.signature.map((b, k) => (k === 0 ? b ^ 1 : b)) } : j,
  );
  const badKey = jobs.map((j, i) => (i === 3 ? { ...j, publicKey: new Uint8Array(5) } : j));

  for (const threshold of [1_000_000, 1]) {
    const where = threshold === 1 ? 'on the worker pool' : 'in this thread';
    it(`accepts good signatures and refuses a flipped one or a malformed key, ${where}`, async () => {
      await withSignatureChecker(
        async (check) => {
          expect(await check(jobs)).toEqual(jobs.map(() => true));
          const r1 = await check(flipped);
          expect(r1.indexOf(false)).toBe(7);
          expect(r1.filter((x) => !x)).toHaveLength(1);
          const r2 = await check(badKey);
          expect(r2.indexOf(false)).toBe(3);
          expect(r2.filter((x) => !x)).toHaveLength(1);
        },
        { threshold },
      );
    });
  }

  const message = new Uint8Array([9, 8, 7]);
  const seed = new Uint8Array(32).fill(77);
  const edKey = ed25519.getPublicKey(seed);
  const p256Secret = new Uint8Array(32).fill(5);
  const lowS = p256.sign(message, p256Secret, { prehash: true, lowS: true, format: 'compact' });
  const n = p256.Point.Fn.ORDER;
  const s = BigInt(`0x${Buffer.from(lowS.subarray(32)).toString('hex')}`);
  const highS = new Uint8Array([
    ...lowS.subarray(0, 32),
    ...Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex'),
  ]);
  const job = (
    alg: -8 | -7,
    publicKey: Uint8Array,
    signature: Uint8Array,
  ): ReadingSignatureCheck => ({
    index: 0,
    keyType: alg === CoseAlg.EdDSA ? 'Ed25519' : 'P-256',
    publicKey,
    message,
    signature,
  });
  /** Each check with the verdict the pure core gives (asserted below to be the one intended). */
  const edge: [string, ReadingSignatureCheck, boolean][] = [
    ['ES256, uncompressed key', job(-7, p256.getPublicKey(p256Secret, false), lowS), true],
    ['ES256, compressed key', job(-7, p256.getPublicKey(p256Secret, true), lowS), true],
    ['ES256, high S', job(-7, p256.getPublicKey(p256Secret, true), highS), true],
    [
      'ES256, DER signature',
      job(
        -7,
        p256.getPublicKey(p256Secret),
        p256.sign(message, p256Secret, { prehash: true, format: 'der' }),
      ),
      false,
    ],
    [
      'Ed25519, small-order key',
      job(
        -8,
        Buffer.from('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'hex'),
        ed25519.sign(message, seed),
      ),
      false,
    ],
    [
      'Ed25519, 65-byte signature',
      job(-8, edKey, new Uint8Array([...ed25519.sign(message, seed), 0])),
      false,
    ],
    [
      'Ed25519, R with a small-order part (cofactored only)',
      job(-8, edKey, torsionSignature(seed, message)),
      true,
    ],
  ];

  it('leaves the core its Ed25519 verdicts with OpenSSL installed as its first check', () => {
    const ed = edge.filter(([, j]) => j.keyType === 'Ed25519');
    const flipped = ed25519.sign(message, seed);
    flipped[5]! ^= 1;
    const cases: [string, Uint8Array, Uint8Array][] = [
      ...ed.map(([name, j]): [string, Uint8Array, Uint8Array] => [name, j.signature, j.publicKey]),
      ['good', ed25519.sign(message, seed), edKey],
      ['flipped', flipped, edKey],
      ['short key', ed25519.sign(message, seed), edKey.subarray(1)],
    ];
    const verdicts = (): boolean[] =>
      cases.map(([, sig, key]) => ed25519VerifyStrict(sig, message, key));
    useFasterEd25519(undefined); // as the core is on its own (a verify run installs it)
    const before = verdicts();
    useFasterEd25519(opensslEd25519);
    try {
      expect(verdicts()).toEqual(before);
      expect(before).toEqual([false, false, true, true, false, false]);
      // OpenSSL alone accepts none of the crafted ones: the core decided them.
      expect(cases.map(([, sig, key]) => opensslEd25519(sig, message, key))).toEqual([
        false,
        false,
        false,
        true,
        false,
        false,
      ]);
    } finally {
      useFasterEd25519(undefined);
    }
  });

  it('has edge cases the pure core decides as intended', () => {
    for (const [name, j, want] of edge) {
      let core: boolean;
      try {
        const alg = j.keyType === 'Ed25519' ? CoseAlg.EdDSA : CoseAlg.ES256;
        core = verifyWithAlg(alg, j.signature, j.message, j.publicKey);
      } catch {
        core = false;
      }
      expect(core, name).toBe(want);
    }
  });

  for (const threshold of [1_000_000, 1]) {
    const where = threshold === 1 ? 'on the worker pool' : 'in this thread';
    it(`gives the pure core's verdicts on ES256, bad keys and crafted Ed25519, ${where}`, async () => {
      const progress: [number, number][] = [];
      const got = await withSignatureChecker((check) => check(edge.map(([, j]) => j)), {
        threshold,
        onProgress: (d, t) => progress.push([d, t]),
      });
      expect(Object.fromEntries(edge.map(([name], i) => [name, got[i]]))).toEqual(
        Object.fromEntries(edge.map(([name, , want]) => [name, want])),
      );
      expect(progress.at(-1)).toEqual([edge.length, edge.length]);
    });
  }

  it('rejects checks still running when it is closed, never answering them', async () => {
    let pending: Promise<readonly boolean[]> | undefined;
    await withSignatureChecker(
      async (check) => {
        pending = check(jobs);
      },
      { threshold: 1 },
    );
    await expect(pending).rejects.toThrow('closed');
  });

  it('gives the same verdict as the pure core on a real bundle, pool forced', async () => {
    const pure = verifyBundle(vector.bundle, policy);
    let progressed = 0;
    const pooled = await withSignatureChecker(
      (check) => verifyBundleAsync(vector.bundle, policy, check),
      { threshold: 1, onProgress: (done) => (progressed = done) },
    );
    expect(pure.valid).toBe(true);
    expect(pooled).toEqual(pure);
    expect(progressed).toBeGreaterThan(0);
  });
});

describe('verifyBundleAsync', () => {
  it('gives the same verdict with node:crypto SHA-256 as with the core one', async () => {
    const pure = verifyBundle(vector.bundle, policy);
    const fast = await withSignatureChecker((check) =>
      verifyBundleAsync(vector.bundle, policy, check, { hasher: nodeHasher }),
    );
    expect(fast).toEqual(pure);
    const tampered = structuredClone(vector.bundle);
    tampered.proof.hashes[0] = tampered.proof.hashes[1]!;
    const refused = verifyBundle(tampered, policy, { hasher: nodeHasher });
    expect(refused).toMatchObject({ valid: false, code: 'PROOF_MISMATCH' });
  });

  it('fails the reading whose signature the checker refuses, naming its index', async () => {
    let seen: readonly ReadingSignatureCheck[] = [];
    const v = await verifyBundleAsync(vector.bundle, policy, async (js) => {
      seen = js;
      return js.map((_, i) => i !== 2);
    });
    expect(seen.length).toBeGreaterThan(2);
    expect(v).toMatchObject({ valid: false, code: 'BAD_READING_SIGNATURE', index: seen[2]!.index });
  });

  it('refuses hostile bundles before asking for any signature', async () => {
    let asked = false;
    const v = await verifyBundleAsync({ format: 'nope' }, policy, async (js) => {
      asked = true;
      return js.map(() => true);
    });
    expect(v).toMatchObject({ valid: false, code: 'UNSUPPORTED_FORMAT' });
    expect(asked).toBe(false);
  });

  it('rejects when the checker itself fails or answers the wrong number of jobs', async () => {
    await expect(
      verifyBundleAsync(vector.bundle, policy, () => Promise.reject(new Error('worker died'))),
    ).rejects.toThrow('worker died');
    const v = await verifyBundleAsync(vector.bundle, policy, async () => [true]);
    expect(v).toMatchObject({ valid: false, code: 'VERIFIER_ERROR' });
    if (!v.valid) expect(v.message).toContain('signature checker gave 1 results');
  });
});

describe('wattproof verify on a gzipped bundle', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(async () => {
    await tmp?.remove();
  });

  async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await runVerify(args, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
    return { code, out, err };
  }

  it('reads .json.gz as it reads .json', async () => {
    const file = join(tmp.path, 'bundle.json.gz');
    await writeFile(file, gzipSync(JSON.stringify(vector.bundle)));
    const r = await run([file, '--log-key', vector.logVkey]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^OK bundle of log /);
  });

  it('says so when a gzip file is damaged', async () => {
    const file = join(tmp.path, 'broken.json.gz');
    const gz = gzipSync(JSON.stringify(vector.bundle));
    await writeFile(file, gz.subarray(0, gz.length >> 1));
    const r = await run([file, '--log-key', vector.logVkey]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('not a readable gzip file');
  });
});
