/**
 * The JetStream source against a real nats-server (JetStream + MQTT 3.1.1 listener) started for
 * this file on free ports: meters publish over MQTT QoS 1, the source pulls from a durable
 * consumer and acks after the handler resolves. Each test uses its own topic root and stream.
 */
import { jetstreamManager, type ConsumerInfo, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readingSubscriptions } from '../../src/ingest/index.ts';
import type { AckOutcome, InboundMessage, MessageHandler } from '../../src/mqtt/index.ts';
import { JetStreamSource, NatsError, type JetStreamSourceOptions } from '../../src/nats/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { freePort } from '../helpers/free-port.ts';
import { tempDir } from '../helpers/tmp-dir.ts';
import { startNatsServer, type PrivateNatsServer } from './nats-server.ts';

const OK: AckOutcome = { reasonCode: 0 };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Starts `src` with a handler that records each message and resolves once `gate` opens. */
async function startGated(
  src: JetStreamSource,
): Promise<{ got: InboundMessage[]; gate: ReturnType<typeof deferred> }> {
  const got: InboundMessage[] = [];
  const gate = deferred();
  await src.start(async (m) => {
    got.push(m);
    await gate.promise;
    return OK;
  });
  return { got, gate };
}

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(25);
  }
}

let dir: { path: string; remove: () => Promise<void> };
let server: PrivateNatsServer;
let nc: NatsConnection;
let jsm: JetStreamManager;
const started: JetStreamSource[] = [];

beforeAll(async () => {
  dir = await tempDir('wattproof-nats-');
  server = await startNatsServer(dir.path);
  nc = await connect({ servers: server.natsUrl });
  jsm = await jetstreamManager(nc);
}, 30_000);

afterAll(async () => {
  for (const s of started) await s.stop();
  await nc?.close();
  await server?.close();
  await dir?.remove();
});

function source(root: string, stream: string, extra: Partial<JetStreamSourceOptions> = {}) {
  const s = new JetStreamSource({
    servers: server.natsUrl,
    stream,
    durable: 'ingest',
    topicFilters: readingSubscriptions(undefined, root),
    ackWaitMs: 2000,
    redeliveryDelayMs: 100,
    pullExpiresMs: 1000,
    logger: silentLogger,
    ...extra,
  });
  started.push(s);
  return s;
}

/** A meter: MQTT 3.1.1, QoS 1; resolves once the PUBACK came. */
async function meterPublish(topic: string, payload: Uint8Array): Promise<void> {
  const c = await connectAsync(server.mqttUrl, {
    protocolVersion: 4,
    clientId: `m-${Math.random()}`,
  });
  try {
    await c.publishAsync(topic, Buffer.from(payload), { qos: 1 });
  } finally {
    await c.endAsync();
  }
}

const info = (stream: string): Promise<ConsumerInfo> => jsm.consumers.info(stream, 'ingest');

describe('when a meter publishes over MQTT to the NATS MQTT listener', () => {
  it('hands the message over with its MQTT topic and exact bytes, and acks only after the handler resolves', async () => {
    const src = source('t1/v1', 'S1');
    const { got, gate } = await startGated(src);
    const payload = Uint8Array.from([0, 1, 2, 0xff, 0x80, 0x2e, 0x2f, 10]);
    const before = Date.now();
    await meterPublish('t1/v1/meters/m-1/readings', payload);
    await waitFor(() => got.length === 1);
    expect(got[0]!.topic).toBe('t1/v1/meters/m-1/readings');
    expect(got[0]!.payload).toEqual(payload);
    expect(got[0]!.receivedAt).toBeGreaterThanOrEqual(before);

    const held = await info('S1');
    expect(held.num_ack_pending).toBe(1);
    expect(held.delivered.stream_seq).toBe(1);
    expect(held.ack_floor.stream_seq).toBe(0);
    expect(src.stats).toMatchObject({ received: 1, acked: 0, inFlight: 1, connected: true });

    gate.resolve();
    await waitFor(async () => (await info('S1')).ack_floor.stream_seq === 1);
    expect((await info('S1')).num_ack_pending).toBe(0);
    expect(src.stats).toMatchObject({ received: 1, acked: 1, inFlight: 0, handlerFailures: 0 });
    // Work-queue retention: acked means gone from the stream.
    await waitFor(async () => (await jsm.streams.info('S1')).state.messages === 0);
    await src.stop();
    expect(src.stats.connected).toBe(false);
  });

  it('does not ack when the handler rejects: the message is delivered and handed over again', async () => {
    const src = source('t2/v1', 'S2');
    const got: InboundMessage[] = [];
    await src.start(async (m) => {
      got.push(m);
      if (got.length === 1) throw new Error('commit failed');
      return OK;
    });
    await meterPublish('t2/v1/platforms/p-2/readings', Uint8Array.from([7, 7, 7]));
    await waitFor(() => got.length === 2);
    expect(got[1]!.topic).toBe(got[0]!.topic);
    expect(got[1]!.payload).toEqual(got[0]!.payload);
    await waitFor(async () => (await info('S2')).ack_floor.stream_seq === 1);
    expect(src.stats).toMatchObject({ received: 2, redelivered: 1, handlerFailures: 1, acked: 1 });
    await sleep(300);
    expect(got).toHaveLength(2);
    await src.stop();
  });
});

describe('when handlers are slow', () => {
  it('pauses pulling while maxInFlight messages are unacked, and goes on as they settle', async () => {
    const src = source('t9/v1', 'S9', { maxInFlight: 2, batchSize: 10 });
    const { got, gate } = await startGated(src);
    for (const n of [1, 2, 3, 4, 5])
      await meterPublish('t9/v1/meters/m-9/readings', Uint8Array.of(n));
    await waitFor(() => got.length === 2);
    await sleep(1500); // more than one pull's expiry
    expect(got).toHaveLength(2);
    expect((await info('S9')).num_ack_pending).toBe(2);
    expect(src.stats.inFlight).toBe(2);
    gate.resolve();
    await waitFor(() => got.length === 5 && src.stats.acked === 5);
    expect(got.map((m) => m.payload[0]).sort()).toEqual([1, 2, 3, 4, 5]);
    await src.stop();
  });
});

describe('when a meter id holds a dot', () => {
  it('is refused by the MQTT listener of nats-server 2.9 (no PUBACK), whatever the mapping says', async (ctx) => {
    if (!nc.info?.version.startsWith('2.9.')) ctx.skip();
    const c = await connectAsync(server.mqttUrl, {
      protocolVersion: 4,
      clientId: 'meter-dot',
      reconnectPeriod: 0,
    });
    const closed = new Promise<string>((r) => c.once('close', () => r('closed')));
    const acked = c.publishAsync('t10/v1/meters/DE.1/readings', Buffer.of(1), { qos: 1 }).then(
      () => 'acked',
      () => 'failed',
    );
    expect(await Promise.race([closed, acked, sleep(3000).then(() => 'timeout')])).toBe('closed');
    await c.endAsync(true);
  });
});

describe('when the ledger publishes a receipt', () => {
  it('reaches an MQTT subscriber of the meter receipts topic, at QoS 0', async () => {
    const src = source('t3/v1', 'S3');
    await src.start(async () => OK);
    const sub = await connectAsync(server.mqttUrl, { protocolVersion: 4, clientId: 'meter-3' });
    try {
      const received = new Promise<{ topic: string; payload: Uint8Array }>((resolve) =>
        sub.on('message', (topic, payload) => resolve({ topic, payload: new Uint8Array(payload) })),
      );
      await sub.subscribeAsync('t3/v1/meters/m-3/receipts', { qos: 1 });
      const receipt = Uint8Array.from([0xd2, 0x84, 0x43, 0xa1, 0x01, 0x27]);
      src.publish('t3/v1/meters/m-3/receipts', receipt);
      const r = await received;
      expect(r.topic).toBe('t3/v1/meters/m-3/receipts');
      expect(r.payload).toEqual(receipt);
      expect(src.stats).toMatchObject({ published: 1, droppedPublishes: 0 });
    } finally {
      await sub.endAsync();
    }
    await src.stop();
    expect(() => src.publish('t3/v1/meters/m-3/receipts', Uint8Array.of(1))).not.toThrow();
    expect(src.stats.droppedPublishes).toBe(1);
  });
});

describe('when stopping', () => {
  it('waits for an outstanding handler and acks its message', async () => {
    const src = source('t4/v1', 'S4');
    const { got, gate } = await startGated(src);
    await meterPublish('t4/v1/meters/m-4/readings', Uint8Array.of(4));
    await waitFor(() => got.length === 1);
    let stopped = false;
    const stopping = src.stop().then(() => (stopped = true));
    await sleep(300);
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(src.stats.acked).toBe(1);
    const i = await info('S4');
    expect(i.ack_floor.stream_seq).toBe(1);
    expect(i.num_ack_pending).toBe(0);
  });

  it('lets a start in progress finish, pulls nothing and closes the connection', async () => {
    const src = source('t11/v1', 'S11');
    const got: InboundMessage[] = [];
    const starting = src.start(async (m) => {
      got.push(m);
      return OK;
    });
    await src.stop();
    await starting;
    expect(src.stats.connected).toBe(false);
    await meterPublish('t11/v1/meters/m-11/readings', Uint8Array.of(11));
    await sleep(500);
    expect(got).toHaveLength(0);
    expect((await info('S11')).num_pending).toBe(1);
  });

  it('resumes from the unacked position when started again with the same durable name', async () => {
    const first = source('t6/v1', 'S6', { stopTimeoutMs: 200 });
    const seen1: number[] = [];
    await first.start((m) => {
      seen1.push(m.payload[0]!);
      return m.payload[0] === 3 ? new Promise<AckOutcome>(() => {}) : Promise.resolve(OK);
    });
    for (const n of [1, 2, 3]) await meterPublish('t6/v1/meters/m-6/readings', Uint8Array.of(n));
    await waitFor(() => seen1.length === 3 && first.stats.acked === 2);
    await first.stop();
    await meterPublish('t6/v1/meters/m-6/readings', Uint8Array.of(4));

    const second = source('t6/v1', 'S6');
    const seen2: number[] = [];
    await second.start(async (m) => {
      seen2.push(m.payload[0]!);
      return OK;
    });
    await waitFor(() => seen2.length === 2);
    await sleep(2500); // past ack_wait: nothing acked comes again
    expect(seen2.sort()).toEqual([3, 4]);
    expect(seen1.sort()).toEqual([1, 2, 3]);
    await waitFor(async () => (await info('S6')).ack_floor.stream_seq === 4);
    await second.stop();
  });
});

describe('when the set-up fails', () => {
  it('rejects an unreachable server with SERVER_UNREACHABLE naming the URL', async () => {
    const url = `nats://127.0.0.1:${await freePort()}`;
    const src = new JetStreamSource({
      servers: url,
      stream: 'S5',
      durable: 'ingest',
      topicFilters: readingSubscriptions(undefined, 't5/v1'),
      connectTimeoutMs: 2000,
      logger: silentLogger,
    });
    const e = await src
      .start(async () => OK)
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(e).toBeInstanceOf(NatsError);
    expect((e as NatsError).code).toBe('SERVER_UNREACHABLE');
    expect((e as NatsError).evidence).toMatchObject({ servers: url });
    expect((e as NatsError).message).toContain(url);
    expect(src.stats.connected).toBe(false);
  });

  it('refuses an existing stream that is not a work queue, and a stream whose subjects another captures', async () => {
    await jsm.streams.add({
      name: 'S7',
      subjects: ['t7.v1.meters.*.readings', 't7.v1.platforms.*.readings'],
    });
    const handler: MessageHandler = async () => OK;
    const codeOf = (p: Promise<void>) =>
      p.then(
        () => 'started',
        (e: unknown) => (e instanceof NatsError ? e.code : String(e)),
      );
    expect(await codeOf(source('t7/v1', 'S7').start(handler))).toBe('STREAM_SETUP_REFUSED');
    expect(await codeOf(source('t7/v1', 'S7b').start(handler))).toBe('STREAM_SETUP_REFUSED');
  });

  it('refuses an existing consumer of that name that is a push consumer', async () => {
    await jsm.streams.add({
      name: 'S8',
      subjects: ['t8.v1.meters.*.readings', 't8.v1.platforms.*.readings'],
      retention: 'workqueue' as never,
    });
    await jsm.consumers.add('S8', {
      durable_name: 'ingest',
      deliver_subject: 'push.s8',
      ack_policy: 'explicit' as never,
    });
    const e = await source('t8/v1', 'S8')
      .start(async () => OK)
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect((e as NatsError).code).toBe('CONSUMER_SETUP_REFUSED');
  });
});
