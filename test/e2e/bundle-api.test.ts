/**
 * Readings in over MQTT, an evidence bundle out over HTTP (issuer token), verified offline by the
 * core with nothing but the log key; and the route's 401 / 403 / 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../src/core/bundle/verify.ts';
import {
  meterTopic,
  Publisher,
  startTestNode,
  TestSigner,
  waitFor,
  type TestNode,
} from './node-harness.ts';

const T0 = Math.floor(Date.now() / 1000 / 3600) * 3600 - 86_400;

describe('when an issuer asks a node for a bundle', () => {
  let t: TestNode;
  let pub: Publisher;
  let issuer: string;
  let operator: string;
  const device = new TestSigner('dev-bundle', 'device', ['meter-bundle']);
  const other = new TestSigner('dev-other', 'device', ['meter-other']);

  beforeAll(async () => {
    t = await startTestNode('embedded');
    await device.register(t.node);
    await other.register(t.node);
    issuer = (await t.node.tokens.createToken('issuer', 'test issuer')).token;
    operator = (await t.node.tokens.createToken('operator', 'test operator')).token;
    pub = await Publisher.connect(t.brokerUrl, t.topicRoot);
    for (let seq = 1; seq <= 8; seq++) {
      for (const d of [device, other])
        await pub.publish(
          meterTopic(t.topicRoot, d.meters[0]!),
          d.sign(d.reading(d.meters[0]!, seq, T0)),
        );
    }
    await waitFor(() => t.node.ingest.stats.accepted >= 16, '16 readings');
  });
  afterAll(async () => {
    await pub?.close();
    await t?.close();
  });

  const post = (body: unknown, token?: string) =>
    fetch(`${t.node.url}/v1/bundles`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });

  it('returns a bundle the core verifies offline, with the energy recomputed from the readings', async () => {
    const res = await post({ meters: ['meter-bundle'], from: T0, to: T0 + 4 * 900 }, issuer);
    expect(res.status).toBe(200);
    const bundle = await res.json();
    const verdict = verifyBundle(bundle, { logVkey: t.node.vkey });
    if (!verdict.valid) throw new Error(`${verdict.code}: ${verdict.message}`);
    expect(verdict.summary.totals.readings).toBe(4);
    expect(verdict.summary.totals.importWh).toBe(4 * 500);
    // Another meter's readings are never disclosed.
    expect(JSON.stringify(bundle)).not.toContain('meter-other');
  });

  it('answers 401 without a token, 403 with an operator token, 400 for a bad request', async () => {
    const body = { meters: ['meter-bundle'], from: T0, to: T0 + 900 };
    expect((await post(body)).status).toBe(401);
    expect((await post(body, operator)).status).toBe(403);
    expect((await post({ meters: [], from: T0, to: T0 + 1 }, issuer)).status).toBe(400);
    expect((await post({ meters: ['meter-bundle'], from: T0 + 900, to: T0 }, issuer)).status).toBe(
      400,
    );
    expect((await post({ meters: ['../x'], from: 0, to: 1 }, issuer)).status).toBe(400);
  });
});
