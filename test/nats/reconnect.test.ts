/**
 * The JetStream source across a restart of its nats-server (same ports, same file store): the
 * client reconnects by itself and pulling resumes. Its own server, so that the restart
 * disturbs no other test.
 */
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readingSubscriptions } from '../../src/ingest/index.ts';
import { silentLogger } from '../../src/logger.ts';
import type { InboundMessage } from '../../src/mqtt/index.ts';
import { JetStreamSource } from '../../src/nats/index.ts';
import { tempDir } from '../helpers/tmp-dir.ts';
import { startNatsServer, type PrivateNatsServer } from './nats-server.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(25);
  }
}

let dir: { path: string; remove: () => Promise<void> };
let server: PrivateNatsServer;

beforeAll(async () => {
  dir = await tempDir('wattproof-nats-');
  server = await startNatsServer(dir.path);
}, 30_000);

afterAll(async () => {
  await server?.close();
  await dir?.remove();
});

async function meterPublish(topic: string, payload: Uint8Array): Promise<void> {
  const c = await connectAsync(server.mqttUrl, { protocolVersion: 4, clientId: 'meter-r' });
  try {
    await c.publishAsync(topic, Buffer.from(payload), { qos: 1 });
  } finally {
    await c.endAsync();
  }
}

describe('when the server restarts under a running source', () => {
  it('reconnects and goes on pulling from the same durable consumer', async () => {
    const src = new JetStreamSource({
      servers: server.natsUrl,
      stream: 'R1',
      durable: 'ingest',
      topicFilters: readingSubscriptions(undefined, 'r1/v1'),
      ackWaitMs: 2000,
      pullExpiresMs: 1000,
      logger: silentLogger,
    });
    const got: InboundMessage[] = [];
    await src.start(async (m) => {
      got.push(m);
      return { reasonCode: 0 };
    });
    try {
      await meterPublish('r1/v1/meters/m-1/readings', Uint8Array.of(1));
      await waitFor(() => src.stats.acked === 1);
      await server.restart();
      await meterPublish('r1/v1/meters/m-1/readings', Uint8Array.of(2));
      await waitFor(() => src.stats.acked === 2);
      expect(got.map((m) => m.payload[0])).toEqual([1, 2]);
      expect(src.stats.connected).toBe(true);
    } finally {
      await src.stop();
    }
  });
});
