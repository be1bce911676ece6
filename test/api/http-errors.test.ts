/**
 * The HTTP error table of the API through `inject`: 401 (no token, unknown, malformed or revoked
 * token), 403 (wrong role), 400 (each bad parameter, with its precise message), 404 (unknown
 * meter, signer, token, index or size beyond the tree, unknown route) and 429 (over the rate
 * limit, with Retry-After) — every error as `{ error: { code, message } }`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRoutes } from '../../src/api/route-catalog.ts';
import { TestSigner } from '../e2e/node-harness.ts';
import { appendReadings, openApiFixture, registerSigner, type ApiFixture } from './api-fixture.ts';

const T0 = 1_700_000_100 - (1_700_000_100 % 900);
const UNKNOWN_TOKEN = `wpt_0123456789abcdef_${'A'.repeat(43)}`;

type Who = 'none' | 'unknown' | 'malformed' | 'revoked' | 'issuer' | 'operator';

interface Row {
  readonly name: string;
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: string;
  readonly who: Who;
  readonly body?: object;
  readonly status: number;
  readonly code: string;
  readonly message: string | RegExp;
}

const readings = (q: string) => `/v1/meters/m-1/readings?${q}`;
const period = { from: T0, to: T0 + 3600 };

const table: readonly Row[] = [
  // 401: RFC 6750 §3.1
  ...(
    [
      ['GET', readings(`from=${T0}&to=${T0 + 900}`)],
      ['POST', '/v1/bundles'],
      ['POST', '/v1/erasures'],
      ['GET', '/v1/erasures'],
      ['GET', '/v1/tokens'],
      ['GET', '/v1/registry/signers'],
      ['GET', '/v1/quarantine'],
    ] as const
  ).map(([method, url]): Row => ({
    name: `${method} ${url.split('?')[0]} without a token`,
    method,
    url,
    who: 'none',
    ...(method === 'POST' ? { body: {} } : {}),
    status: 401,
    code: 'UNAUTHORIZED',
    message: 'this route needs a bearer token (Authorization: Bearer <token>)',
  })),
  ...(['unknown', 'malformed', 'revoked'] as const).map((who): Row => ({
    name: `readings with a ${who} token`,
    method: 'GET',
    url: readings(`from=${T0}&to=${T0 + 900}`),
    who,
    status: 401,
    code: 'UNAUTHORIZED',
    message: 'the bearer token is malformed, unknown or revoked',
  })),
  // 403
  ...(
    [
      ['GET', readings(`from=${T0}&to=${T0 + 900}`), 'operator', 'issuer'],
      ['POST', '/v1/bundles', 'operator', 'issuer'],
      ['POST', '/v1/erasures', 'issuer', 'operator'],
      ['GET', '/v1/erasures', 'issuer', 'operator'],
      ['POST', '/v1/tokens', 'issuer', 'operator'],
      ['GET', '/v1/registry/signers', 'issuer', 'operator'],
      ['GET', '/v1/quarantine/counts', 'issuer', 'operator'],
    ] as const
  ).map(([method, url, who, needs]): Row => ({
    name: `${method} ${url.split('?')[0]} with an ${who} token`,
    method,
    url,
    who,
    ...(method === 'POST' ? { body: {} } : {}),
    status: 403,
    code: 'FORBIDDEN',
    message: `this route needs a token of role "${needs}", not "${who}"`,
  })),
  // 400: readings
  ...(
    [
      [`to=${T0}`, "querystring must have required property 'from'"],
      [`from=${T0}`, "querystring must have required property 'to'"],
      [`from=abc&to=${T0}`, 'querystring/from must be integer'],
      [`from=-1&to=${T0}`, 'querystring/from must be >= 0'],
      [`from=1.5&to=${T0}`, 'querystring/from must be integer'],
      [`from=${T0}&to=0`, 'querystring/to must be >= 1'],
      [`from=${T0}&to=${T0}`, 'querystring/to must be greater than from'],
      [`from=${T0 + 900}&to=${T0}`, 'querystring/to must be greater than from'],
      [`from=${T0}&to=${T0 + 900}&limit=0`, 'querystring/limit must be >= 1'],
      [`from=${T0}&to=${T0 + 900}&limit=1001`, 'querystring/limit must be <= 1000'],
      [
        `from=${T0}&to=${T0 + 900}&cursor=abc`,
        'querystring/cursor is not a cursor: pass the `next` value of the previous page unchanged',
      ],
      [
        `from=${T0}&to=${T0 + 900}&cursor=${'x'.repeat(65)}`,
        'querystring/cursor must NOT have more than 64 characters',
      ],
    ] as const
  ).map(([q, message]): Row => ({
    name: `readings?${q.slice(0, 40)}`,
    method: 'GET',
    url: readings(q),
    who: 'issuer',
    status: 400,
    code: 'INVALID_REQUEST',
    message,
  })),
  {
    name: 'readings of a malformed meter id',
    method: 'GET',
    url: `/v1/meters/-bad/readings?from=${T0}&to=${T0 + 900}`,
    who: 'issuer',
    status: 400,
    code: 'INVALID_REQUEST',
    message: 'params/meterId must match pattern "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"',
  },
  // 400: bundles
  ...(
    [
      [{ meters: [], ...period }, 'body/meters must NOT have fewer than 1 items'],
      [
        { meters: ['m-1', 'm-1'], ...period },
        'body/meters must NOT have duplicate items (items ## 1 and 0 are identical)',
      ],
      [
        { meters: ['m 1'], ...period },
        'body/meters/0 must match pattern "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"',
      ],
      [{ meters: ['m-1'], from: T0 }, "body must have required property 'to'"],
      [{ meters: ['m-1'], from: 'x', to: T0 }, 'body/from must be integer'],
      [{ meters: ['m-1'], from: T0, to: T0 }, 'body/to must be greater than from'],
      [{ meters: [{}], ...period }, 'body/meters/0 must be string'],
    ] as const
  ).map(([body, message]): Row => ({
    name: `bundles ${JSON.stringify(body).slice(0, 50)}`,
    method: 'POST',
    url: '/v1/bundles',
    who: 'issuer',
    body,
    status: 400,
    code: 'INVALID_REQUEST',
    message,
  })),
  // 400: erasures
  ...(
    [
      [{ from: T0, to: T0 + 900 }, "body must have required property 'meterId'"],
      [{ meterId: 'm-1', from: T0 + 900, to: T0 }, 'body/to must be greater than from'],
      [{ meterId: 'm-1', from: -5, to: T0 }, 'body/from must be >= 0'],
      [
        { meterId: 'm-1', ...period, reason: '' },
        'body/reason must NOT have fewer than 1 characters',
      ],
      [
        { meterId: 'm-1', ...period, reason: 'r'.repeat(201) },
        'body/reason must NOT have more than 200 characters',
      ],
    ] as const
  ).map(([body, message]): Row => ({
    name: `erasures ${JSON.stringify(body).slice(0, 50)}`,
    method: 'POST',
    url: '/v1/erasures',
    who: 'operator',
    body,
    status: 400,
    code: 'INVALID_REQUEST',
    message,
  })),
  {
    name: 'erasure audit page of limit 0',
    method: 'GET',
    url: '/v1/erasures?limit=0',
    who: 'operator',
    status: 400,
    code: 'INVALID_REQUEST',
    message: 'querystring/limit must be >= 1',
  },
  // 400: public proofs, tokens, registry
  {
    name: 'inclusion proof of index -1',
    method: 'GET',
    url: '/v1/proofs/inclusion?index=-1',
    who: 'none',
    status: 400,
    code: 'INVALID_REQUEST',
    message: 'querystring/index must be >= 0',
  },
  {
    name: 'consistency proof without from',
    method: 'GET',
    url: '/v1/proofs/consistency',
    who: 'none',
    status: 400,
    code: 'INVALID_REQUEST',
    message: "querystring must have required property 'from'",
  },
  {
    name: 'token of an unknown role',
    method: 'POST',
    url: '/v1/tokens',
    who: 'operator',
    body: { role: 'admin', label: 'x' },
    status: 400,
    code: 'INVALID_REQUEST',
    message: 'body/role must be equal to one of the allowed values',
  },
  {
    name: 'revocation without a reason',
    method: 'POST',
    url: '/v1/registry/signers/dev-1/revoke',
    who: 'operator',
    body: {},
    status: 400,
    code: 'INVALID_REQUEST',
    message: "body must have required property 'reason'",
  },
  // 404
  {
    name: 'readings of an unknown meter',
    method: 'GET',
    url: `/v1/meters/nobody/readings?from=${T0}&to=${T0 + 900}`,
    who: 'issuer',
    status: 404,
    code: 'METER_NOT_FOUND',
    message: 'no registered signer lists meter "nobody"',
  },
  {
    name: 'bundle of an unknown meter among known ones',
    method: 'POST',
    url: '/v1/bundles',
    who: 'issuer',
    body: { meters: ['m-1', 'nobody', 'ghost'], ...period },
    status: 404,
    code: 'METER_NOT_FOUND',
    message: 'no registered signer lists meters "nobody", "ghost"',
  },
  {
    name: 'erasure of an unknown meter',
    method: 'POST',
    url: '/v1/erasures',
    who: 'operator',
    body: { meterId: 'nobody', ...period },
    status: 404,
    code: 'METER_NOT_FOUND',
    message: 'no registered signer lists meter "nobody"',
  },
  {
    name: 'an unknown signer',
    method: 'GET',
    url: '/v1/registry/signers/nobody',
    who: 'operator',
    status: 404,
    code: 'SIGNER_NOT_FOUND',
    message: 'no signer "nobody" is registered',
  },
  {
    name: 'revoking an unknown token',
    method: 'POST',
    url: '/v1/tokens/0123456789abcdef/revoke',
    who: 'operator',
    status: 404,
    code: 'TOKEN_NOT_FOUND',
    message: 'no token with id "0123456789abcdef"',
  },
  {
    name: 'inclusion proof of an index beyond the tree',
    method: 'GET',
    url: '/v1/proofs/inclusion?index=999',
    who: 'none',
    status: 404,
    code: 'OUT_OF_RANGE',
    message: /^leaf index 999 is not below tree size \d+$/,
  },
  {
    name: 'consistency proof to a size beyond the tree',
    method: 'GET',
    url: '/v1/proofs/consistency?from=1&to=999',
    who: 'none',
    status: 404,
    code: 'OUT_OF_RANGE',
    message: /^tree size 999 is beyond the published size \d+$/,
  },
  {
    name: 'an unknown route',
    method: 'GET',
    url: '/v1/nothing?x=1',
    who: 'issuer',
    status: 404,
    code: 'NOT_FOUND',
    message: 'no route for GET /v1/nothing',
  },
  {
    name: 'an unknown method on a known path',
    method: 'DELETE',
    url: '/v1/bundles',
    who: 'issuer',
    status: 404,
    code: 'NOT_FOUND',
    message: 'no route for DELETE /v1/bundles',
  },
];

describe('when a request fails', () => {
  let f: ApiFixture;
  let revoked: string;

  beforeAll(async () => {
    f = await openApiFixture();
    const device = new TestSigner('dev-1', 'device', ['m-1']);
    await registerSigner(f, device);
    await appendReadings(f, device, 'm-1', [1, 2, 3, 4], T0);
    const r = await f.tokens.createToken('issuer', 'to revoke');
    await f.tokens.revokeToken(r.info.id);
    revoked = r.token;
  });
  afterAll(async () => {
    await f?.close();
  });

  const header = (who: Who): Record<string, string> => {
    switch (who) {
      case 'none':
        return {};
      case 'unknown':
        return { authorization: `Bearer ${UNKNOWN_TOKEN}` };
      case 'malformed':
        return { authorization: 'Basic dXNlcjpwYXNz' };
      case 'revoked':
        return { authorization: `Bearer ${revoked}` };
      case 'issuer':
        return { authorization: `Bearer ${f.issuer}` };
      case 'operator':
        return { authorization: `Bearer ${f.operator}` };
    }
  };

  it.each(table.map((r) => [`${r.status} ${r.code}: ${r.name}`, r] as const))(
    'answers %s',
    async (_name, row) => {
      const res = await f.app.inject({
        method: row.method,
        url: row.url,
        headers: header(row.who),
        ...(row.body === undefined ? {} : { payload: row.body }),
      });
      expect(res.statusCode).toBe(row.status);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json() as { error: { code: string; message: string } };
      expect(Object.keys(body)).toEqual(['error']);
      expect(body.error.code).toBe(row.code);
      if (typeof row.message === 'string') expect(body.error.message).toBe(row.message);
      else expect(body.error.message).toMatch(row.message);
      if (row.status === 401) {
        expect(res.headers['www-authenticate']).toBe(
          row.who === 'none'
            ? 'Bearer realm="wattproof"'
            : 'Bearer realm="wattproof", error="invalid_token"',
        );
      }
      if (row.status === 403) {
        expect(res.headers['www-authenticate']).toBe(
          'Bearer realm="wattproof", error="insufficient_scope"',
        );
      }
    },
  );
});

describe('when a client goes over the rate limit', () => {
  const LIMIT = 3;
  let f: ApiFixture;

  beforeAll(async () => {
    f = await openApiFixture({ rateLimitPerMinute: LIMIT });
    const device = new TestSigner('dev-1', 'device', ['m-1']);
    await registerSigner(f, device);
    await appendReadings(f, device, 'm-1', [1, 2], T0);
  });
  afterAll(async () => {
    await f?.close();
  });

  const get = (url: string, token?: string, remoteAddress?: string) =>
    f.app.inject({
      method: 'GET',
      url,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      ...(remoteAddress === undefined ? {} : { remoteAddress }),
    });

  const expect429 = (res: Awaited<ReturnType<typeof get>>): void => {
    expect(res.statusCode).toBe(429);
    const retryAfter = Number(res.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = res.json() as { error: { code: string; message: string } };
    expect(body.error.code).toBe('RATE_LIMITED');
    expect(body.error.message).toMatch(
      new RegExp(
        `^rate limit exceeded: at most ${LIMIT} requests a minute per token \\(per client address without one\\); retry in \\d+ s$`,
      ),
    );
  };

  it('answers 429 with Retry-After on every token route once a token has used its requests', async () => {
    const url = readings(`from=${T0}&to=${T0 + 3600}`);
    for (let i = 0; i < LIMIT; i++) expect((await get(url, f.issuer)).statusCode).toBe(200);
    expect429(await get(url, f.issuer));
    // The limit is per token, across every token route: each one is now refused for it.
    const tokenRoutes = listRoutes(f.app).filter(
      (r) => r.method !== 'HEAD' && Array.isArray(r.schema?.security),
    );
    expect(tokenRoutes.length).toBeGreaterThanOrEqual(13);
    for (const r of tokenRoutes) {
      const path = r.url
        .replace(':meterId', 'm-1')
        .replace(':signerId', 'dev-1')
        .replace(':id', '0123456789abcdef');
      const res = await f.app.inject({
        method: r.method as 'GET' | 'POST',
        url: path,
        headers: { authorization: `Bearer ${f.issuer}` },
        ...(r.method === 'POST' ? { payload: {} } : {}),
      });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(429);
    }
    // Another token has its own allowance.
    expect((await get('/v1/erasures', f.operator)).statusCode).toBe(200);
  });

  it('counts requests without a valid token per client address', async () => {
    const url = '/v1/tokens';
    for (let i = 0; i < LIMIT; i++) {
      expect((await get(url, undefined, '10.0.0.7')).statusCode).toBe(401);
    }
    expect429(await get(url, undefined, '10.0.0.7'));
    // Guessed tokens share the address's allowance.
    expect429(await get(url, UNKNOWN_TOKEN, '10.0.0.7'));
    expect((await get(url, undefined, '10.0.0.8')).statusCode).toBe(401);
  });

  it('never limits the public routes', async () => {
    for (let i = 0; i < 4 * LIMIT; i++) {
      for (const url of [
        '/log/checkpoint',
        '/v1/log',
        '/v1/proofs/inclusion?index=0',
        '/metrics',
      ]) {
        const res = await get(url, undefined, '10.0.0.9');
        expect(res.statusCode, url).toBe(200);
        expect(res.headers['x-ratelimit-limit']).toBeUndefined();
      }
    }
  });
});
