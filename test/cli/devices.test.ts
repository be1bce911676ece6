import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64, toHex } from '../../src/core/bytes.ts';
import { startServer, type RunningServer } from '../../src/api/server.ts';
import { EXIT_PRIVATE_KEY, runDevices } from '../../src/cli/devices.ts';
import { verifyMosquittoPassword } from '../../src/mqtt/index.ts';
import { tempDir } from '../helpers/tmp-dir.ts';
import { ed25519Spki } from '../core/registry/helpers.ts';
import { openTestNode, type TestNode } from '../registry/test-node.ts';

let tmp: { path: string; remove: () => Promise<void> };
let node: TestNode;
let server: RunningServer;

beforeAll(async () => {
  tmp = await tempDir();
  node = await openTestNode(tmp.path);
  server = await startServer(node.app, { host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await node.close();
  await tmp.remove();
});

interface Run {
  code: number;
  out: string;
  err: string;
}

async function cli(
  args: string[],
  env: Record<string, string> = {},
  token: string | null = node.operatorToken,
): Promise<Run> {
  let out = '';
  let err = '';
  const withToken = token === null ? args : [...args, '--token', token];
  const code = await runDevices(withToken, {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    env,
  });
  return { code, out, err };
}

const at = (): string[] => ['--node', server.url];

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('when the operator registers, lists and revokes keys', () => {
  it('registers a device key given in hex and reports the log entry', async () => {
    const key = ed25519Spki().raw;
    const r = await cli([
      'register',
      ...at(),
      '--signer-id',
      'cli-1',
      '--mode',
      'device',
      '--key-type',
      'Ed25519',
      '--public-key',
      toHex(key),
      '--meter',
      'cli-1',
      '--capacity-w',
      '11000',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const s = node.registry.get('cli-1')!;
    expect(s.publicKey).toEqual(key);
    expect(r.out).toContain(`registered cli-1 (device, Ed25519) for cli-1, 11000 W`);
    expect(r.out).toContain(`log entry ${s.registeredAt}`);
  });

  it('registers a platform key from a PEM file with several meters, printing JSON', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const file = `${tmp.path}/platform.pem`;
    await writeFile(file, publicKey.export({ type: 'spki', format: 'pem' }) as string);
    const r = await cli([
      'register',
      ...at(),
      '--json',
      '--signer-id',
      'hes-9',
      '--mode',
      'platform',
      '--key-type',
      'P-256',
      '--public-key',
      file,
      '--meter',
      'a1',
      '--meter',
      'a2',
      '--capacity-w',
      '5000',
    ]);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out);
    expect(body.signer).toMatchObject({
      signerId: 'hes-9',
      mode: 'platform',
      keyType: 'P-256',
      meters: ['a1', 'a2'],
    });
    const raw = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })).slice(-65);
    expect(body.signer.publicKey).toBe(toBase64(raw));
  });

  it('registers an OCMF key from a DER file', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' });
    const der = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    const file = `${tmp.path}/meter.der`;
    await writeFile(file, der);
    const r = await cli([
      'register',
      ...at(),
      '--signer-id',
      'OCMF-0001',
      '--mode',
      'device',
      '--key-type',
      'OCMF',
      '--public-key',
      file,
      '--meter',
      'OCMF-0001',
      '--capacity-w',
      '22000',
    ]);
    expect(r.code).toBe(0);
    expect(node.registry.get('OCMF-0001')?.publicKey).toEqual(der);
  });

  it('lists signers as a table and as JSON', async () => {
    const table = await cli(['list', ...at()]);
    expect(table.code).toBe(0);
    const lines = table.out.trim().split('\n');
    expect(lines[0]).toMatch(/^SIGNER\s+MODE\s+KEY\s+METERS\s+CAPACITY_W\s+REGISTERED\s+STATUS$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(
      node.registry.list().map((s) => s.signerId),
    );
    const json = await cli(['list', ...at(), '--json']);
    expect(JSON.parse(json.out).signers.map((s: { signerId: string }) => s.signerId)).toEqual(
      node.registry.list().map((s) => s.signerId),
    );
  });

  it('revokes a key, and shows it revoked in the list', async () => {
    const r = await cli(['revoke', ...at(), '--signer-id', 'cli-1', '--reason', 'key compromised']);
    expect(r.code).toBe(0);
    const revokedAt = node.registry.get('cli-1')?.revokedAt;
    expect(revokedAt).toBeTypeOf('number');
    expect(r.out).toContain(`revoked cli-1 (key compromised)`);
    expect(r.out).toContain(`log entry ${revokedAt}`);
    const list = await cli(['list', ...at()]);
    expect(list.out).toMatch(new RegExp(`cli-1 .*revoked \\(#${revokedAt}: key compromised\\)`));
  });

  it('takes the token from WATTPROOF_TOKEN or a token file, and the node from WATTPROOF_NODE', async () => {
    expect(
      (
        await cli(
          ['list'],
          { WATTPROOF_TOKEN: node.operatorToken, WATTPROOF_NODE: server.url },
          null,
        )
      ).code,
    ).toBe(0);
    const file = `${tmp.path}/operator.token`;
    await writeFile(file, `${node.operatorToken}\n`, { mode: 0o600 });
    expect((await cli(['list', ...at(), '--token-file', file], {}, null)).code).toBe(0);
  });
});

describe('when something goes wrong', () => {
  it('reports a taken signer id (409)', async () => {
    const args = [
      'register',
      ...at(),
      '--signer-id',
      'dup-9',
      '--mode',
      'device',
      '--key-type',
      'Ed25519',
      '--meter',
      'dup-9',
      '--capacity-w',
      '1',
    ];
    expect((await cli([...args, '--public-key', toBase64(ed25519Spki().raw)])).code).toBe(0);
    const r = await cli([...args, '--public-key', toBase64(ed25519Spki().raw)]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('conflict (409): signer "dup-9" is already registered [SIGNER_EXISTS]');
  });

  it('reports a refused (401) or insufficient (403) token', async () => {
    const bad = await cli(['list', ...at()], {}, `wpt_0000000000000000_${'A'.repeat(43)}`);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/the node refused the token \(401\).*\[UNAUTHORIZED\]; check --token/);
    const issuer = await cli(['list', ...at()], {}, node.issuerToken);
    expect(issuer.code).toBe(1);
    expect(issuer.err).toMatch(
      /not allowed to do this \(403\).*\[FORBIDDEN\]; use an operator token/,
    );
  });

  it("reports an invalid request with the node's precise message (400)", async () => {
    const r = await cli([
      'register',
      ...at(),
      '--signer-id',
      'k-1',
      '--mode',
      'device',
      '--key-type',
      'P-256',
      '--public-key',
      toHex(new Uint8Array(33).fill(7)),
      '--meter',
      'k-1',
      '--capacity-w',
      '1',
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('invalid request (400): publicKey:');
    expect(r.err).toContain('[INVALID_FIELD]');
  });

  it('reports an unknown signer on revoke (404)', async () => {
    const r = await cli(['revoke', ...at(), '--signer-id', 'nobody', '--reason', 'x']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('not found (404): no signer "nobody" is registered');
  });

  it('reports a node that cannot be reached', async () => {
    const port = await closedPort();
    const r = await cli(['list', '--node', `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `cannot reach the node at http://127.0.0.1:${port}: connection refused`,
    );
  });

  it('reports a missing token file', async () => {
    const r = await cli(['list', ...at(), '--token-file', `${tmp.path}/missing.token`], {}, null);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no operator token: cannot read .*missing\.token \(ENOENT\)/);
  });

  it('exits 2 with the usage for missing or malformed arguments', async () => {
    const cases: [string[], RegExp][] = [
      [['register', ...at(), '--mode', 'device'], /--capacity-w is required/],
      [
        ['register', ...at(), '--capacity-w', '1.5'],
        /--capacity-w must be a positive whole number/,
      ],
      [
        [
          'register',
          ...at(),
          '--capacity-w',
          '5',
          '--signer-id',
          'x',
          '--mode',
          'device',
          '--key-type',
          'Ed25519',
          '--public-key',
          'abc',
        ],
        /--meter is required/,
      ],
      [
        [
          'register',
          ...at(),
          '--capacity-w',
          '5',
          '--signer-id',
          'x',
          '--mode',
          'device',
          '--key-type',
          'Ed25519',
          '--public-key',
          'not key!',
          '--meter',
          'x',
        ],
        /--public-key: .* is neither hex, base64/,
      ],
      [['list', ...at(), '--bogus'], /Unknown option '--bogus'/],
      [['explode'], /unknown subcommand "explode"/],
      [['list', '--node', 'ftp://x'], /--node: "ftp:\/\/x" is not an http\(s\) URL/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err).toContain('usage: wattproof devices');
    }
  });
});

describe('when run as `wattproof devices`', () => {
  it('is wired into the main command', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'devices', 'list', '--node', server.url, '--json'],
      { env: { ...process.env, WATTPROOF_TOKEN: node.operatorToken }, timeout: 20_000 },
    );
    expect(JSON.parse(stdout).signers.length).toBe(node.registry.list().length);
  }, 25_000);
});

describe('when a signer is registered, its MQTT login', () => {
  const register = (id: string) =>
    cli([
      'register',
      ...at(),
      '--signer-id',
      id,
      '--mode',
      'device',
      '--key-type',
      'Ed25519',
      '--public-key',
      toHex(ed25519Spki().raw),
      '--meter',
      id,
      '--capacity-w',
      '1000',
    ]);
  const passwordIn = (out: string): string => /password (wpm_[A-Za-z0-9_-]{43})\n/.exec(out)![1]!;

  it('is printed once, says it will not be shown again, and only its hash is kept', async () => {
    const r = await register('login-1');
    expect(r.code).toBe(0);
    expect(r.out).toContain('user login-1');
    expect(r.out).toContain('it will not be shown again');
    const password = passwordIn(r.out);
    const stored = node.registry.brokerCredential('login-1')!;
    expect(stored.passwordHash).toMatch(/^\$7\$101\$/);
    expect(stored.passwordHash).not.toContain(password);
    expect(await verifyMosquittoPassword(password, stored.passwordHash)).toBe(true);
    const list = await cli(['list', ...at(), '--json']);
    expect(list.out).not.toContain(password);
    expect(list.out).not.toContain(stored.passwordHash);
  });

  it('is replaced by `devices credentials`: the new one works, the old one no longer', async () => {
    const old = passwordIn((await register('login-2')).out);
    const r = await cli(['credentials', ...at(), '--signer-id', 'login-2']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('the previous one no longer works');
    const fresh = passwordIn(r.out);
    const stored = node.registry.brokerCredential('login-2')!.passwordHash;
    expect(await verifyMosquittoPassword(fresh, stored)).toBe(true);
    expect(await verifyMosquittoPassword(old, stored)).toBe(false);
  });

  it('is refused for an unknown (404) or revoked (409) signer, and gone after a revocation', async () => {
    expect((await cli(['credentials', ...at(), '--signer-id', 'nobody'])).err).toContain(
      '[SIGNER_NOT_FOUND]',
    );
    await register('login-3');
    await cli(['revoke', ...at(), '--signer-id', 'login-3', '--reason', 'retired']);
    expect(node.registry.brokerCredential('login-3')).toBeUndefined();
    const r = await cli(['credentials', ...at(), '--signer-id', 'login-3']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('[SIGNER_REVOKED]');
  });
});

describe('when --public-key holds a private key', () => {
  let fake: Server;
  let fakeUrl: string;
  let requests = 0;
  let dir: string;
  const files: Record<string, { path: string; keyType: string }> = {};

  beforeAll(async () => {
    fake = createHttpServer((req, res) => {
      requests++;
      req.resume();
      res.writeHead(500).end();
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    dir = `${tmp.path}/secrets`;
    await mkdir(dir);
    const ed = generateKeyPairSync('ed25519');
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const write = async (name: string, keyType: string, data: string | Uint8Array) => {
      await writeFile(`${dir}/${name}`, data);
      files[name] = { path: `${dir}/${name}`, keyType };
    };
    await write('ed.pkcs8.pem', 'Ed25519', ed.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await write('ec.sec1.pem', 'P-256', ec.privateKey.export({ type: 'sec1', format: 'pem' }));
    await write('ed.pkcs8.der', 'Ed25519', ed.privateKey.export({ type: 'pkcs8', format: 'der' }));
    await write('ec.sec1.der', 'OCMF', ec.privateKey.export({ type: 'sec1', format: 'der' }));
    await write('ec.pkcs8.der', 'P-256', ec.privateKey.export({ type: 'pkcs8', format: 'der' }));
    await promisify(execFile)('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-f',
      `${dir}/id_ed25519`,
    ]);
    files.id_ed25519 = { path: `${dir}/id_ed25519`, keyType: 'Ed25519' };
    const seed = new Uint8Array(32).fill(9);
    await write(
      'note.key',
      'Ed25519',
      `PRIVATE+KEY+meter.example+01020304+${toBase64(Uint8Array.of(1, ...seed))}\n`,
    );
    const jwk = ed.privateKey.export({ format: 'jwk' }) as { d: string; x: string };
    const raw64 = new Uint8Array([
      ...Buffer.from(jwk.d, 'base64url'),
      ...Buffer.from(jwk.x, 'base64url'),
    ]);
    await write('ed.secret.hex', 'Ed25519', toHex(raw64));
  });
  afterAll(async () => {
    await new Promise<void>((r) => fake.close(() => r()));
  });

  const args = (key: string, keyType: string) => [
    'register',
    '--node',
    fakeUrl,
    '--token',
    'wpt_x',
    '--signer-id',
    'secret-1',
    '--mode',
    'device',
    '--key-type',
    keyType,
    // One argument, so that a PEM value starting with "-----" is not read as an option.
    `--public-key=${key}`,
    '--meter',
    'secret-1',
    '--capacity-w',
    '1000',
  ];

  it('refuses it in the CLI process with exit status 3, and no request reaches the node', async () => {
    for (const name of ['ed.pkcs8.pem', 'ec.sec1.der', 'id_ed25519']) {
      const f = files[name]!;
      const r = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', 'devices', ...args(f.path, f.keyType)],
        { timeout: 20_000 },
      ).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      expect(r.code, name).toBe(EXIT_PRIVATE_KEY);
      expect(r.stderr, name).toContain('holds a private key');
      expect(r.stderr, name).toContain('nothing was sent');
    }
    expect(requests).toBe(0);
  }, 60_000);

  it('refuses every form it knows, from a file or as a value, before any request', async () => {
    const values: [string, string][] = [
      ...Object.values(files).map((f): [string, string] => [f.path, f.keyType]),
      [toHex(new Uint8Array(32).fill(5)), 'P-256'],
      [toHex(new Uint8Array(48).fill(5)), 'OCMF'],
      ['ff'.repeat(32), 'Ed25519'],
      [toBase64(new Uint8Array(64).fill(3)), 'Ed25519'],
      [await readFile(files['ed.pkcs8.pem']!.path, 'utf8'), 'Ed25519'],
    ];
    for (const [value, keyType] of values) {
      const r = await cli(args(value, keyType), {}, null);
      expect(r.code, value.slice(0, 60)).toBe(EXIT_PRIVATE_KEY);
    }
    expect(requests).toBe(0);
  });

  it('still sends public keys, also a 32-byte Ed25519 key that is a valid point', async () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    await writeFile(`${dir}/ed.pub.pem`, publicKey.export({ type: 'spki', format: 'pem' }));
    const before = requests;
    for (const key of [`${dir}/ed.pub.pem`, toHex(ed25519Spki().raw)]) {
      const r = await cli(args(key, 'Ed25519'), {}, null);
      expect(r.code).toBe(1); // the fake node answers 500
    }
    expect(requests).toBe(before + 2);
  });
});
