/**
 * MqttSource against the real Mosquitto at 127.0.0.1:1883 (`.ci/run` starts it). Each run uses
 * its own client ids and topic prefix, and removes the sessions it created.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AckOutcome, InboundMessage } from '../../src/mqtt/transport.ts';
import { MqttError, MqttSource } from '../../src/mqtt/index.ts';
import { silentLogger } from '../../src/logger.ts';

const BROKER = 'mqtt://127.0.0.1:1883';
const RUN = randomUUID().slice(0, 8);
const PREFIX = `test/${RUN}`;
const FILTER = `${PREFIX}/meters/+/readings`;
const text = (m: InboundMessage) => new TextDecoder().decode(m.payload);

let seq = 0;
const clientIds: string[] = [];
const sources: MqttSource[] = [];
const clients: MqttClient[] = [];

function nodeClientId(): string {
  const id = `wp-node-${RUN}-${++seq}`;
  clientIds.push(id);
  return id;
}

type Call = {
  message: InboundMessage;
  resolve: (o: AckOutcome) => void;
  reject: (e: Error) => void;
};

/** A source whose handler records each message and leaves settling to the test. */
function source(
  clientId: string,
  protocolVersion: 4 | 5 = 5,
  extra: Partial<ConstructorParameters<typeof MqttSource>[0]> = {},
): { src: MqttSource; calls: Call[]; start: () => Promise<void> } {
  const calls: Call[] = [];
  const src = new MqttSource({
    url: BROKER,
    clientId,
    protocolVersion,
    subscriptions: [FILTER],
    logger: silentLogger,
    reconnectMinMs: 20,
    stopTimeoutMs: 2000,
    ...extra,
  });
  sources.push(src);
  const start = () =>
    src.start(
      (message) =>
        new Promise<AckOutcome>((resolve, reject) => calls.push({ message, resolve, reject })),
    );
  return { src, calls, start };
}

async function publisher(): Promise<MqttClient> {
  const c = await connectAsync(BROKER, {
    clientId: `wp-pub-${RUN}-${++seq}`,
    protocolVersion: 5,
    clean: true,
    reconnectPeriod: 0,
  });
  clients.push(c);
  return c;
}

async function publishAll(pub: MqttClient, bodies: string[], meter = 'm1'): Promise<void> {
  // Resolves when the broker has acknowledged every publish to the publisher.
  await Promise.all(
    bodies.map((b) => pub.publishAsync(`${PREFIX}/meters/${meter}/readings`, b, { qos: 1 })),
  );
}

async function until(cond: () => boolean, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bodies = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}-${i}`);

/** Connects once more as `clientId` and reports what the broker still holds for it. */
async function leftover(clientId: string, protocolVersion: 4 | 5 = 5): Promise<string[]> {
  const { calls, start, src } = source(clientId, protocolVersion);
  await start();
  await sleep(300);
  for (const c of calls) c.resolve({ reasonCode: 0 });
  await src.stop();
  return calls.map((c) => text(c.message));
}

afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
  await Promise.all(clients.splice(0).map((c) => c.endAsync()));
});

afterAll(async () => {
  // Clean start with a zero expiry removes each session this run created.
  for (const clientId of clientIds) {
    const c = await connectAsync(BROKER, {
      clientId,
      protocolVersion: 5,
      clean: true,
      properties: { sessionExpiryInterval: 0 },
      reconnectPeriod: 0,
    });
    await c.endAsync();
  }
});

describe('when Mosquitto delivers QoS 1 readings', () => {
  it('holds hundreds of messages in flight before the first PUBACK', async () => {
    const id = nodeClientId();
    const { src, calls, start } = source(id);
    await start();
    const pub = await publisher();
    await publishAll(pub, bodies(500, 'inflight'));
    await until(() => calls.length === 500);
    // Far beyond Mosquitto's default in-flight window of 20 (max_inflight_messages).
    expect(src.stats).toMatchObject({ received: 500, inFlight: 500, acked: 0 });
    expect(calls.map((c) => text(c.message))).toEqual(bodies(500, 'inflight'));
    for (const c of calls) c.resolve({ reasonCode: 0 });
    await until(() => src.stats.acked === 500);
    await src.stop();
    expect(await leftover(id)).toEqual([]);
  });

  it('sends no PUBACK past an unresolved message, so the broker redelivers all of them', async () => {
    const id = nodeClientId();
    const first = source(id, 5, { stopTimeoutMs: 300 });
    await first.start();
    const pub = await publisher();
    await publishAll(pub, bodies(10, 'order'));
    await until(() => first.calls.length === 10);
    // Resolve all but the first, last to second: PUBACKs must wait for the first (MQTT §4.6).
    for (const c of first.calls.slice(1).reverse()) c.resolve({ reasonCode: 0 });
    await sleep(100);
    expect(first.src.stats.acked).toBe(0);
    await first.src.stop(); // gives up on the first after 300 ms
    first.calls[0]!.resolve({ reasonCode: 0 });

    // Had PUBACKs 2..10 gone out, Mosquitto would redeliver only the first.
    const second = source(id);
    await second.start();
    await until(() => second.calls.length === 10);
    expect(second.calls.map((c) => text(c.message))).toEqual(bodies(10, 'order'));
    for (const c of second.calls.reverse()) c.resolve({ reasonCode: 0 });
    await until(() => second.src.stats.acked === 10);
    await second.src.stop();
    expect(await leftover(id)).toEqual([]);
  });
});

describe('when the handler rejects', () => {
  it('leaves the message unacknowledged and takes it again after reconnecting', async () => {
    const id = nodeClientId();
    const seen: string[] = [];
    let failedOnce = false;
    const src = new MqttSource({
      url: BROKER,
      clientId: id,
      subscriptions: [FILTER],
      logger: silentLogger,
      reconnectMinMs: 20,
    });
    sources.push(src);
    await src.start(async (m) => {
      seen.push(text(m));
      if (text(m) === 'bad' && !failedOnce) {
        failedOnce = true;
        throw new Error('commit failed');
      }
      return { reasonCode: 0 };
    });
    const pub = await publisher();
    await publishAll(pub, ['good-1']);
    await until(() => seen.length === 1);
    await publishAll(pub, ['bad', 'good-2']);
    await until(() => seen.filter((s) => s === 'bad').length === 2);
    // Redeliveries of a resumed session may arrive (and be acknowledged) before the SUBACK
    // that completes the reconnection.
    await until(
      () => src.stats.acked >= 3 && src.stats.inFlight === 0 && src.stats.reconnects >= 1,
    );
    expect(src.stats.handlerFailures).toBe(1);
    expect(seen.slice(0, 2)).toEqual(['good-1', 'bad']);
    await src.stop();
    expect(await leftover(id)).toEqual([]);
  });
});

describe.each([5, 4] as const)('when the node is away (MQTT %s persistent session)', (v) => {
  it('gets what was published meanwhile once it connects again', async () => {
    const id = nodeClientId();
    const first = source(id, v);
    await first.start();
    await first.src.stop();
    const pub = await publisher();
    await publishAll(pub, bodies(50, `away-v${v}`));
    const second = source(id, v);
    await second.start();
    // Acknowledge as they come: with MQTT 3.1.1 Mosquitto sends at most max_inflight_messages
    // (20 by default) before it waits for PUBACKs.
    let resolved = 0;
    await until(() => {
      for (const c of second.calls.slice(resolved)) c.resolve({ reasonCode: 0 });
      resolved = second.calls.length;
      return second.src.stats.acked === 50;
    });
    expect(second.calls.map((c) => text(c.message))).toEqual(bodies(50, `away-v${v}`));
    await second.src.stop();
    expect(await leftover(id, v)).toEqual([]);
  });
});

describe('when stopping', () => {
  it('acknowledges what resolved while it waited', async () => {
    const id = nodeClientId();
    const { src, calls, start } = source(id);
    await start();
    const pub = await publisher();
    await publishAll(pub, bodies(30, 'stop'));
    await until(() => calls.length === 30);
    setTimeout(() => calls.forEach((c) => c.resolve({ reasonCode: 0 })), 200);
    const t0 = Date.now();
    await src.stop();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expect(src.stats).toMatchObject({ acked: 30, inFlight: 0, connected: false });
    expect(await leftover(id)).toEqual([]);
  });
});

describe('when publishing receipts', () => {
  it('delivers them at QoS 0 to subscribers', async () => {
    const { src, start } = source(nodeClientId());
    await start();
    const sub = await publisher();
    const got = new Promise<Buffer>((resolve) =>
      sub.on('message', (_t, payload) => resolve(payload)),
    );
    await sub.subscribeAsync(`${PREFIX}/meters/m9/receipts`, { qos: 0 });
    src.publish(`${PREFIX}/meters/m9/receipts`, new Uint8Array([0xde, 0xad]));
    expect([...(await got)]).toEqual([0xde, 0xad]);
    expect(src.stats).toMatchObject({ published: 1, droppedPublishes: 0 });
  });
});

describe('when the broker cannot be reached', () => {
  it('fails fast with BROKER_UNREACHABLE naming the URL', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const src = new MqttSource({
      url: `mqtt://127.0.0.1:${port}`,
      clientId: nodeClientId(),
      subscriptions: [FILTER],
      logger: silentLogger,
    });
    const t0 = Date.now();
    const err = await src.start(async () => ({ reasonCode: 0 })).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(err).toBeInstanceOf(MqttError);
    expect(err).toMatchObject({ code: 'BROKER_UNREACHABLE' });
    expect((err as Error).message).toContain(`mqtt://127.0.0.1:${port}`);
    expect((err as Error).message).toContain('ECONNREFUSED');
  });
});
