import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64, toHex } from '../../src/core/bytes.ts';
import { startServer, type RunningServer } from '../../src/api/server.ts';
import { runDevices } from '../../src/cli/devices.ts';
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

  it("reports an invalid key with the node's precise message (400)", async () => {
    const r = await cli([
      'register',
      ...at(),
      '--signer-id',
      'k-1',
      '--mode',
      'device',
      '--key-type',
      'Ed25519',
      '--public-key',
      'ff'.repeat(32),
      '--meter',
      'k-1',
      '--capacity-w',
      '1',
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('invalid request (400): publicKey: not a valid Ed25519 public key');
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
