import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../../src/bundle/index.ts';
import { runVerify } from '../../src/cli/verify.ts';
import { verifyBundle } from '../../src/core/bundle/index.ts';
import { cosignatureV1VkeyOf, generateEd25519Key } from '../../src/core/note/index.ts';
import {
  appendReading,
  appendReadings,
  openFixture,
  register,
  type Fixture,
} from '../bundle/fixture.ts';
import vector from '../core/bundle/bundle-v1.json' with { type: 'json' };
import { TestSigner } from '../e2e/node-harness.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');
const T0 = 1_767_225_600; // 2026-01-01T00:00Z
const LAST = Number.MAX_SAFE_INTEGER;

let tmp: { path: string; remove: () => Promise<void> };
let good: string;
let bad: string;

/** Runs `wattproof <args>` in its own process (optionally with a module preloaded). */
function cli(
  args: readonly string[],
  preload?: string,
): Promise<{ code: number; out: string; err: string }> {
  const pre = preload === undefined ? [] : ['--import', pathToFileURL(preload).href];
  return new Promise((resolve) => {
    execFile(process.execPath, [...pre, '--import', 'tsx', MAIN, ...args], (error, out, err) => {
      const code = error === null ? 0 : (error as { code?: unknown }).code;
      resolve({ code: typeof code === 'number' ? code : -1, out, err });
    });
  });
}

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

  it('refuses bytes that are not UTF-8 or JSON as the core does (MALFORMED_BUNDLE)', async () => {
    const text = JSON.stringify(vector.bundle);
    const at = text.indexOf('meter-a');
    const cases: [string, Uint8Array][] = [
      // 0xff can start no UTF-8 sequence (RFC 3629 §3), here inside a JSON string.
      [
        'invalid UTF-8',
        Buffer.concat([
          Buffer.from(text.slice(0, at)),
          Buffer.of(0xff),
          Buffer.from(text.slice(at)),
        ]),
      ],
      // A byte order mark is kept by the core's decoder, and then it is not JSON.
      ['a BOM', Buffer.concat([Buffer.of(0xef, 0xbb, 0xbf), Buffer.from(text)])],
    ];
    for (const [name, bytes] of cases) {
      const file = join(tmp.path, `${name}.json`);
      await writeFile(file, bytes);
      const core = verifyBundle(bytes, { logVkey: vector.logVkey });
      const r = await run([file, '--log-key', vector.logVkey, '--json']);
      expect([name, r.code, JSON.parse(r.out).code]).toEqual([name, 1, 'MALFORMED_BUNDLE']);
      expect(JSON.parse(r.out).message).toBe(core.valid ? null : core.message);
    }
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

describe('when a bundle comes from a log that counts energy twice, or names the last time', () => {
  let f: Fixture;
  let vkey: string;
  let huge: string;
  let overlap: string;
  let overlapAt: { first: number; second: number };

  beforeAll(async () => {
    f = await openFixture('wattproof.test/verify-cli');
    vkey = f.log.vkey;
    const a = new TestSigner('dev-a', 'device', ['meter-a']);
    const o = new TestSigner('dev-o', 'device', ['meter-o']);
    await register(f, a);
    await register(f, o);
    await appendReadings(f, a, [1, 2], T0);
    // Quarter hours 2 and 3 of meter-o, then quarter hour 3 again with a higher register.
    const first = await appendReading(f, o.sign(o.reading('meter-o', 2, T0)));
    await appendReadings(f, o, [3], T0);
    const second = await appendReading(
      f,
      o.sign(
        o.reading('meter-o', 4, T0, {
          intervalStart: T0 + 900,
          intervalEnd: T0 + 1800,
          registerWh: 20_000,
        }),
      ),
    );
    overlapAt = { first, second };
    huge = join(tmp.path, 'huge.json');
    overlap = join(tmp.path, 'overlap.json');
    await writeFile(
      huge,
      JSON.stringify(await buildBundle({ ...f, meters: ['meter-a'], from: 0, to: LAST })),
    );
    await writeFile(
      overlap,
      JSON.stringify(await buildBundle({ ...f, meters: ['meter-o'], from: T0, to: T0 + 3600 })),
    );
  });
  afterAll(async () => {
    await f?.close();
  });

  it('verifies a bundle whose period ends at 2^53 − 1 through the wattproof command', async () => {
    const r = await cli(['verify', huge, '--log-key', vkey]);
    expect(r.err).toBe('');
    expect([r.code, r.out.split('\n')[0]]).toEqual([
      0,
      `OK bundle of log wattproof.test/verify-cli at tree size ${f.log.size}`,
    ]);
    expect(r.out).toContain('gap: no reading for 2026-01-01T00:30Z .. +285428751-11-12T07:36:31Z');
    const j = await cli(['verify', huge, '--log-key', vkey, '--json']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.out).summary.period).toEqual({ from: 0, to: LAST });
  });

  it('refuses overlapping readings (exit 1) with the code in words and both entries', async () => {
    const r = await cli(['verify', overlap, '--log-key', vkey]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`^FAILED INTERVAL_OVERLAP \\(entry ${overlapAt.second}\\): `));
    expect(r.out).toContain('two readings of one meter and register overlap in time');
    expect(r.out).toContain(
      `    entry ${overlapAt.first}: 2026-01-01T00:15Z .. 2026-01-01T00:30Z, register 11000 Wh, energy 500 Wh`,
    );
    expect(r.out).toContain(
      `    entry ${overlapAt.second}: 2026-01-01T00:15Z .. 2026-01-01T00:30Z, register 20000 Wh, energy 500 Wh`,
    );
    const j = await run([overlap, '--log-key', vkey, '--json']);
    expect(j.code).toBe(1);
    const v = JSON.parse(j.out);
    expect(v).toMatchObject({ valid: false, code: 'INTERVAL_OVERLAP', index: overlapAt.second });
    expect(v.evidence.entries.map((e: { index: number }) => e.index)).toEqual([
      overlapAt.first,
      overlapAt.second,
    ]);
  });

  it('lists the verified readings and their channels with --readings', async () => {
    const r = await run([huge, '--log-key', vkey, '--readings']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /entry \d+ {2}meter-a {2}sequence 1 {2}device dev-a {2}2026-01-01T00:00Z \.\. 2026-01-01T00:15Z/,
    );
    expect(r.out).toContain(
      '    1-0:1.8.0  2026-01-01T00:00Z .. 2026-01-01T00:15Z  register 10500 Wh  energy 500 Wh',
    );
    const j = await run([huge, '--log-key', vkey, '--readings', '--json']);
    expect(
      JSON.parse(j.out).readings.map((x: { sequence: number; channels: unknown[] }) => [
        x.sequence,
        x.channels.length,
      ]),
    ).toEqual([
      [1, 1],
      [2, 1],
    ]);
  });

  it('exits 3, not 1, when the verifier itself fails (here: its output)', async () => {
    const broken = join(tmp.path, 'broken-stdout.mjs');
    await writeFile(
      broken,
      "process.stdout.write = () => { throw new Error('simulated EIO on stdout'); };\n",
    );
    const r = await cli(['verify', good, '--log-key', vector.logVkey], broken);
    expect(r.code).toBe(3);
    expect(r.err).toContain('internal error (not a verdict on the bundle)');
    expect(r.err).toContain('simulated EIO on stdout');
    // The same bundle and options without the fault: valid.
    expect((await cli(['verify', good, '--log-key', vector.logVkey])).code).toBe(0);
  });
});
