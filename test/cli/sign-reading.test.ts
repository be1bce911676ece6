import { execFile, spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toHex } from '../../src/core/bytes.ts';
import { CoseAlg } from '../../src/core/cose/index.ts';
import { verifySignedReading } from '../../src/core/reading/index.ts';
import { runDevices } from '../../src/cli/devices.ts';
import { EXIT } from '../../src/cli/node-client.ts';
import { runReadings } from '../../src/cli/readings.ts';
import { runSignReading } from '../../src/cli/sign-reading.ts';
import { startTestNode, waitFor, type TestNode } from '../e2e/node-harness.ts';
import { tempDir } from '../helpers/tmp-dir.ts';
import { run } from './role-cli-harness.ts';

let tmp: { path: string; remove: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir('wattproof-sign-');
});
afterAll(async () => {
  await tmp?.remove();
});

const START = 1_764_460_800; // 2025-11-30T00:00Z
const READING = [
  '--meter',
  'm-1',
  '--sequence',
  '7',
  '--start',
  '2025-11-30T00:00Z',
  '--end',
  String(START + 900),
  '--register-wh',
  '12500',
  '--energy-wh',
  '500',
];

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const hasMosquittoPub = spawnSync('mosquitto_pub', ['--help']).error === undefined;

/** The signed bytes `sign-reading --base64` prints. */
async function signed(args: string[]): Promise<Uint8Array> {
  const r = await run(runSignReading, [...args, '--base64']);
  expect(r.err).toContain('signed reading of meter');
  expect(r.code).toBe(EXIT.ok);
  return fromBase64(r.out.trim());
}

describe('when a user makes a key', () => {
  it('writes a PKCS #8 PEM, mode 0600, and prints the public key devices register takes', async () => {
    const file = `${tmp.path}/made.pem`;
    const r = await run(runSignReading, ['--keygen', '--out', file, '--meter', 'm-1']);
    expect(r.code).toBe(EXIT.ok);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const pem = await readFile(file, 'utf8');
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const spki = createPublicKey(createPrivateKey(pem)).export({ format: 'der', type: 'spki' });
    const raw = toHex(new Uint8Array(spki.subarray(spki.length - 32)));
    expect(r.out).toContain(`public key ${raw}`);
    expect(r.out).toContain(
      `devices register --signer-id m-1 --mode device --key-type Ed25519 --public-key ${raw} --meter m-1`,
    );
  });

  it('makes a P-256 key with --alg ES256, and never overwrites a file', async () => {
    const file = `${tmp.path}/p256.pem`;
    const r = await run(runSignReading, ['--keygen', '--alg', 'ES256', '--out', file, '--json']);
    expect(r.code).toBe(EXIT.ok);
    expect(JSON.parse(r.out)).toMatchObject({ keyType: 'P-256', alg: 'ES256' });
    expect(JSON.parse(r.out).publicKey).toMatch(/^0[23][0-9a-f]{64}$/);
    const again = await run(runSignReading, ['--keygen', '--out', file]);
    expect(again.code).toBe(EXIT.failed);
    expect(again.err).toContain('never overwritten');
  });
});

describe('when a user signs a reading', () => {
  it.skipIf(!hasOpenssl)('signs with an openssl genpkey Ed25519 key, verifiably', async () => {
    const file = `${tmp.path}/openssl-ed.pem`;
    await promisify(execFile)('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', file]);
    const spki = createPublicKey(createPrivateKey(await readFile(file))).export({
      format: 'der',
      type: 'spki',
    });
    const bytes = await signed(['--key-file', file, ...READING]);
    const { reading, sign1 } = verifySignedReading(
      bytes,
      new Uint8Array(spki.subarray(spki.length - 32)),
      CoseAlg.EdDSA,
    );
    expect(reading).toEqual({
      meterId: 'm-1',
      sequence: 7,
      intervalStart: START,
      intervalEnd: START + 900,
      obis: '1-0:1.8.0',
      registerWh: 12500,
      energyWh: 500,
      quality: 0,
    });
    expect(sign1.iss).toBe('m-1');
    expect(new TextDecoder().decode(sign1.kid)).toBe('m-1');
  });

  it('signs ES256 with a P-256 PKCS #8 key, with --obis, --quality names and --kid', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const file = `${tmp.path}/p256-signer.pem`;
    await writeFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const bytes = await signed([
      '--key-file',
      file,
      ...READING,
      '--obis',
      '1-0:2.8.0',
      '--quality',
      'clock-synced,estimated',
      '--kid',
      'hes-7',
    ]);
    const point = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(-65));
    const { reading, sign1 } = verifySignedReading(bytes, point, CoseAlg.ES256);
    expect(reading.obis).toBe('1-0:2.8.0');
    expect(reading.quality).toBe(3);
    expect(sign1.iss).toBe('hes-7');
  });

  it('takes a raw 32-byte seed, as bytes or as hex, and gives the same bytes', async () => {
    const seed = new Uint8Array(randomBytes(32));
    await writeFile(`${tmp.path}/seed.bin`, seed);
    await writeFile(`${tmp.path}/seed.hex`, `${toHex(seed)}\n`);
    const a = await signed(['--key-file', `${tmp.path}/seed.bin`, ...READING]);
    const b = await signed(['--key-file', `${tmp.path}/seed.hex`, ...READING]);
    expect(b).toEqual(a);
  });

  it('writes the bytes with --out, and to a pipe without an output flag', async () => {
    const key = `${tmp.path}/seed.bin`;
    const out = `${tmp.path}/reading.cose`;
    const r = await run(runSignReading, ['--key-file', key, ...READING, '--out', out]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toContain(`-t wattproof/v1/meters/m-1/readings -f ${out}`);
    const piped = await run(runSignReading, ['--key-file', key, ...READING], {
      stdoutIsTTY: false,
    });
    expect(piped.code).toBe(EXIT.ok);
    expect(piped.bytes).toEqual(new Uint8Array(await readFile(out)));
    const tty = await run(runSignReading, ['--key-file', key, ...READING], { stdoutIsTTY: true });
    expect(tty.code).toBe(EXIT.usage);
  });
});

describe('when the input is wrong', () => {
  const key = () => `${tmp.path}/seed.bin`;

  it('names the allowed algorithms and quality flags', async () => {
    const alg = await run(runSignReading, [
      '--key-file',
      key(),
      ...READING,
      '--alg',
      'RS256',
      '--hex',
    ]);
    expect(alg.code).toBe(EXIT.usage);
    expect(alg.err).toContain('--alg must be one of EdDSA, ES256');
    const q = await run(runSignReading, [
      '--key-file',
      key(),
      ...READING,
      '--quality',
      'good',
      '--hex',
    ]);
    expect(q.code).toBe(EXIT.usage);
    expect(q.err).toContain('--quality must be one of clock-synced, estimated, meter-error');
  });

  it('refuses an --alg the key does not have', async () => {
    const r = await run(runSignReading, [
      '--key-file',
      `${tmp.path}/made.pem`,
      ...READING,
      '--alg',
      'ES256',
      '--hex',
    ]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain(
      '--alg ES256 needs a P-256 key; the key file holds a key of type Ed25519',
    );
  });

  it('refuses a bad date, an end before the start and a bad OBIS code', async () => {
    const at = (flag: string, value: string) => {
      const args = [...READING];
      args[args.indexOf(flag) + 1] = value;
      return run(runSignReading, ['--key-file', key(), ...args, '--hex']);
    };
    const date = await at('--start', '30/11/2025');
    expect(date.code).toBe(EXIT.usage);
    expect(date.err).toContain('--start: "30/11/2025"');
    const end = await at('--end', String(START));
    expect(end.code).toBe(EXIT.usage);
    expect(end.err).toContain('--end');
    const obis = await run(runSignReading, [
      '--key-file',
      key(),
      ...READING,
      '--obis',
      '1.8.0',
      '--hex',
    ]);
    expect(obis.code).toBe(EXIT.usage);
  });

  it('fails on a key file that holds no supported key', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const file = `${tmp.path}/p384.pem`;
    await writeFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const r = await run(runSignReading, ['--key-file', file, ...READING, '--hex']);
    expect(r.code).toBe(EXIT.failed);
    expect(r.err).toContain('must be one of Ed25519, P-256');
  });
});

describe('when a new user publishes a first reading (docs/operations.md walkthrough)', () => {
  let t: TestNode;
  beforeAll(async () => {
    // The closed embedded broker: only registered signers log in.
    t = await startTestNode('embedded', {
      config: { mqtt: { mode: 'embedded', host: '127.0.0.1', port: 0 } },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it.skipIf(!hasMosquittoPub)(
    'registers the key, signs, publishes with mosquitto_pub and sees it accepted',
    async () => {
      const meter = 'walk-0001';
      const key = `${tmp.path}/walk.pem`;
      const made = await run(runSignReading, ['--keygen', '--out', key, '--meter', meter]);
      const publicKey = /^public key ([0-9a-f]+)$/m.exec(made.out)![1]!;

      let out = '';
      const reg = await runDevices(
        [
          'register',
          '--signer-id',
          meter,
          '--mode',
          'device',
          '--key-type',
          'Ed25519',
          '--public-key',
          publicKey,
          '--meter',
          meter,
          '--capacity-w',
          '11000',
          '--node',
          t.node.url,
          '--token-file',
          t.node.operatorTokenFile!,
        ],
        { stdout: (s) => (out += s), stderr: (s) => (out += s), env: {} },
      );
      expect(reg).toBe(0);
      const password = /password (\S+)/.exec(out)![1]!;

      const start = Math.floor(Date.now() / 1000 / 900) * 900 - 900;
      const file = `${tmp.path}/first.cose`;
      const signedRun = await run(
        runSignReading,
        [
          '--key-file',
          key,
          '--meter',
          meter,
          '--sequence',
          '1',
          '--start',
          new Date(start * 1000).toISOString(),
          '--end',
          String(start + 900),
          '--register-wh',
          '1500',
          '--energy-wh',
          '500',
          '--out',
          file,
        ],
        { env: { WATTPROOF_TOPIC_ROOT: t.topicRoot } },
      );
      expect(signedRun.code).toBe(EXIT.ok);
      const topic = `${t.topicRoot}/meters/${meter}/readings`;
      expect(signedRun.out).toContain(`-t ${topic} -f ${file}`);

      const accepted = t.node.ingest.stats.accepted;
      await promisify(execFile)('mosquitto_pub', [
        '-h',
        '127.0.0.1',
        '-p',
        String(t.node.mqttPort),
        '-u',
        meter,
        '-P',
        password,
        '-q',
        '1',
        '-t',
        topic,
        '-f',
        file,
      ]);
      await waitFor(() => t.node.ingest.stats.accepted === accepted + 1, 'the reading accepted');
      await waitFor(() => t.node.log.publishedSize() === t.node.log.size, 'a checkpoint');

      const issuer = (await t.node.tokens.createToken('issuer', 'walkthrough')).token;
      const listed = await run(runReadings, [
        '--meter',
        meter,
        '--from',
        String(start),
        '--to',
        String(start + 900),
        '--node',
        t.node.url,
        '--json',
        '--token',
        issuer,
      ]);
      expect(listed.code).toBe(EXIT.ok);
      const [r] = JSON.parse(listed.out).readings;
      expect(r).toMatchObject({ sequence: 1, trustMode: 'device', signerId: meter });
      expect(fromBase64(r.bytes)).toEqual(new Uint8Array(await readFile(file)));
    },
    30_000,
  );
});
