/**
 * `POST /v1/bundles` with a list of meters: one bundle covering them all, verified offline by
 * the core, with one summary per meter and nothing of the meters not asked for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../src/core/bundle/verify.ts';
import { TestSigner } from '../e2e/node-harness.ts';
import { appendReadings, openApiFixture, registerSigner, type ApiFixture } from './api-fixture.ts';

const T0 = 1_699_999_200;

describe('when an issuer asks for the bundle of several meters', () => {
  let f: ApiFixture;
  const a = new TestSigner('dev-a', 'device', ['meter-a']);
  const platform = new TestSigner('plat-bc', 'platform', ['meter-b', 'meter-c']);
  const other = new TestSigner('dev-z', 'device', ['meter-z']);

  beforeAll(async () => {
    f = await openApiFixture();
    for (const s of [a, platform, other]) await registerSigner(f, s);
    await appendReadings(f, a, 'meter-a', [1, 2, 3, 4], T0);
    await appendReadings(f, other, 'meter-z', [1, 2, 3, 4], T0);
    await appendReadings(f, platform, 'meter-b', [1, 2, 3], T0);
    await appendReadings(f, platform, 'meter-c', [1, 2], T0);
  });
  afterAll(async () => {
    await f?.close();
  });

  const post = (body: object) =>
    f.app.inject({
      method: 'POST',
      url: '/v1/bundles',
      headers: { authorization: `Bearer ${f.issuer}` },
      payload: body,
    });

  it('returns one bundle over every meter listed, which the core verifies', async () => {
    const res = await post({ meters: ['meter-c', 'meter-a', 'meter-b'], from: T0, to: T0 + 3600 });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const bundle = res.json();
    expect(bundle.request.meters).toEqual(['meter-c', 'meter-a', 'meter-b']);
    const verdict = verifyBundle(bundle, { logVkey: f.vkey });
    if (!verdict.valid) throw new Error(`${verdict.code}: ${verdict.message}`);
    expect(verdict.summary.totals.readings).toBe(9);
    expect(verdict.summary.totals.trust).toEqual({ device: 4, platform: 5 });
    const perMeter = Object.fromEntries(verdict.summary.meters.map((m) => [m.meter, m.readings]));
    expect(perMeter).toEqual({ 'meter-a': 4, 'meter-b': 3, 'meter-c': 2 });
    expect(JSON.stringify(bundle)).not.toContain('meter-z');
  });

  it('lists a meter without readings in the period with none', async () => {
    const res = await post({ meters: ['meter-a', 'meter-c'], from: T0 + 1800, to: T0 + 3600 });
    expect(res.statusCode).toBe(200);
    const verdict = verifyBundle(res.json(), { logVkey: f.vkey });
    if (!verdict.valid) throw new Error(`${verdict.code}: ${verdict.message}`);
    expect(verdict.summary.totals.readings).toBe(2);
    expect(verdict.readings.every((r) => r.meterId === 'meter-a')).toBe(true);
  });
});
