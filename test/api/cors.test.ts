/**
 * CORS (Fetch Standard §3.2) on the public routes only: `/log/*`, `/v1/log` and `/v1/proofs/*`
 * answer any origin and their preflights; the token routes send no CORS header, to a
 * preflight or to a request, so a page of another origin can never read them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORS_METHODS, isCorsPath } from '../../src/api/cors.ts';
import { openApiFixture, type ApiFixture } from './api-fixture.ts';

const ORIGIN = 'https://verifier.example';
const preflight = (method = 'GET') => ({
  origin: ORIGIN,
  'access-control-request-method': method,
});

describe('when a page of another origin reads the node', () => {
  let f: ApiFixture;

  beforeAll(async () => {
    f = await openApiFixture();
  });
  afterAll(async () => {
    await f?.close();
  });

  it.each(['/log/checkpoint', '/log/tile/0/000.p/1', '/v1/log', '/v1/proofs/consistency?from=0'])(
    'lets any origin read %s',
    async (url) => {
      const res = await f.app.inject({ method: 'GET', url, headers: { origin: ORIGIN } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      // Never with credentials: `*` and credentials exclude each other (Fetch §3.2.5).
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    },
  );

  it('sends the header on a public route error too, so the page can read why', async () => {
    const res = await f.app.inject({
      method: 'GET',
      url: '/v1/proofs/consistency?from=99',
      headers: { origin: ORIGIN },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'OUT_OF_RANGE' } });
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it.each(['/log/checkpoint', '/log/tile/entries/000', '/v1/log', '/v1/proofs/inclusion'])(
    'answers a preflight to %s with 204 and the allowed methods',
    async (url) => {
      const res = await f.app.inject({
        method: 'OPTIONS',
        url,
        headers: { ...preflight(), 'access-control-request-headers': 'if-none-match' },
      });
      expect(res.statusCode).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['access-control-allow-methods']).toBe(CORS_METHODS);
      expect(String(res.headers['access-control-allow-headers'])).toMatch(/If-None-Match/i);
      expect(Number(res.headers['access-control-max-age'])).toBeGreaterThan(0);
      expect(res.rawPayload.length).toBe(0);
    },
  );

  it('answers an OPTIONS request that is not a preflight with the JSON 404', async () => {
    const res = await f.app.inject({ method: 'OPTIONS', url: '/log/checkpoint' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it.each([
    ['POST', '/v1/bundles'],
    ['GET', '/v1/meters/m-1/readings'],
    ['POST', '/v1/tokens'],
    ['GET', '/v1/quarantine'],
    ['POST', '/v1/registry/signers'],
    ['GET', '/v1/erasures'],
  ])('sends no CORS header to a preflight for %s %s (same-origin only)', async (method, url) => {
    const res = await f.app.inject({
      method: 'OPTIONS',
      url,
      headers: { ...preflight(method), 'access-control-request-headers': 'authorization' },
    });
    expect(res.statusCode).toBe(404);
    for (const h of Object.keys(res.headers)) expect(h).not.toMatch(/^access-control-/);
  });

  it('sends no CORS header on a token route answer, with or without a token', async () => {
    for (const token of [undefined, f.issuer]) {
      const res = await f.app.inject({
        method: 'GET',
        url: '/v1/meters/m-1/readings?from=0&to=900',
        headers: {
          origin: ORIGIN,
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
      });
      expect(res.statusCode).not.toBe(500);
      for (const h of Object.keys(res.headers)) expect(h).not.toMatch(/^access-control-/);
    }
  });

  it('counts as public exactly the log, its description and the proofs', () => {
    for (const p of [
      '/log/checkpoint',
      '/log/tile/0/000',
      '/v1/log',
      '/v1/log?x=1',
      '/v1/proofs/inclusion',
    ]) {
      expect(isCorsPath(p), p).toBe(true);
    }
    for (const p of [
      '/v1/logs',
      '/v1/login',
      '/log',
      '/v1/bundles',
      '/v1/proofsx',
      '/metrics',
      '/docs/json',
      '/v1/tokens?x=/log/',
    ]) {
      expect(isCorsPath(p), p).toBe(false);
    }
  });
});
