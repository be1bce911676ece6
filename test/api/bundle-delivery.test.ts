/**
 * How `POST /v1/bundles` delivers (docs/bundle.md §Delivery, §Limits): the same bytes with or
 * without gzip, a Content-Length without it, 422 `BUNDLE_TOO_LARGE` beyond the limits, and the
 * in-flight cap (one bundle per token, a few in all) answered 429 / 503 with Retry-After.
 */
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { ApiError } from '../../src/api/errors.ts';
import { InFlightLimiter } from '../../src/api/in-flight.ts';
import { bundleRoutes } from '../../src/api/routes/bundles.ts';
import { buildBundle } from '../../src/bundle/index.ts';
import { verifyBundle } from '../../src/core/bundle/verify.ts';
import { TestSigner } from '../e2e/node-harness.ts';
import { appendReadings, openApiFixture, registerSigner, type ApiFixture } from './api-fixture.ts';

const T0 = 1_699_999_200;

describe('when an issuer takes a bundle over HTTP', () => {
  let f: ApiFixture;
  let small: FastifyInstance;
  const a = new TestSigner('dev-a', 'device', ['meter-a']);
  const seqs = Array.from({ length: 200 }, (_, i) => i + 1);

  beforeAll(async () => {
    f = await openApiFixture();
    await registerSigner(f, a);
    await appendReadings(f, a, 'meter-a', seqs, T0);
    small = await buildApp({
      log: f.log,
      tokens: f.tokens,
      routes: async (app) => {
        await app.register(bundleRoutes, {
          prefix: '/v1',
          tokens: f.tokens,
          source: f,
          checkpoint: () => f.log.checkpoint(),
          limits: { maxEntries: 50, maxBytes: 1 << 20 },
        });
      },
    });
  });
  afterAll(async () => {
    await small?.close();
    await f?.close();
  });

  const body = { meters: ['meter-a'], from: T0, to: T0 + 200 * 900 };
  const post = (app: FastifyInstance, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/v1/bundles',
      headers: { authorization: `Bearer ${f.issuer}`, ...headers },
      payload: body,
    });

  it('sends the bundle with its Content-Length, equal to the built one', async () => {
    const res = await post(f.app);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['vary']).toBe('accept-encoding');
    expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length);
    expect(res.body).toBe(JSON.stringify(await buildBundle({ ...f, ...body })));
  });

  it('gzips it for a client that accepts gzip, to the same bytes', async () => {
    const plain = await post(f.app);
    const res = await post(f.app, { 'accept-encoding': 'br;q=1, gzip;q=0.5' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['content-length']).toBeUndefined();
    const unzipped = gunzipSync(res.rawPayload);
    expect(unzipped.equals(plain.rawPayload)).toBe(true);
    expect(res.rawPayload.length).toBeLessThan(plain.rawPayload.length / 1.5);
    const verdict = verifyBundle(JSON.parse(unzipped.toString('utf8')), { logVkey: f.vkey });
    expect(verdict.valid).toBe(true);
  });

  it('does not gzip for gzip;q=0', async () => {
    const res = await post(f.app, { 'accept-encoding': 'gzip;q=0' });
    expect(res.headers['content-encoding']).toBeUndefined();
  });

  it('answers 422 BUNDLE_TOO_LARGE beyond the limits, saying how to split', async () => {
    const res = await post(small);
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-encoding']).toBeUndefined();
    const err = res.json().error;
    expect(err.code).toBe('BUNDLE_TOO_LARGE');
    expect(err.message).toContain('200 or more entries (limit 50)');
    expect(err.message).toContain('shorter periods');
  });
});

describe('when expensive requests pile up', () => {
  it('lets one per key and a few in all, and gives slots back once', () => {
    const l = new InFlightLimiter('bundle requests', { perKey: 1, total: 2 });
    const r1 = l.acquire('token:a');
    const refusal = (key: string): string | undefined => {
      try {
        l.acquire(key)();
        return undefined;
      } catch (e) {
        return e instanceof ApiError ? e.code : 'not an ApiError';
      }
    };
    expect(refusal('token:a')).toBe('TOO_MANY_IN_FLIGHT');
    const r2 = l.acquire('token:b');
    expect(refusal('token:c')).toBe('SERVER_BUSY');
    expect(l.active).toBe(2);
    r1();
    r1();
    expect(l.active).toBe(1);
    expect(refusal('token:a')).toBeUndefined();
    r2();
    expect(l.active).toBe(0);
    expect(l.stats).toEqual({ served: 3, refused: 2, abandoned: 0 });
  });

  it('refuses limits that are not positive whole numbers', () => {
    expect(() => new InFlightLimiter('x', { perKey: 0, total: 1 })).toThrow(RangeError);
  });
});
