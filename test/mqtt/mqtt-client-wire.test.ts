/**
 * MqttSource against a scripted broker: what it writes on the wire (CONNECT fields, PUBACK order
 * and reason codes, PINGREQ, DISCONNECT) and how it reacts to refusals and lost connections.
 */
import type { IPublishPacket, Packet } from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import type { AckOutcome, InboundMessage } from '../../src/mqtt/transport.ts';
import { MqttError, MqttSource } from '../../src/mqtt/index.ts';
import { type Logger } from '../../src/logger.ts';
import { FakeBroker, type FakeSession } from './fake-broker.ts';

const TOPIC = 'wattproof/v1/meters/+/readings';

function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => void lines.push(`info ${m}`),
    warn: (m) => void lines.push(`warn ${m}`),
    error: (m) => void lines.push(`error ${m}`),
  };
}

function publish(id: number, body: string, qos: 0 | 1 = 1): IPublishPacket {
  return {
    cmd: 'publish',
    topic: `wattproof/v1/meters/m${id}/readings`,
    payload: Buffer.from(body),
    qos,
    dup: false,
    retain: false,
    ...(qos > 0 ? { messageId: id } : {}),
  };
}

const pubacks = (packets: Packet[]) => packets.filter((p) => p.cmd === 'puback');

/** A handler whose promises the test settles by hand. */
function manualHandler() {
  const calls: {
    message: InboundMessage;
    resolve: (o: AckOutcome) => void;
    reject: (e: Error) => void;
  }[] = [];
  const handler = (message: InboundMessage) =>
    new Promise<AckOutcome>((resolve, reject) => calls.push({ message, resolve, reject }));
  return { calls, handler };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

let broker: FakeBroker | undefined;
let source: MqttSource | undefined;
afterEach(async () => {
  await source?.stop();
  await broker?.close();
  source = undefined;
  broker = undefined;
});

function newSource(url: string, extra: Partial<ConstructorParameters<typeof MqttSource>[0]> = {}) {
  source = new MqttSource({
    url,
    clientId: 'node-1',
    subscriptions: [TOPIC, 'wattproof/v1/platforms/+/readings'],
    logger: recorder(),
    reconnectMinMs: 20,
    reconnectMaxMs: 100,
    ...extra,
  });
  return source;
}

describe('when connecting with MQTT 5', () => {
  it('asks for a persistent session, the largest receive window, and QoS 1', async () => {
    broker = await FakeBroker.start();
    await newSource(broker.url).start(manualHandler().handler);
    const s = await broker.session(1);
    const connect = s.packets[0]!;
    expect(connect).toMatchObject({
      cmd: 'connect',
      protocolVersion: 5,
      clientId: 'node-1',
      clean: false,
      keepalive: 30,
      properties: { sessionExpiryInterval: 7 * 24 * 3600, receiveMaximum: 65535 },
    });
    await s.waitFor((p) => p.some((x) => x.cmd === 'subscribe'));
    expect(s.packets[1]).toMatchObject({
      cmd: 'subscribe',
      subscriptions: [
        { topic: TOPIC, qos: 1 },
        { topic: 'wattproof/v1/platforms/+/readings', qos: 1 },
      ],
    });
    expect(source!.stats.connected).toBe(true);
  });
});

describe('when connecting with MQTT 3.1.1', () => {
  it('keeps the session with CleanSession 0 and sends PUBACKs without a reason code', async () => {
    broker = await FakeBroker.start();
    const { calls, handler } = manualHandler();
    await newSource(broker.url, { protocolVersion: 4 }).start(handler);
    const s = await broker.session(1);
    expect(s.packets[0]).toMatchObject({ cmd: 'connect', protocolVersion: 4, clean: false });
    expect((s.packets[0] as { properties?: unknown }).properties).toBeUndefined();
    s.sendAll([publish(7, 'a'), publish(8, 'b')]);
    await until(() => calls.length === 2);
    calls[1]!.resolve({ reasonCode: 0x87 });
    calls[0]!.resolve({ reasonCode: 0 });
    await s.waitFor((p) => pubacks(p).length === 2);
    expect(pubacks(s.packets).map((p) => [p.messageId, (p as { length?: number }).length])).toEqual(
      [
        [7, 2],
        [8, 2],
      ],
    );
  });
});

describe('when handler promises resolve out of order', () => {
  it('sends PUBACKs in arrival order with the handler reason codes', async () => {
    broker = await FakeBroker.start();
    const { calls, handler } = manualHandler();
    await newSource(broker.url).start(handler);
    const s = await broker.session(1);
    const ids = Array.from({ length: 60 }, (_, i) => ((i * 7919) % 65000) + 1);
    s.sendAll(ids.map((id) => publish(id, `r${id}`)));
    await until(() => calls.length === ids.length);
    expect(source!.stats.inFlight).toBe(ids.length);
    expect(pubacks(s.packets)).toHaveLength(0);
    const code = (i: number) => [0, 0x87, 0x97, 0x99][i % 4]!;
    // Resolve in a scrambled order, a few at a time, letting writes happen in between.
    const order = calls.map((_, i) => i).sort((a, b) => ((a * 31) % 61) - ((b * 31) % 61));
    for (const i of order) {
      calls[i]!.resolve({ reasonCode: code(i) });
      if (i % 5 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await s.waitFor((p) => pubacks(p).length === ids.length);
    expect(pubacks(s.packets).map((p) => p.messageId)).toEqual(ids);
    expect(pubacks(s.packets).map((p) => (p as { reasonCode?: number }).reasonCode ?? 0)).toEqual(
      ids.map((_, i) => code(i)),
    );
    expect(calls.map((c) => new TextDecoder().decode(c.message.payload))).toEqual(
      ids.map((id) => `r${id}`),
    );
    expect(source!.stats).toMatchObject({ received: 60, acked: 60, inFlight: 0 });
  });

  it('hands QoS 0 messages to the handler without acknowledging them', async () => {
    broker = await FakeBroker.start();
    const { calls, handler } = manualHandler();
    await newSource(broker.url).start(handler);
    const s = await broker.session(1);
    s.sendAll([publish(1, 'q0', 0), publish(2, 'q1')]);
    await until(() => calls.length === 2);
    calls[0]!.resolve({ reasonCode: 0 });
    calls[1]!.resolve({ reasonCode: 0 });
    await s.waitFor((p) => pubacks(p).length === 1);
    expect(pubacks(s.packets).map((p) => p.messageId)).toEqual([2]);
  });
});

describe('when a handler promise rejects', () => {
  it('acknowledges nothing from there on, reconnects, and takes the redelivery', async () => {
    broker = await FakeBroker.start();
    const { calls, handler } = manualHandler();
    const log = recorder();
    await newSource(broker.url, { logger: log }).start(handler);
    const s1 = await broker.session(1);
    s1.sendAll([1, 2, 3, 4, 5].map((id) => publish(id, `r${id}`)));
    await until(() => calls.length === 5);
    calls[0]!.resolve({ reasonCode: 0 });
    calls[1]!.resolve({ reasonCode: 0 });
    calls[3]!.resolve({ reasonCode: 0 });
    calls[2]!.reject(new Error('commit failed'));
    calls[4]!.resolve({ reasonCode: 0 });
    const s2 = await broker.session(2);
    expect(pubacks(s1.packets).map((p) => p.messageId)).toEqual([1, 2]);
    expect(s1.packets.at(-1)?.cmd).toBe('disconnect');
    s2.sendAll([3, 4, 5].map((id) => ({ ...publish(id, `r${id}`), dup: true })));
    await until(() => calls.length === 8);
    for (const c of calls.slice(5)) c.resolve({ reasonCode: 0 });
    await s2.waitFor((p) => pubacks(p).length === 3);
    expect(pubacks(s2.packets).map((p) => p.messageId)).toEqual([3, 4, 5]);
    expect(source!.stats).toMatchObject({ handlerFailures: 1, reconnects: 1, acked: 5 });
    expect(log.lines.some((l) => l.startsWith('error handler failed'))).toBe(true);
    expect(log.lines.some((l) => l.includes('reconnect attempt 1'))).toBe(true);
  });
});

describe('when too many handler promises are outstanding', () => {
  it('stops reading until they settle', async () => {
    broker = await FakeBroker.start();
    const { calls, handler } = manualHandler();
    await newSource(broker.url, { maxInFlight: 5 }).start(handler);
    const s = await broker.session(1);
    s.sendAll([1, 2, 3, 4, 5].map((id) => publish(id, 'x')));
    await until(() => calls.length === 5);
    s.sendAll([6, 7, 8, 9, 10].map((id) => publish(id, 'y')));
    await new Promise((r) => setTimeout(r, 150));
    expect(calls.length).toBe(5);
    for (const c of calls) c.resolve({ reasonCode: 0 });
    await until(() => calls.length === 10);
    for (const c of calls.slice(5)) c.resolve({ reasonCode: 0 });
    await s.waitFor((p) => pubacks(p).length === 10);
    expect(pubacks(s.packets).map((p) => p.messageId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});

describe('when idle', () => {
  it('sends PINGREQ within the keep-alive interval', async () => {
    broker = await FakeBroker.start();
    await newSource(broker.url, { keepaliveSeconds: 1 }).start(manualHandler().handler);
    const s = await broker.session(1);
    await s.waitFor((p) => p.some((x) => x.cmd === 'pingreq'), 2500);
    expect(source!.stats.connected).toBe(true);
  });
});

describe('when the connection is lost', () => {
  it('reconnects with back-off, logging each attempt', async () => {
    broker = await FakeBroker.start();
    const log = recorder();
    await newSource(broker.url, { logger: log }).start(manualHandler().handler);
    const s1 = await broker.session(1);
    s1.socket.destroy();
    const s2 = await broker.session(2);
    expect(s2.packets[0]).toMatchObject({ cmd: 'connect', clientId: 'node-1', clean: false });
    await until(() => source!.stats.connected);
    expect(source!.stats.reconnects).toBe(1);
    expect(log.lines.some((l) => l.startsWith('warn connection to'))).toBe(true);
    expect(log.lines.some((l) => /reconnect attempt 1 to .* in \d+ ms/.test(l))).toBe(true);
  });

  it('drops receipts while disconnected and counts them', async () => {
    broker = await FakeBroker.start();
    await newSource(broker.url).start(manualHandler().handler);
    const s1 = await broker.session(1);
    source!.publish('wattproof/v1/meters/m1/receipts', new Uint8Array([1, 2, 3]));
    await s1.waitFor((p) => p.some((x) => x.cmd === 'publish'));
    const receipt = s1.packets.find((x) => x.cmd === 'publish') as IPublishPacket;
    expect(receipt).toMatchObject({ topic: 'wattproof/v1/meters/m1/receipts', qos: 0 });
    expect([...(receipt.payload as Buffer)]).toEqual([1, 2, 3]);
    await broker.close();
    broker = undefined;
    await until(() => !source!.stats.connected);
    source!.publish('wattproof/v1/meters/m1/receipts', new Uint8Array([4]));
    expect(source!.stats).toMatchObject({ published: 1, droppedPublishes: 1 });
  });
});

describe('when stopping', () => {
  it('waits for outstanding handlers, sends their PUBACKs, then DISCONNECT', async () => {
    broker = await FakeBroker.start();
    const { calls, handler } = manualHandler();
    await newSource(broker.url).start(handler);
    const s = await broker.session(1);
    s.sendAll([11, 12].map((id) => publish(id, 'z')));
    await until(() => calls.length === 2);
    const stopped = source!.stop();
    setTimeout(() => calls.forEach((c) => c.resolve({ reasonCode: 0 })), 100);
    await stopped;
    await s.waitFor((p) => p.at(-1)?.cmd === 'disconnect');
    expect(s.packets.slice(-3).map((p) => [p.cmd, p.messageId])).toEqual([
      ['puback', 11],
      ['puback', 12],
      ['disconnect', undefined],
    ]);
  });
});

describe('when the first connection fails', () => {
  it('rejects CONNECT_REFUSED with the MQTT 5 reason', async () => {
    broker = await FakeBroker.start({
      connack: () => ({ cmd: 'connack', sessionPresent: false, reasonCode: 0x87 }),
    });
    const err = await newSource(broker.url)
      .start(manualHandler().handler)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MqttError);
    expect(err).toMatchObject({ code: 'CONNECT_REFUSED', evidence: { code: 0x87 } });
    expect((err as Error).message).toContain('0x87 (not authorized)');
  });

  it('rejects CONNECT_REFUSED with the MQTT 3.1.1 return code', async () => {
    broker = await FakeBroker.start({
      connack: () => ({ cmd: 'connack', sessionPresent: false, returnCode: 4 }),
    });
    const err = await newSource(broker.url, { protocolVersion: 4 })
      .start(manualHandler().handler)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONNECT_REFUSED' });
    expect((err as Error).message).toContain('bad user name or password');
  });

  it.each([
    ['a refused filter', 0x87],
    ['a QoS 0 grant', 0],
  ])('rejects SUBSCRIBE_REFUSED for %s', async (_name, granted) => {
    broker = await FakeBroker.start({
      suback: (_s: FakeSession, messageId, n) => ({
        cmd: 'suback',
        messageId,
        granted: Array.from({ length: n }, (_, i) => (i === 1 ? granted : 1)),
      }),
    });
    const err = await newSource(broker.url)
      .start(manualHandler().handler)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'SUBSCRIBE_REFUSED',
      evidence: { topic: 'wattproof/v1/platforms/+/readings' },
    });
  });

  it.each(['http://127.0.0.1:1883', 'mqtt://', 'not a url', 'mqtt://h:99999', 'mqtt://h/x'])(
    'rejects INVALID_URL for %s',
    (url) => {
      expect(() => newSource(url)).toThrow(expect.objectContaining({ code: 'INVALID_URL' }));
      source = undefined;
    },
  );

  it('does not put credentials from the URL into messages', () => {
    const s = newSource('mqtt://user:secret@127.0.0.1:1');
    expect(s.description).toBe('mqtt://127.0.0.1:1');
    let err: unknown;
    try {
      newSource('ftp://user:secret@127.0.0.1:1');
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).not.toContain('secret');
    source = undefined;
  });
});
