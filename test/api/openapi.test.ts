/**
 * The OpenAPI document at `/docs/json` describes every route the app registers — parameters,
 * query, body and responses — declares the bearer-token security on exactly the routes that
 * refuse a request without a token, and groups the routes by role (public, issuer, operator),
 * each saying which token it needs, checked against what the route does with each token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRoutes } from '../../src/api/route-catalog.ts';
import { TestSigner } from '../e2e/node-harness.ts';
import { openApiFixture, registerSigner, type ApiFixture } from './api-fixture.ts';

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: { in: string; name: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, unknown>;
  security?: unknown;
}
interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
  tags?: { name: string; description: string }[];
}

const openApiPath = (url: string): string =>
  url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{*}');

const sample = (url: string): string =>
  url
    .replace(':meterId', 'm-1')
    .replace(':signerId', 'dev-1')
    .replace(':id', '0123456789abcdef')
    .replace(/\*$/, '0/000');

describe('when a client reads the API documentation', () => {
  let f: ApiFixture;
  let spec: OpenApi;

  beforeAll(async () => {
    f = await openApiFixture();
    await registerSigner(f, new TestSigner('dev-1', 'device', ['m-1']));
    const res = await f.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    spec = res.json() as OpenApi;
  });
  afterAll(async () => {
    await f?.close();
  });

  const documented = () =>
    listRoutes(f.app).filter((r) => r.method !== 'HEAD' && r.schema?.hide !== true);

  it('serves the page at /docs and an OpenAPI 3.1 document with the bearer scheme', async () => {
    const page = await f.app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const css = await f.app.inject({ method: 'GET', url: '/docs/static/swagger-ui.css' });
    expect(css.statusCode).toBe(200);
    expect(spec.openapi).toBe('3.1.0');
    expect(spec.components.securitySchemes).toEqual({
      bearerToken: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
  });

  it('records the routes of every part of the API', () => {
    const names = documented().map((r) => `${r.method} ${r.url}`);
    for (const n of [
      'GET /log/checkpoint',
      'GET /log/tile/*',
      'GET /log/tile/entries/*',
      'GET /v1/log',
      'GET /v1/proofs/inclusion',
      'GET /v1/proofs/consistency',
      'POST /v1/bundles',
      'GET /v1/meters/:meterId/readings',
      'POST /v1/erasures',
      'GET /v1/erasures',
      'POST /v1/tokens',
      'GET /v1/tokens',
      'POST /v1/tokens/:id/revoke',
      'POST /v1/registry/signers',
      'GET /v1/registry/signers/:signerId',
      'GET /v1/quarantine',
      'GET /v1/quarantine/counts',
      'GET /metrics',
    ]) {
      expect(names).toContain(n);
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it('describes every registered route: summary, path parameters, query, body and responses', () => {
    const routes = documented();
    expect(routes.length).toBeGreaterThanOrEqual(20);
    for (const r of routes) {
      const where = `${r.method} ${r.url}`;
      const op = spec.paths[openApiPath(r.url)]?.[r.method.toLowerCase()];
      expect(op, where).toBeDefined();
      expect(op!.summary, where).toEqual(expect.any(String));
      const params = op!.parameters ?? [];
      for (const m of r.url.matchAll(/:([A-Za-z0-9_]+)|\*$/g)) {
        const name = m[1] ?? '*';
        expect(params, `${where} path parameter ${name}`).toContainEqual(
          expect.objectContaining({ in: 'path', name, required: true }),
        );
      }
      const query = r.schema?.querystring as { properties?: Record<string, unknown> } | undefined;
      expect(query, `${where} has a querystring schema`).toBeDefined();
      for (const name of Object.keys(query!.properties ?? {})) {
        expect(params, `${where} query ${name}`).toContainEqual(
          expect.objectContaining({ in: 'query', name }),
        );
      }
      expect(r.schema?.params, `${where} has a params schema`).toBeDefined();
      if (r.schema?.body !== undefined) {
        expect(op!.requestBody?.content['application/json']?.schema, where).toBeDefined();
      }
      const codes = Object.keys(op!.responses);
      expect(
        codes.some((c) => /^2\d\d$/.test(c)),
        `${where} success`,
      ).toBe(true);
      expect(codes, where).toContain('500');
    }
  });

  it('declares the bearer token on exactly the routes that refuse a request without one', async () => {
    let tokenRoutes = 0;
    for (const r of documented()) {
      const where = `${r.method} ${r.url}`;
      const res = await f.app.inject({
        method: r.method as 'GET' | 'POST',
        url: sample(r.url),
        ...(r.method === 'POST' ? { payload: {} } : {}),
      });
      const op = spec.paths[openApiPath(r.url)]![r.method.toLowerCase()]!;
      if (res.statusCode === 401) {
        tokenRoutes++;
        expect(op.security, where).toEqual([{ bearerToken: [] }]);
        expect(Object.keys(op.responses), where).toEqual(
          expect.arrayContaining(['401', '403', '429']),
        );
      } else {
        expect(op.security, `${where} answered ${res.statusCode}`).toBeUndefined();
      }
    }
    expect(tokenRoutes).toBe(19);
  });
  it('groups the routes by role: public, issuer, operator, one tag each', () => {
    expect(spec.tags?.map((t) => t.name)).toEqual(['public', 'issuer', 'operator']);
    const byTag = new Map<string, string[]>();
    for (const r of documented()) {
      const op = spec.paths[openApiPath(r.url)]![r.method.toLowerCase()]!;
      expect(op.tags, `${r.method} ${r.url}`).toHaveLength(1);
      const tag = op.tags![0]!;
      byTag.set(tag, [...(byTag.get(tag) ?? []), `${r.method} ${r.url}`]);
    }
    expect([...byTag.keys()].sort()).toEqual(['issuer', 'operator', 'public']);
    expect(byTag.get('public')).toEqual(
      expect.arrayContaining(['GET /log/checkpoint', 'GET /v1/log', 'GET /v1/proofs/consistency']),
    );
    expect(byTag.get('issuer')).toEqual(
      expect.arrayContaining(['POST /v1/bundles', 'GET /v1/meters/:meterId/readings']),
    );
    expect(byTag.get('operator')).toEqual(
      expect.arrayContaining(['POST /v1/tokens', 'GET /v1/quarantine', 'GET /metrics']),
    );
  });

  it('says on each route the token it needs, and the route takes exactly that one', async () => {
    const other = { issuer: f.operator, operator: f.issuer } as const;
    const own = { issuer: f.issuer, operator: f.operator } as const;
    for (const r of documented()) {
      const where = `${r.method} ${r.url}`;
      const op = spec.paths[openApiPath(r.url)]![r.method.toLowerCase()]!;
      const tag = op.tags![0] as 'public' | 'issuer' | 'operator';
      const call = (token?: string) =>
        f.app.inject({
          method: r.method as 'GET' | 'POST',
          url: sample(r.url),
          ...(r.method === 'POST' ? { payload: {} } : {}),
          ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }),
        });
      if (op.security === undefined) {
        expect(op.description, where).toMatch(/^Needs no token/);
        expect(tag === 'public' || r.url === '/metrics', where).toBe(true);
        continue;
      }
      expect(tag, where).not.toBe('public');
      const role = tag as 'issuer' | 'operator';
      expect(op.description, where).toMatch(new RegExp(`^Needs an ${role} token`));
      expect((await call(other[role])).statusCode, `${where} with the other role`).toBe(403);
      expect([401, 403], `${where} with its own role`).not.toContain(
        (await call(own[role])).statusCode,
      );
    }
  });

  it('says on the public routes that any origin may read them', () => {
    for (const url of ['/log/checkpoint', '/v1/log', '/v1/proofs/inclusion']) {
      expect(spec.paths[url]!.get!.description, url).toMatch(/readable from any origin \(CORS\)/);
    }
    expect(spec.paths['/metrics']!.get!.description).not.toMatch(/CORS/);
  });
});
