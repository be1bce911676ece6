import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/node-client.ts';
import { runTokens } from '../../src/cli/tokens.ts';
import { startTestNode, type TestNode } from '../e2e/node-harness.ts';
import { run } from './role-cli-harness.ts';

let t: TestNode;
let at: string[];
let operatorFile: string;

beforeAll(async () => {
  t = await startTestNode('embedded');
  at = ['--node', t.node.url];
  operatorFile = t.node.operatorTokenFile!;
});
afterAll(async () => {
  await t?.close();
});

const tokens = (args: string[], env: Record<string, string> = {}) =>
  run(runTokens, [...args, ...at], { env });

describe('when an operator manages tokens', () => {
  it('creates an issuer token, shows it once, and lists it without its secret', async () => {
    const r = await tokens([
      'create',
      '--role',
      'issuer',
      '--label',
      'billing',
      '--token-file',
      operatorFile,
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(EXIT.ok);
    const token = /token (wpt_\S+)/.exec(r.out)![1]!;
    const id = /issuer token ([0-9a-f]{16})/.exec(r.out)![1]!;
    expect(r.out).toContain('will not be shown again');
    // The node takes the token it printed, as an issuer.
    const res = await fetch(`${t.node.url}/v1/tokens`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(403);

    const list = await tokens(['list', '--token-file', operatorFile]);
    expect(list.code).toBe(EXIT.ok);
    expect(list.out).toMatch(new RegExp(`${id}\\s+issuer\\s+\\S+\\s+active\\s+billing`));
    expect(list.out).not.toContain(token);
  });

  it('prints the JSON answer with --json, the token included', async () => {
    const r = await tokens(['create', '--role', 'operator', '--label', 'ops 2', '--json'], {
      WATTPROOF_TOKEN: readFileSync(operatorFile, 'utf8').trim(),
    });
    expect(r.code).toBe(EXIT.ok);
    const body = JSON.parse(r.out);
    expect(body).toMatchObject({ role: 'operator', label: 'ops 2', revoked: false });
    expect(body.token).toMatch(/^wpt_/);
    const list = JSON.parse((await tokens(['list', '--json', '--token-file', operatorFile])).out);
    expect(list.tokens.map((x: { id: string }) => x.id)).toContain(body.id);
  });

  it('revokes a token, and refuses to revoke it twice (409 TOKEN_REVOKED)', async () => {
    const made = JSON.parse(
      (
        await tokens([
          'create',
          '--role',
          'issuer',
          '--label',
          'short',
          '--json',
          '--token-file',
          operatorFile,
        ])
      ).out,
    );
    const r = await tokens(['revoke', made.id, '--token-file', operatorFile]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toContain(`revoked issuer token ${made.id}`);
    expect(t.node.tokens.listTokens().find((x) => x.id === made.id)?.revokedAt).toBeDefined();
    const again = await tokens(['revoke', made.id, '--token-file', operatorFile]);
    expect(again.code).toBe(EXIT.failed);
    expect(again.err).toContain('[TOKEN_REVOKED]');
  });
});

describe('when the input or the token is wrong', () => {
  it('refuses an unknown role, naming the allowed ones, and sends nothing', async () => {
    const before = t.node.tokens.listTokens().length;
    const r = await tokens([
      'create',
      '--role',
      'admin',
      '--label',
      'x',
      '--token-file',
      operatorFile,
    ]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain('--role must be one of issuer, operator');
    expect(t.node.tokens.listTokens().length).toBe(before);
  });

  it('refuses a malformed token id and an unknown subcommand as usage errors', async () => {
    expect((await tokens(['revoke', 'nope', '--token-file', operatorFile])).code).toBe(EXIT.usage);
    const r = await tokens(['rotate', '--token-file', operatorFile]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain('must be one of create, list, revoke');
  });

  it('fails without a token, saying where one comes from', async () => {
    const r = await tokens(['list', '--token-file', `${t.dir}/no-such.token`]);
    expect(r.code).toBe(EXIT.failed);
    expect(r.err).toContain('no operator token');
    expect(r.err).toContain('ENOENT');
  });

  it('fails with 403 for an issuer token and 401 for an unknown one', async () => {
    const issuer = (await t.node.tokens.createToken('issuer', 'not an operator')).token;
    const r = await tokens(['list', '--token', issuer]);
    expect(r.code).toBe(EXIT.failed);
    expect(r.err).toContain('(403)');
    expect(r.err).toContain('needs an operator token');
    const bad = await tokens(['list', '--token', 'wpt_0123456789abcdef_nope']);
    expect(bad.code).toBe(EXIT.failed);
    expect(bad.err).toContain('(401)');
  });

  it('answers --help with its usage and sends nothing', async () => {
    const r = await run(runTokens, ['create', '--help'], {
      env: { WATTPROOF_NODE: 'http://127.0.0.1:1' },
    });
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toMatch(/^usage: wattproof tokens/);
  });
});
