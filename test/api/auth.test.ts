import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { fastify } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8 } from '../../src/core/bytes.ts';
import {
  authenticatedToken,
  bootstrapOperatorToken,
  requireRole,
  TokenStore,
} from '../../src/api/auth/index.ts';
import { installErrorHandling } from '../../src/api/errors.ts';
import { KeyPrefix, prefixEnd, prefixStart } from '../../src/storage/key-layout.ts';
import { LevelStore } from '../../src/storage/level-store.ts';
import { tempDir } from '../helpers/tmp-dir.ts';
import { openTestNode, type TestNode } from '../registry/test-node.ts';

let tmp: { path: string; remove: () => Promise<void> };
let node: TestNode;

beforeAll(async () => {
  tmp = await tempDir();
  node = await openTestNode(tmp.path);
});
afterAll(async () => {
  await node.close();
  await tmp.remove();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

describe('when a request has no valid token', () => {
  const routes = [
    { method: 'GET', url: '/v1/tokens' },
    { method: 'POST', url: '/v1/tokens', payload: { role: 'issuer', label: 'x' } },
    { method: 'GET', url: '/v1/registry/signers' },
    { method: 'GET', url: '/v1/registry/signers/m1' },
    { method: 'POST', url: '/v1/registry/signers/m1/revoke', payload: { reason: 'x' } },
  ] as const;

  it('answers 401 with a Bearer challenge when there is no Authorization header', async () => {
    for (const r of routes) {
      const res = await node.app.inject(r);
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="wattproof"');
      expect(res.json()).toEqual({
        error: { code: 'UNAUTHORIZED', message: expect.stringMatching(/bearer token/) },
      });
    }
  });

  it('answers 401 invalid_token for malformed, unknown, tampered or non-Bearer credentials', async () => {
    const good = node.operatorToken;
    const tampered = good.slice(0, -1) + (good.endsWith('A') ? 'B' : 'A');
    const unknownId = `wpt_0000000000000000_${good.slice(-43)}`;
    for (const authorization of [
      'Bearer nope',
      `Bearer ${tampered}`,
      `Bearer ${unknownId}`,
      `Basic ${Buffer.from(`x:${good}`).toString('base64')}`,
      `Bearer ${good} extra`,
      good,
    ]) {
      const res = await node.app.inject({
        method: 'GET',
        url: '/v1/tokens',
        headers: { authorization },
      });
      expect(res.statusCode, authorization).toBe(401);
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="wattproof", error="invalid_token"',
      );
    }
  });

  it('answers 401 before looking at the body', async () => {
    const res = await node.app.inject({
      method: 'POST',
      url: '/v1/registry/signers',
      payload: { nonsense: true },
    });
    expect(res.statusCode).toBe(401);
  });

  it('accepts the scheme name in any case', async () => {
    const res = await node.app.inject({
      method: 'GET',
      url: '/v1/tokens',
      headers: { authorization: `bearer ${node.operatorToken}` },
    });
    expect(res.statusCode).toBe(200);
  });
});

describe('when an issuer token is used on operator routes', () => {
  it('answers 403 insufficient_scope on every token and registry route', async () => {
    for (const r of [
      { method: 'GET', url: '/v1/tokens' },
      { method: 'POST', url: '/v1/tokens', payload: { role: 'operator', label: 'escalate' } },
      { method: 'POST', url: '/v1/tokens/0123456789abcdef/revoke' },
      { method: 'GET', url: '/v1/registry/signers' },
      { method: 'POST', url: '/v1/registry/signers', payload: {} },
    ] as const) {
      const res = await node.app.inject({ ...r, headers: bearer(node.issuerToken) });
      expect(res.statusCode).toBe(403);
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="wattproof", error="insufficient_scope"',
      );
      expect(res.json().error.code).toBe('FORBIDDEN');
    }
    expect(node.tokens.listTokens().filter((t) => t.label === 'escalate')).toHaveLength(0);
  });
});

describe('when tokens are managed over HTTP', () => {
  it('creates a token that works, lists it without secret, and revokes it so it stops working', async () => {
    const created = await node.app.inject({
      method: 'POST',
      url: '/v1/tokens',
      headers: bearer(node.operatorToken),
      payload: { role: 'operator', label: 'second operator' },
    });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({ role: 'operator', label: 'second operator', revoked: false });
    expect(body.token).toMatch(/^wpt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(body.token).toContain(body.id);
    expect(created.headers['cache-control']).toBe('no-store');

    const list = await node.app.inject({
      method: 'GET',
      url: '/v1/tokens',
      headers: bearer(body.token),
    });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(body.token.slice(-43));
    expect(list.body).not.toContain(node.operatorToken.slice(-43));
    const listed = list.json().tokens as { id: string; revoked: boolean; token?: string }[];
    expect(listed.map((t) => t.id)).toContain(body.id);
    expect(listed.every((t) => t.token === undefined && !('hash' in t))).toBe(true);

    const revoked = await node.app.inject({
      method: 'POST',
      url: `/v1/tokens/${body.id}/revoke`,
      headers: bearer(node.operatorToken),
    });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({
      id: body.id,
      revoked: true,
      revokedAt: expect.any(String),
    });
    const after = await node.app.inject({
      method: 'GET',
      url: '/v1/tokens',
      headers: bearer(body.token),
    });
    expect(after.statusCode).toBe(401);
    const again = await node.app.inject({
      method: 'POST',
      url: `/v1/tokens/${body.id}/revoke`,
      headers: bearer(node.operatorToken),
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('TOKEN_REVOKED');
  });

  it('answers 404 for an unknown token id and 400 for a malformed one or a bad body', async () => {
    const h = bearer(node.operatorToken);
    expect(
      (
        await node.app.inject({
          method: 'POST',
          url: '/v1/tokens/0123456789abcdef/revoke',
          headers: h,
        })
      ).statusCode,
    ).toBe(404);
    const bad = await node.app.inject({ method: 'POST', url: '/v1/tokens/XYZ/revoke', headers: h });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/params\/id must match pattern/);
    const role = await node.app.inject({
      method: 'POST',
      url: '/v1/tokens',
      headers: h,
      payload: { role: 'admin', label: 'x' },
    });
    expect(role.statusCode).toBe(400);
    expect(role.json().error.message).toMatch(
      /body\/role must be equal to one of the allowed values/,
    );
    const label = await node.app.inject({
      method: 'POST',
      url: '/v1/tokens',
      headers: h,
      payload: { role: 'issuer', label: '' },
    });
    expect(label.json().error.message).toMatch(/body\/label must NOT have fewer than 1 characters/);
  });

  it('refuses to revoke the last active operator token', async () => {
    const active = node.tokens
      .listTokens()
      .filter((t) => t.role === 'operator' && t.revokedAt === undefined);
    expect(active).toHaveLength(1);
    const res = await node.app.inject({
      method: 'POST',
      url: `/v1/tokens/${active[0]!.id}/revoke`,
      headers: bearer(node.operatorToken),
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('LAST_OPERATOR_TOKEN');
  });

  it('stores only SHA-256 hashes: no token or secret appears in the store', async () => {
    const issued = [node.operatorToken, node.issuerToken];
    for (let i = 0; i < 3; i++)
      issued.push((await node.tokens.createToken('issuer', `bulk ${i}`)).token);
    let records = 0;
    const hashes: Uint8Array[] = [];
    for await (const [k, v] of node.store.range({
      gte: prefixStart(KeyPrefix.token),
      lt: prefixEnd(KeyPrefix.token),
    })) {
      records++;
      for (const t of issued) {
        expect(contains(v, utf8(t.slice(-43)))).toBe(false);
        expect(contains(k, utf8(t.slice(-43)))).toBe(false);
      }
      hashes.push(v);
    }
    expect(records).toBe(node.tokens.listTokens().length);
    for (const t of issued) {
      const h = new Uint8Array(createHash('sha256').update(t).digest());
      expect(hashes.some((v) => contains(v, h))).toBe(true);
    }
  });
});

describe('when a route allows several roles', () => {
  it('lets either role through and records the token on the request', async () => {
    const t = await tempDir();
    const store = await LevelStore.open(`${t.path}/db`);
    try {
      const tokens = await TokenStore.load(store);
      const op = await tokens.createToken('operator', 'op');
      const iss = await tokens.createToken('issuer', 'iss');
      const app = fastify();
      installErrorHandling(app);
      app.get('/both', { onRequest: requireRole(tokens, ['issuer', 'operator']) }, async (req) => ({
        id: authenticatedToken(req)?.id,
      }));
      app.get('/issuer', { onRequest: requireRole(tokens, 'issuer') }, async () => ({}));
      for (const c of [op, iss]) {
        const res = await app.inject({ url: '/both', headers: bearer(c.token) });
        expect(res.json()).toEqual({ id: c.info.id });
      }
      expect((await app.inject({ url: '/issuer', headers: bearer(op.token) })).statusCode).toBe(
        403,
      );
      expect((await app.inject({ url: '/issuer', headers: bearer(iss.token) })).statusCode).toBe(
        200,
      );
      await app.close();
    } finally {
      await store.close();
      await t.remove();
    }
  });
});

describe('when a node starts for the first time', () => {
  it('creates one operator token in a 0600 file, and nothing on later starts', async () => {
    const t = await tempDir();
    let store = await LevelStore.open(`${t.path}/db`);
    try {
      const file = `${t.path}/operator.token`;
      const first = await bootstrapOperatorToken(await TokenStore.load(store), file);
      expect(first.created).toBe(true);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const token = (await readFile(file, 'utf8')).trim();
      await store.close();
      store = await LevelStore.open(`${t.path}/db`);
      const tokens = await TokenStore.load(store);
      expect(tokens.authenticate(token)).toMatchObject({
        id: first.id,
        role: 'operator',
        label: 'bootstrap',
      });
      const second = await bootstrapOperatorToken(tokens, file);
      expect(second.created).toBe(false);
      expect((await readFile(file, 'utf8')).trim()).toBe(token);
      expect(tokens.listTokens()).toHaveLength(1);
    } finally {
      await store.close();
      await t.remove();
    }
  });
});
