/**
 * A quarantine that keeps evidence under a flood (docs/formats.md "Quarantine"): an equivocation
 * is quarantined as signed evidence, then 200,000 junk messages arrive through the real Mosquitto
 * on many meters' topics. The quarantine stays within its byte budget, junk within its half, and
 * the equivocation's record is still there; the node keeps ingesting good readings.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MOSQUITTO_URL,
  meterTopic,
  Publisher,
  startTestNode,
  TestSigner,
  waitFor,
  type TestNode,
} from './node-harness.ts';

const JUNK = 200_000;
const BUDGET = 8 * 1024 * 1024;
const RECORDS = 20_000;
const T0 = Math.floor(Date.now() / 1000 / 900) * 900 - 86_400;

interface Counts {
  records: number;
  bytes: number;
  maxBytes: number;
  tiers: { signed: { records: number; bytes: number }; junk: { records: number; bytes: number } };
  evicted: { signed: number; junk: number };
  rejectedByCode: Record<string, number>;
}

describe('when 200,000 junk messages flood the quarantine through Mosquitto', () => {
  let t: TestNode;
  let pub: Publisher;
  let operator: string;
  const device = new TestSigner('dev-flood', 'device', ['meter-flood']);
  const counts = async (): Promise<Counts> => {
    const res = await fetch(`${t.node.url}/v1/quarantine/counts`, {
      headers: { authorization: `Bearer ${operator}` },
    });
    // Any other answer is a failure that names itself, not a missing field further down.
    if (res.status !== 200) throw new Error(`counts: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as Counts;
  };
  const rejected = (c: Counts): number =>
    Object.values(c.rejectedByCode).reduce((a, n) => a + n, 0);

  beforeAll(async () => {
    t = await startTestNode('mosquitto', {
      config: { quarantineRecords: RECORDS, quarantineBytes: BUDGET },
    });
    await device.register(t.node);
    operator = (await t.node.tokens.createToken('operator', 'test operator')).token;
    pub = await Publisher.connect(t.brokerUrl, t.topicRoot);
    const topic = meterTopic(t.topicRoot, 'meter-flood');
    await pub.publish(topic, device.sign(device.reading('meter-flood', 1, T0)));
    await pub.publish(topic, device.sign(device.reading('meter-flood', 1, T0, { quality: 3 })));
    await waitFor(async () => (await counts()).tiers.signed.records === 1, 'the equivocation');
  });
  afterAll(async () => {
    await pub?.close();
    await t?.close();
  });

  it('stays within its byte budget and keeps the equivocation evidence', async () => {
    // Four connections, QoS 1, junk of 40–1,040 bytes on 500 meters' topics.
    const clients = await Promise.all(
      [0, 1, 2, 3].map(() =>
        mqtt.connectAsync(MOSQUITTO_URL, { protocolVersion: 4, clean: true, reconnectPeriod: 0 }),
      ),
    );
    const per = JUNK / clients.length;
    await Promise.all(
      clients.map(async (c, k) => {
        for (let start = 0; start < per; start += 500) {
          const sends: Promise<unknown>[] = [];
          for (let i = start; i < Math.min(per, start + 500); i++) {
            const n = k * per + i;
            const junk = Buffer.alloc(40 + (n % 1000), n & 0xff);
            sends.push(
              c.publishAsync(meterTopic(t.topicRoot, `junk-${n % 500}`), junk, { qos: 1 }),
            );
          }
          await Promise.all(sends);
        }
      }),
    );
    await Promise.all(clients.map((c) => c.endAsync()));
    // Polled within the operator token's rate limit (600 a minute), however long the flood takes.
    await waitFor(
      async () => rejected(await counts()) >= JUNK + 1,
      'every junk message',
      120_000,
      250,
    );

    const c = await counts();
    expect(rejected(c)).toBe(JUNK + 1);
    expect(c.bytes).toBeLessThanOrEqual(BUDGET);
    expect(c.tiers.junk.bytes).toBeLessThanOrEqual(BUDGET / 2);
    expect(c.records).toBeLessThanOrEqual(RECORDS);
    expect(c.evicted.junk).toBeGreaterThan(JUNK / 2);
    expect(c.evicted.signed).toBe(0);
    const res = await fetch(`${t.node.url}/v1/quarantine?code=EQUIVOCATION`, {
      headers: { authorization: `Bearer ${operator}` },
    });
    const { records } = (await res.json()) as { records: { tier: string; source: string }[] };
    expect(records).toEqual([
      expect.objectContaining({ tier: 'signed', source: 'signer:dev-flood' }),
    ]);
    const metrics = await (await fetch(`${t.node.url}/metrics`)).text();
    expect(metrics).toMatch(/quarantine_bytes \d+/);
    expect(metrics).toContain('quarantine_evicted_records{tier="junk"}');
    // Report the figures of this run.
    console.log(
      `quarantine after ${JUNK} junk messages: ${c.records} records, ${c.bytes} bytes ` +
        `(budget ${BUDGET}), junk ${c.tiers.junk.records} records / ${c.tiers.junk.bytes} bytes, ` +
        `evicted ${c.evicted.junk}`,
    );

    // And the node still takes good readings.
    await pub.publish(
      meterTopic(t.topicRoot, 'meter-flood'),
      device.sign(device.reading('meter-flood', 2, T0)),
    );
    await waitFor(() => t.node.ingest.stats.accepted >= 2, 'a good reading after the flood');
  }, 240_000);
});
