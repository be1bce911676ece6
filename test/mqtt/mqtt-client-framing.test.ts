/**
 * MqttSource reading what a scripted broker writes byte by byte: PUBLISH packets cut at any
 * point reach the handler whole and in order, the packets of a chunk already read are delivered
 * even once the socket is paused, and a malformed packet drops the connection (PROTOCOL_ERROR).
 */
import { generate, type Packet } from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import type { AckOutcome, InboundMessage } from '../../src/mqtt/transport.ts';
import { MqttError, MqttSource } from '../../src/mqtt/index.ts';
import { MalformedPacketError } from '../../src/mqtt/packet-framer.ts';
import { silentLogger } from '../../src/logger.ts';
import { FakeBroker, type FakeSession } from './fake-broker.ts';
import { chunksOf, payloadOf } from './mqtt-streams.ts';

const TOPIC = 'wattproof/v1/meters/+/readings';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function publish(id: number, size: number): Packet {
  return {
    cmd: 'publish',
    topic: `wattproof/v1/meters/m${id}/readings`,
    payload: payloadOf(size, id),
    qos: 1,
    messageId: id,
    dup: false,
    retain: false,
  };
}

const bytesOf = (packets: Packet[], v: 4 | 5 = 5): Buffer =>
  Buffer.concat(packets.map((p) => generate(p, { protocolVersion: v })));

/** Writes `bytes` in pieces, letting each reach the client on its own. */
async function trickle(s: FakeSession, bytes: Buffer, cuts: number[]): Promise<void> {
  for (const piece of chunksOf(bytes, cuts)) {
    s.socket.write(piece);
    await sleep(2);
  }
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

function manualHandler() {
  const calls: { message: InboundMessage; resolve: (o: AckOutcome) => void }[] = [];
  const handler = (message: InboundMessage) =>
    new Promise<AckOutcome>((resolve) => calls.push({ message, resolve }));
  return { calls, handler };
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
    subscriptions: [TOPIC],
    logger: silentLogger,
    reconnectMinMs: 20,
    reconnectMaxMs: 100,
    ...extra,
  });
  return source;
}

describe('when PUBLISH packets arrive cut at any point', () => {
  it.each([4, 5] as const)('hands each to the handler whole, in order (MQTT %i)', async (v) => {
    broker = await FakeBroker.start();
    const { calls, handler } = manualHandler();
    await newSource(broker.url, { protocolVersion: v }).start(handler);
    const s = await broker.session(1);
    const packets = [
      publish(1, 300),
      publish(2, 70_000),
      { cmd: 'pingresp' } as Packet,
      publish(3, 0),
    ];
    await trickle(s, bytesOf(packets, v), [1, 2, 3, 5, 40, 41, 333, 20_000, 70_200, 70_390]);
    await until(() => calls.length === 3);
    expect(calls.map((c) => c.message.topic)).toEqual(
      [1, 2, 3].map((i) => `wattproof/v1/meters/m${i}/readings`),
    );
    const sizes = [300, 70_000, 0];
    calls.forEach((c, i) => {
      expect(Buffer.from(c.message.payload).equals(payloadOf(sizes[i]!, i + 1)), `${i}`).toBe(true);
    });
    for (const c of [...calls].reverse()) c.resolve({ reasonCode: 0 });
    await s.waitFor((p) => p.filter((x) => x.cmd === 'puback').length === 3);
    expect(s.packets.filter((x) => x.cmd === 'puback').map((x) => x.messageId)).toEqual([1, 2, 3]);
  });
});

describe('when the load limit pauses the socket inside a chunk', () => {
  it('still delivers the rest of that chunk, then waits', async () => {
    broker = await FakeBroker.start();
    const { calls, handler } = manualHandler();
    await newSource(broker.url, { maxInFlight: 2 }).start(handler);
    const s = await broker.session(1);
    s.socket.write(bytesOf([1, 2, 3, 4, 5].map((id) => publish(id, 20))));
    await until(() => calls.length === 5);
    s.socket.write(bytesOf([publish(6, 20)]));
    await sleep(100);
    expect(calls.length).toBe(5);
    for (const c of calls) c.resolve({ reasonCode: 0 });
    await until(() => calls.length === 6);
    calls[5]!.resolve({ reasonCode: 0 });
    await s.waitFor((p) => p.filter((x) => x.cmd === 'puback').length === 6);
    expect(s.packets.filter((x) => x.cmd === 'puback').map((x) => x.messageId)).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
  });
});

describe('when the broker sends a malformed packet', () => {
  it('fails start with PROTOCOL_ERROR before the CONNACK', async () => {
    broker = await FakeBroker.start({
      connack: (s) => {
        // QoS 3 PUBLISH, written before the CONNACK.
        s.socket.write(Buffer.from([0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01]));
        return undefined;
      },
    });
    const err = await newSource(broker.url)
      .start(manualHandler().handler)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MqttError);
    expect((err as MqttError).code).toBe('PROTOCOL_ERROR');
    expect((err as MqttError).cause).toBeInstanceOf(MalformedPacketError);
    expect(((err as MqttError).cause as MalformedPacketError).code).toBe('INVALID_QOS');
  });

  it('delivers what came before it, drops the connection and reconnects', async () => {
    broker = await FakeBroker.start();
    const { calls, handler } = manualHandler();
    await newSource(broker.url).start(handler);
    const s1 = await broker.session(1);
    const zeroId = Buffer.from([0x32, 0x06, 0x00, 0x01, 0x61, 0x00, 0x00, 0x00]);
    s1.socket.write(Buffer.concat([bytesOf([publish(1, 5)]), zeroId, bytesOf([publish(2, 5)])]));
    await broker.session(2);
    await until(() => source!.stats.connected && source!.stats.reconnects === 1);
    expect(calls.map((c) => c.message.topic)).toEqual(['wattproof/v1/meters/m1/readings']);
    expect(source!.stats.received).toBe(1);
    for (const c of calls) c.resolve({ reasonCode: 0 });
  });
});
