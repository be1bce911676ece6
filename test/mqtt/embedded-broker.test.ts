/**
 * The embedded aedes broker: a device's PUBACK waits for the handler; a rejected handler means
 * no PUBACK; acknowledgements keep arrival order; port errors are typed.
 */
import { createServer, connect as netConnect, type AddressInfo, type Server } from 'node:net';
import { connectAsync, type MqttClient } from 'mqtt';
import { generate, parser as createParser, type Packet } from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import type { AckOutcome, InboundMessage } from '../../src/mqtt/transport.ts';
import { EmbeddedBroker, MqttError } from '../../src/mqtt/index.ts';
import { silentLogger } from '../../src/logger.ts';

const READINGS = 'wattproof/v1/meters/+/readings';
const text = (m: InboundMessage) => new TextDecoder().decode(m.payload);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const brokers: EmbeddedBroker[] = [];
const devices: MqttClient[] = [];
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.endAsync(true)));
  await Promise.all(brokers.splice(0).map((b) => b.stop()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function startBroker(
  handler: (m: InboundMessage) => Promise<AckOutcome>,
  port = 0,
): Promise<EmbeddedBroker> {
  // Open to anonymous clients: these tests are about acknowledgements (access: closed-broker.test.ts).
  const b = new EmbeddedBroker({
    port,
    access: 'anonymous',
    readingTopics: [READINGS],
    logger: silentLogger,
    stopTimeoutMs: 2000,
  });
  brokers.push(b);
  await b.start(handler);
  return b;
}

async function device(b: EmbeddedBroker, clientId = `dev-${Math.random()}`): Promise<MqttClient> {
  const d = await connectAsync(`mqtt://127.0.0.1:${b.port}`, {
    clientId,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  devices.push(d);
  return d;
}

describe('when started on port 0', () => {
  it('listens on a free port and says which', async () => {
    const b = await startBroker(async () => ({ reasonCode: 0 }));
    expect(b.port).toBeGreaterThan(0);
    expect(b.description).toBe(`embedded broker on 127.0.0.1:${b.port}`);
    const d = await device(b);
    expect(d.connected).toBe(true);
  });
});

describe('when the port is taken', () => {
  it('fails with PORT_IN_USE naming the port and the flag to change it', async () => {
    const blocker = createServer();
    servers.push(blocker);
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    const b = new EmbeddedBroker({
      port,
      access: 'anonymous',
      readingTopics: [READINGS],
      logger: silentLogger,
    });
    const err = await b.start(async () => ({ reasonCode: 0 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MqttError);
    expect(err).toMatchObject({ code: 'PORT_IN_USE', evidence: { port } });
    expect((err as Error).message).toContain(`port ${port}`);
    expect((err as Error).message).toContain('--mqtt-port');
    await b.stop();
  });
});

describe('when a device publishes a reading at QoS 1', () => {
  it('gets its PUBACK only after the handler resolves', async () => {
    const seen: string[] = [];
    const b = await startBroker(async (m) => {
      seen.push(`${m.topic} ${text(m)}`);
      await sleep(200);
      return { reasonCode: 0 };
    });
    const d = await device(b);
    const t0 = performance.now();
    await d.publishAsync('wattproof/v1/meters/m1/readings', 'reading-1', { qos: 1 });
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(195);
    expect(seen).toEqual(['wattproof/v1/meters/m1/readings reading-1']);
    expect(b.stats).toMatchObject({ received: 1, acked: 1, inFlight: 0, clients: 1 });
  });

  it('sends no PUBACK and drops the connection when the handler rejects', async () => {
    let calls = 0;
    const b = await startBroker(async () => {
      calls++;
      throw new Error('commit failed');
    });
    const d = await device(b);
    const closed = new Promise<void>((r) => d.once('close', () => r()));
    let acked = false;
    d.publish('wattproof/v1/meters/m1/readings', 'doomed', { qos: 1 }, (err) => {
      if (!err) acked = true;
    });
    await closed;
    await sleep(100);
    expect(calls).toBe(1);
    expect(acked).toBe(false);
    expect(b.stats).toMatchObject({ acked: 0, handlerFailures: 1 });
  });

  it('passes other topics through without the handler', async () => {
    let calls = 0;
    const b = await startBroker(async () => {
      calls++;
      return { reasonCode: 0 };
    });
    const sub = await device(b);
    await sub.subscribeAsync('wattproof/v1/meters/m1/receipts', { qos: 1 });
    const got = new Promise<string>((r) => sub.on('message', (_t, p) => r(p.toString())));
    const d = await device(b);
    await d.publishAsync('wattproof/v1/meters/m1/receipts', 'not a reading', { qos: 1 });
    expect(await got).toBe('not a reading');
    expect(calls).toBe(0);
  });

  it('publishes receipts from the node to subscribers', async () => {
    const b = await startBroker(async () => ({ reasonCode: 0 }));
    const sub = await device(b);
    await sub.subscribeAsync('wattproof/v1/meters/m2/receipts', { qos: 0 });
    const got = new Promise<Buffer>((r) => sub.on('message', (_t, p) => r(p)));
    b.publish('wattproof/v1/meters/m2/receipts', new Uint8Array([1, 2, 3]));
    expect([...(await got)]).toEqual([1, 2, 3]);
    expect(b.stats.published).toBe(1);
  });
});

describe('when one read brings many publishes whose handlers finish out of order', () => {
  it('sends the PUBACKs in arrival order', async () => {
    const pending: { m: InboundMessage; resolve: (o: AckOutcome) => void }[] = [];
    const b = await startBroker((m) => new Promise((resolve) => pending.push({ m, resolve })));
    // A raw MQTT 3.1.1 device, so that all PUBLISH packets leave in one TCP write.
    const socket = netConnect(b.port, '127.0.0.1');
    const received: Packet[] = [];
    const parser = createParser({ protocolVersion: 4 });
    parser.on('packet', (p: Packet) => received.push(p));
    socket.on('data', (c) => parser.parse(c));
    const opts = { protocolVersion: 4 as const };
    socket.write(
      generate(
        {
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: 4,
          clientId: 'raw',
          clean: true,
          keepalive: 30,
        },
        opts,
      ),
    );
    await waitFor(() => received.some((p) => p.cmd === 'connack'));
    const ids = [5, 9, 2, 40, 17, 3, 8, 11];
    socket.write(
      Buffer.concat(
        ids.map((id) =>
          generate(
            {
              cmd: 'publish',
              topic: `wattproof/v1/meters/m${id}/readings`,
              payload: Buffer.from(`r${id}`),
              qos: 1,
              messageId: id,
              dup: false,
              retain: false,
            },
            opts,
          ),
        ),
      ),
    );
    await waitFor(() => pending.length === ids.length);
    expect(received.filter((p) => p.cmd === 'puback')).toHaveLength(0);
    for (const p of [...pending].reverse()) {
      p.resolve({ reasonCode: 0 });
      await sleep(2);
    }
    await waitFor(() => received.filter((p) => p.cmd === 'puback').length === ids.length);
    expect(received.filter((p) => p.cmd === 'puback').map((p) => p.messageId)).toEqual(ids);
    socket.destroy();
  });
});

describe('when stopping', () => {
  it('waits for the outstanding handler so that its PUBACK still goes out', async () => {
    let started!: () => void;
    const handlerStarted = new Promise<void>((r) => (started = r));
    const b = await startBroker(async () => {
      started();
      await sleep(300);
      return { reasonCode: 0 };
    });
    const d = await device(b);
    const acked = d.publishAsync('wattproof/v1/meters/m1/readings', 'late', { qos: 1 });
    await handlerStarted;
    await b.stop();
    await expect(acked).resolves.toBeDefined();
    expect(b.stats.acked).toBe(1);
  });
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}
