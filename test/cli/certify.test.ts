/**
 * `wattproof certify` on a bundle a running node (embedded broker) served over HTTP: the
 * hourly records, GO units and footprint of its readings; and on a tampered copy, a non-zero
 * exit with the verifier's code and no output file.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../../src/bundle/index.ts';
import { runCertify } from '../../src/cli/certify.ts';
import type { Certification } from '../../src/core/certify/index.ts';
import { cosignatureV1VkeyOf, generateEd25519Key } from '../../src/core/note/index.ts';
import {
  meterTopic,
  Publisher,
  startTestNode,
  TestSigner,
  waitFor,
  type TestNode,
} from '../e2e/node-harness.ts';
import { tempDir } from '../helpers/tmp-dir.ts';
import {
  appendReading,
  appendReadings,
  openFixture,
  register,
  type Fixture,
} from '../bundle/fixture.ts';

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');
const HOUR = 3600;
const T0 = Math.floor(Date.now() / 1000 / HOUR) * HOUR - 2 * 86_400;
const EXPORT = '1-0:2.8.0';

function iso(s: number): string {
  return new Date(s * 1000).toISOString().replace('.000Z', 'Z');
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCertify(args, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

describe('when certifying a bundle served by a node', () => {
  let t: TestNode;
  let pub: Publisher;
  let tmp: { path: string; remove: () => Promise<void> };
  let good: string;
  let bad: string;
  let vkey: string;
  const dev = new TestSigner('dev-cert', 'device', ['meter-cert']);

  beforeAll(async () => {
    tmp = await tempDir();
    t = await startTestNode('embedded');
    vkey = t.node.vkey;
    await dev.register(t.node);
    const issuer = (await t.node.tokens.createToken('issuer', 'certify test')).token;
    pub = await Publisher.connect(t.brokerUrl, t.topicRoot);
    const m = dev.meters[0]!;
    const readings = [
      // Hour 0: 4 × 2000 Wh exported.
      ...[1, 2, 3, 4].map((seq) =>
        dev.reading(m, seq, T0, { obis: EXPORT, energyWh: 2000, registerWh: 100_000 + seq * 2000 }),
      ),
      // Hour 1: 4 × 500 Wh imported.
      ...[5, 6, 7, 8].map((seq) => dev.reading(m, seq, T0)),
      // Two hours exported in one reading: in the GO, not in an hourly record.
      dev.reading(m, 9, T0, {
        obis: EXPORT,
        intervalStart: T0 + 2 * HOUR,
        intervalEnd: T0 + 4 * HOUR,
        energyWh: 15_000,
        registerWh: 123_000,
      }),
    ];
    const before = t.node.ingest.stats.accepted;
    for (const r of readings) await pub.publish(meterTopic(t.topicRoot, m), dev.sign(r));
    await waitFor(() => t.node.ingest.stats.accepted >= before + 9, '9 readings accepted');
    const res = await fetch(`${t.node.url}/v1/bundles`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${issuer}` },
      body: JSON.stringify({ meters: [m], from: T0, to: T0 + 4 * HOUR }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    good = join(tmp.path, 'bundle.json');
    await writeFile(good, text);
    const tampered = JSON.parse(text) as { entries: { salt: string }[] };
    const salt = tampered.entries[2]!.salt;
    tampered.entries[2]!.salt = (salt[0] === 'A' ? 'B' : 'A') + salt.slice(1);
    bad = join(tmp.path, 'tampered.json');
    await writeFile(bad, JSON.stringify(tampered));
  });
  afterAll(async () => {
    await pub?.close();
    await t?.close();
    await tmp?.remove();
  });

  it('writes the hourly records, GO units and footprint as JSON, hashed to the file bytes', async () => {
    const out = join(tmp.path, 'cert.json');
    const r = await run([
      good,
      '--log-key',
      vkey,
      '--emission-factor',
      '231.5',
      '--carry-in',
      '999990',
      '--json',
      '--out',
      out,
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(`wrote ${out}: 2 hourly records, 1 GO units\n`);
    const c = JSON.parse(await readFile(out, 'utf8')) as Certification;
    const hash = createHash('sha256')
      .update(await readFile(good))
      .digest('hex');
    expect(c.evidenceSha256).toBe(hash);
    expect(
      c.granularCertificates.map((g) => [
        g.deviceId,
        g.direction,
        g.productionStartingInterval,
        g.productionEndingInterval,
        g.bundleQuantity,
        g.trustModes,
        g.entries.length,
        g.evidenceSha256,
      ]),
    ).toEqual([
      ['meter-cert', 'production', iso(T0), iso(T0 + HOUR), 8000, ['device'], 4, hash],
      ['meter-cert', 'consumption', iso(T0 + HOUR), iso(T0 + 2 * HOUR), 2000, ['device'], 4, hash],
    ]);
    expect(c.excluded).toEqual([
      expect.objectContaining({ deviceId: 'meter-cert', reason: 'LONGER_THAN_AN_HOUR' }),
    ]);
    // 8000 + 15 000 Wh produced + 999 990 carried = 1 022 990 Wh: 1 unit, 22 990 Wh carried.
    expect(c.guaranteesOfOrigin).toEqual([
      expect.objectContaining({
        productionWh: 23_000,
        carryInWh: 999_990,
        units: 1,
        carryOutWh: 22_990,
        evidenceSha256: hash,
      }),
    ]);
    // 2000 Wh × 231.5 g/kWh = 463 g.
    expect(c.scope2?.total).toEqual({ consumptionWh: '2000', co2eG: '463', co2eGRoundedUp: 463 });
  });

  it('reads a gzipped bundle and hashes the JSON inside', async () => {
    const json = await readFile(good);
    const gz = join(tmp.path, 'bundle.json.gz');
    await writeFile(gz, gzipSync(json));
    const r = await run([gz, '--log-key', vkey, '--json']);
    expect(r.code).toBe(0);
    const c = JSON.parse(r.out) as Certification;
    expect(c.evidenceSha256).toBe(createHash('sha256').update(json).digest('hex'));
    expect(c.granularCertificates.map((g) => g.bundleQuantity)).toEqual([8000, 2000]);
  });

  it('prints a human table through the wattproof command', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      MAIN,
      'certify',
      good,
      '--log-key',
      vkey,
      '--emission-factor',
      '231.5',
    ]);
    expect(stdout).toMatch(/^OK bundle of log .* at tree size \d+\nevidence sha256 [0-9a-f]{64}\n/);
    expect(stdout).toMatch(
      new RegExp(`meter-cert +production +${iso(T0).replace(':00Z', 'Z')} .* 8000 +device +4`),
    );
    expect(stdout).toMatch(
      /not certified: entry \d+ \(meter-cert 1-0:2\.8\.0\): LONGER_THAN_AN_HOUR/,
    );
    expect(stdout).toMatch(/meter-cert +23000 +0 +0 +23000/);
    expect(stdout).toMatch(/total +2000 +463 +463/);
  });

  it('refuses a tampered bundle with the verifier code, exit 1, and writes no file', async () => {
    const out = join(tmp.path, 'never.json');
    const r = await run([bad, '--log-key', vkey, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAILED PROOF_MISMATCH: /);
    expect(r.out).toContain('no certificates');
    expect(await exists(out)).toBe(false);
    const j = await run([bad, '--log-key', vkey, '--json']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.out)).toMatchObject({ valid: false, code: 'PROOF_MISMATCH' });
  });

  it('refuses a bundle cosigned by too few witnesses with the verifier code', async () => {
    const witness = cosignatureV1VkeyOf(generateEd25519Key('witness.example/w9').skey);
    const r = await run([good, '--log-key', vkey, '--witness', witness, '--min-witnesses', '1']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAILED TOO_FEW_WITNESSES: /);
  });

  it('answers usage errors with exit 2', async () => {
    const cases = [
      [good],
      [good, '--log-key', 'nonsense'],
      [good, '--log-key', vkey, '--emission-factor', '1e3'],
      [good, '--log-key', vkey, '--carry-in', '1000000'],
      [good, '--log-key', vkey, '--carry-in', 'meter-other=5'],
      [good, '--log-key', vkey, '--carry-in', '5', '--carry-in', 'meter-cert=6'],
      [good, '--log-key', vkey, '--min-witnesses', '-1'],
      [join(tmp.path, 'missing.json'), '--log-key', vkey],
      [good, '--log-key', vkey, '--bogus'],
      [good, '--log-key', vkey, '--out', join(tmp.path, 'no-such-dir', 'cert.json')],
    ];
    for (const args of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toContain('usage: wattproof certify');
      expect(r.out).toBe('');
    }
  });
});

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

describe('when certifying bundles of a log built by hand', () => {
  const Q = 900;
  const START = 1_767_225_600; // 2026-01-01T00:00Z
  const LAST = Number.MAX_SAFE_INTEGER;
  let f: Fixture;
  let tmp: { path: string; remove: () => Promise<void> };
  let huge: string;
  let overlap: string;
  let big: string;
  let secondRun: number;

  beforeAll(async () => {
    tmp = await tempDir();
    f = await openFixture('wattproof.test/certify-cli');
    const a = new TestSigner('dev-a', 'device', ['meter-a']);
    const o = new TestSigner('dev-o', 'device', ['meter-o']);
    const g = new TestSigner('dev-big', 'device', ['meter-big']);
    await register(f, a);
    await register(f, o);
    await register(f, g);
    await appendReadings(f, a, [1, 2], START, { obis: EXPORT });
    await appendReadings(f, g, [1], START, { registerWh: 9e12, energyWh: 9e12 });
    // Issue 17: Q1–Q4 (sequences 1000–1003), then Q2–Q5 (2000–2003) with a higher register.
    const quarter = (q: number, registerWh: number) => ({
      intervalStart: START + q * Q,
      intervalEnd: START + (q + 1) * Q,
      registerWh,
      energyWh: 110,
      obis: EXPORT,
    });
    for (let q = 0; q < 4; q++) {
      await appendReading(
        f,
        o.sign(o.reading('meter-o', 1000 + q, START, quarter(q, 10_000 + (q + 1) * 110))),
      );
    }
    for (let q = 1; q < 5; q++) {
      const at = await appendReading(
        f,
        o.sign(o.reading('meter-o', 1999 + q, START, quarter(q, 20_000 + q * 110))),
      );
      if (q === 1) secondRun = at;
    }
    huge = join(tmp.path, 'huge.json');
    overlap = join(tmp.path, 'overlap.json');
    big = join(tmp.path, 'big.json');
    await writeFile(
      big,
      JSON.stringify(
        await buildBundle({ ...f, meters: ['meter-big'], from: START, to: START + HOUR }),
      ),
    );
    await writeFile(
      huge,
      JSON.stringify(await buildBundle({ ...f, meters: ['meter-a'], from: 0, to: LAST })),
    );
    await writeFile(
      overlap,
      JSON.stringify(
        await buildBundle({ ...f, meters: ['meter-o'], from: START, to: START + 2 * HOUR }),
      ),
    );
  });
  afterAll(async () => {
    await f?.close();
    await tmp?.remove();
  });

  it('certifies a bundle whose period ends at 2^53 − 1, with the end in the expanded form', async () => {
    const r = await cli(['certify', huge, '--log-key', f.log.vkey, '--json']);
    expect([r.code, r.err]).toEqual([0, '']);
    const c = JSON.parse(r.out) as Certification;
    expect(c.period).toEqual({ start: '1970-01-01T00:00:00Z', end: '+285428751-11-12T07:36:31Z' });
    expect(c.granularCertificates.map((g) => g.bundleQuantity)).toEqual([1000]);
    const human = await cli(['certify', huge, '--log-key', f.log.vkey]);
    expect(human.code).toBe(0);
    expect(human.out).toContain('period 1970-01-01T00:00Z .. +285428751-11-12T07:36:31Z');
  });

  it('gives no figures for the overlapping readings: refused INTERVAL_OVERLAP, exit 1', async () => {
    const r = await cli(['certify', overlap, '--log-key', f.log.vkey]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`^FAILED INTERVAL_OVERLAP \\(entry ${secondRun}\\): `));
    expect(r.out).toContain('their energy would count twice');
    expect(r.out).toContain('no certificates: the bundle was refused');
    expect(r.out).not.toMatch(/granular certificate records/);
    const j = await run([overlap, '--log-key', f.log.vkey, '--json']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.out)).toMatchObject({
      valid: false,
      code: 'INTERVAL_OVERLAP',
      index: secondRun,
    });
  });

  it('exits 3, not 1, when it fails itself (here: its output)', async () => {
    const broken = join(tmp.path, 'broken-stdout.mjs');
    await writeFile(
      broken,
      "process.stdout.write = () => { throw new Error('simulated EIO on stdout'); };\n",
    );
    const r = await cli(['certify', huge, '--log-key', f.log.vkey], broken);
    expect(r.code).toBe(3);
    expect(r.err).toContain('internal error (not a verdict on the bundle)');
  });

  it('answers a factor that makes the footprint beyond 2^53 − 1 g with a usage error (exit 2)', async () => {
    // 9 × 10^12 Wh imported (9 × 10^15 milli-Wh, a safe register) at 10^9 g/kWh: ~9 × 10^18 g.
    const r = await run([big, '--log-key', f.log.vkey, '--emission-factor', '999999999']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('beyond 2^53 − 1');
    expect(r.err).toContain('usage: wattproof certify');
    expect((await run([big, '--log-key', f.log.vkey, '--emission-factor', '1'])).code).toBe(0);
  });
});
