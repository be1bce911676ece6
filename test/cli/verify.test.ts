import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVerify } from '../../src/cli/verify.ts';
import { cosignatureV1VkeyOf, generateEd25519Key } from '../../src/core/note/index.ts';
import vector from '../core/bundle/bundle-v1.json' with { type: 'json' };
import { tempDir } from '../helpers/tmp-dir.ts';

let tmp: { path: string; remove: () => Promise<void> };
let good: string;
let bad: string;

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runVerify(args, {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
  });
  return { code, out, err };
}

beforeAll(async () => {
  tmp = await tempDir();
  good = join(tmp.path, 'good.json');
  bad = join(tmp.path, 'bad.json');
  await writeFile(good, JSON.stringify(vector.bundle));
  const tampered = JSON.parse(JSON.stringify(vector.bundle));
  tampered.summary.totals.importWh = 9999;
  await writeFile(bad, JSON.stringify(tampered));
});
afterAll(async () => {
  await tmp?.remove();
});

describe('when the bundle is valid', () => {
  it('prints OK with the energy per meter and hour, and exits 0', async () => {
    const r = await run([good, '--log-key', vector.logVkey]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^OK bundle of log wattproof.example\/eu-central-1 at tree size 18\n/);
    expect(r.out).toContain('meter meter-a: 7 readings (device 7, platform 0), import 3500 Wh');
    expect(r.out).toContain('2026-01-01T01:00Z  import 2000 Wh  export 0 Wh');
    expect(r.out).toContain('gap: sequence 3..3 missing');
    expect(r.out).toContain('total: 7 readings, import 3500 Wh, export 0 Wh, erased 0');
  });

  it('names the trusted witnesses that cosigned, and prints JSON on request', async () => {
    const r = await run([
      good,
      '--log-key',
      vector.logVkey,
      '--witness',
      vector.witnessVkey,
      '--min-witnesses',
      '1',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const v = JSON.parse(r.out);
    expect(v).toMatchObject({ valid: true, witnesses: ['witness.example/w1'], treeSize: 18 });
    expect(v.summary).toEqual(vector.bundle.summary);
  });
});

describe('when the bundle is not valid', () => {
  it('prints FAILED with the code and exits 1', async () => {
    const r = await run([bad, '--log-key', vector.logVkey]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAILED SUMMARY_MISMATCH: /);
    const j = await run([bad, '--log-key', vector.logVkey, '--json']);
    expect(JSON.parse(j.out)).toMatchObject({ valid: false, code: 'SUMMARY_MISMATCH' });
  });

  it('fails when a required witness has not cosigned', async () => {
    const other = cosignatureV1VkeyOf(generateEd25519Key('witness.example/w2').skey);
    const r = await run([
      good,
      '--log-key',
      vector.logVkey,
      '--witness',
      other,
      '--min-witnesses',
      '1',
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAILED TOO_FEW_WITNESSES/);
  });
});

describe('when the command line is wrong', () => {
  it('rejects usage errors with exit status 2', async () => {
    const cases = [
      [],
      [good],
      [good, good, '--log-key', vector.logVkey],
      [good, '--log-key', 'not-a-key'],
      [good, '--log-key', vector.logVkey, '--min-witnesses', '-1'],
      [good, '--log-key', vector.logVkey, '--bogus'],
      [join(tmp.path, 'missing.json'), '--log-key', vector.logVkey],
    ];
    for (const args of cases) {
      const r = await run(args);
      expect([args, r.code]).toEqual([args, 2]);
      expect(r.err).toContain('usage: wattproof verify');
    }
  });

  it('prints its usage with --help', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--min-witnesses');
  });
});
