/**
 * `POST /v1/erasures` and `GET /v1/erasures` (operator token): the erasure is answered with its
 * audit record naming the token that asked, repeated requests erase nothing more, the readings
 * route and bundles then list the readings as erased, and the audit list pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../src/core/bundle/verify.ts';
import type { ErasureJson } from '../../src/api/routes/erasures.ts';
import { TestSigner } from '../e2e/node-harness.ts';
import { appendReadings, openApiFixture, registerSigner, type ApiFixture } from './api-fixture.ts';

const T0 = 1_699_999_200;

describe('when the operator erases a meter’s readings over a period', () => {
  let f: ApiFixture;
  let operatorId: string;
  const device = new TestSigner('dev-e', 'device', ['meter-e']);

  beforeAll(async () => {
    f = await openApiFixture();
    await registerSigner(f, device);
    await appendReadings(f, device, 'meter-e', [1, 2, 3, 4, 5, 6, 7, 8], T0);
    operatorId = f.tokens.authenticate(f.operator)!.id;
  });
  afterAll(async () => {
    await f?.close();
  });

  const erase = (body: object) =>
    f.app.inject({
      method: 'POST',
      url: '/v1/erasures',
      headers: { authorization: `Bearer ${f.operator}` },
      payload: body,
    });
  const audit = (q = '') =>
    f.app.inject({
      method: 'GET',
      url: `/v1/erasures${q}`,
      headers: { authorization: `Bearer ${f.operator}` },
    });

  it('answers 201 with the audit record, and repeating it erases nothing more', async () => {
    const body = { meterId: 'meter-e', from: T0 + 1800, to: T0 + 4500, reason: 'GDPR-17 #1' };
    const res = await erase(body);
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const record = res.json() as ErasureJson;
    expect(record).toMatchObject({
      id: 1,
      ...body,
      requestedBy: { tokenId: operatorId, label: 'fixture operator' },
      matched: 3,
      erased: 3,
    });
    expect(Math.abs(Date.parse(record.erasedAt) - Date.now())).toBeLessThan(60_000);
    const again = (await erase(body)).json() as ErasureJson;
    expect([again.id, again.matched, again.erased]).toEqual([2, 3, 0]);
  });

  it('lists the readings as erased and keeps the bundle verifiable with them counted', async () => {
    const page = await f.app.inject({
      method: 'GET',
      url: `/v1/meters/meter-e/readings?from=${T0}&to=${T0 + 8 * 900}`,
      headers: { authorization: `Bearer ${f.issuer}` },
    });
    const flags = (page.json().readings as { erased: boolean }[]).map((r) => r.erased);
    expect(flags).toEqual([false, false, true, true, true, false, false, false]);
    const res = await f.app.inject({
      method: 'POST',
      url: '/v1/bundles',
      headers: { authorization: `Bearer ${f.issuer}` },
      payload: { meters: ['meter-e'], from: T0, to: T0 + 8 * 900 },
    });
    expect(res.statusCode).toBe(200);
    const verdict = verifyBundle(res.json(), { logVkey: f.vkey });
    if (!verdict.valid) throw new Error(`${verdict.code}: ${verdict.message}`);
    expect(verdict.erased).toHaveLength(3);
    expect(verdict.summary.totals.erased).toBe(3);
    expect(verdict.summary.totals.readings).toBe(5);
  });

  it('pages through the audit records, oldest first', async () => {
    await erase({ meterId: 'meter-e', from: 0, to: 1 });
    const first = (await audit('?limit=2')).json() as { erasures: ErasureJson[]; next?: number };
    expect(first.erasures.map((e) => e.id)).toEqual([1, 2]);
    expect(first.next).toBe(2);
    const rest = (await audit(`?after=${first.next}&limit=2`)).json() as {
      erasures: ErasureJson[];
      next?: number;
    };
    expect(rest.erasures.map((e) => [e.id, e.from, e.to, e.matched])).toEqual([[3, 0, 1, 0]]);
    expect(rest.next).toBeUndefined();
    expect(rest.erasures[0]!.reason).toBeUndefined();
  });
});
