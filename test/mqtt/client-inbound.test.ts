import fc from 'fast-check';
import { generate, type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { InboundReader, inboundMessage } from '../../src/mqtt/client-inbound.ts';
import { MalformedPacketError } from '../../src/mqtt/packet-framer.ts';
import type { PublishPacket } from '../../src/mqtt/publish-decoder.ts';
import {
  chunksOf,
  cutsArb,
  otherPacketArb,
  payloadOf,
  publishArb,
  referenceParse,
  streamOf,
} from './mqtt-streams.ts';

type Seen = { publish: PublishPacket } | { packet: Packet } | { malformed: unknown };

/** Everything an {@link InboundReader} hands on for `chunks`, in order. */
function readAll(chunks: readonly Buffer[], v: 4 | 5): Seen[] {
  const seen: Seen[] = [];
  const reader = new InboundReader(v, {
    publish: (p) => seen.push({ publish: p }),
    packet: (p) => seen.push({ packet: p }),
    malformed: (cause) => seen.push({ malformed: cause }),
  });
  for (const c of chunks) reader.read(c);
  return seen;
}

/** The fields both sides have, in one comparable shape. */
function comparable(p: Packet | PublishPacket): unknown {
  if ('cmd' in p && p.cmd !== 'publish') return p;
  const q = p as PublishPacket;
  return {
    cmd: 'publish',
    qos: q.qos,
    dup: q.dup,
    retain: q.retain,
    topic: q.topic,
    messageId: q.messageId,
    payload: Buffer.from(q.payload).toString('hex'),
  };
}

function ours(seen: readonly Seen[]): unknown[] {
  return seen.map((s) => {
    if ('publish' in s) return comparable(s.publish);
    if ('packet' in s) return comparable(s.packet);
    return 'malformed';
  });
}

describe('when reading a broker stream cut at random boundaries', () => {
  it.each([4, 5] as const)('hands on what mqtt-packet parses, in the same order (MQTT %i)', (v) => {
    const packetArb = fc.oneof({ weight: 3, arbitrary: publishArb(v) }, otherPacketArb(v));
    fc.assert(
      fc.property(
        fc.array(packetArb, { minLength: 1, maxLength: 16 }),
        cutsArb,
        (packets, cuts) => {
          const chunks = chunksOf(streamOf(packets, v), cuts);
          const reference = referenceParse(chunks, v);
          expect(reference.error).toBeUndefined();
          const seen = readAll(chunks, v);
          expect(ours(seen)).toEqual(reference.packets.map(comparable));
          // Only the PUBLISH packets take the direct path.
          expect(seen.filter((s) => 'publish' in s)).toHaveLength(
            packets.filter((p) => p.cmd === 'publish').length,
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('reads a 70 KB PUBLISH delivered one byte at a time between other packets', () => {
    const packets: Packet[] = [
      { cmd: 'pingresp' },
      {
        cmd: 'publish',
        topic: 'wattproof/v1/meters/zähler-ü/readings',
        payload: payloadOf(70_000, 3),
        qos: 1,
        messageId: 65535,
        dup: true,
        retain: false,
        properties: { userProperties: { a: 'b' }, subscriptionIdentifier: 7 },
      },
      { cmd: 'suback', messageId: 1, granted: [1] },
    ];
    const chunks = chunksOf(streamOf(packets, 5), 'bytes');
    expect(ours(readAll(chunks, 5))).toEqual(referenceParse(chunks, 5).packets.map(comparable));
  });
});

describe('when a packet is malformed', () => {
  const good = (id: number): Buffer =>
    generate(
      {
        cmd: 'publish',
        topic: 't',
        payload: Buffer.from([id]),
        qos: 1,
        messageId: id,
        dup: false,
        retain: false,
      },
      { protocolVersion: 4 },
    );

  it.each([
    [
      'a 5-byte Remaining Length',
      Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]),
      'VARIABLE_BYTE_INTEGER_TOO_LONG',
    ],
    ['a cut topic', Buffer.from([0x30, 0x03, 0x00, 0x09, 0x61]), 'TRUNCATED'],
    [
      'packet identifier 0',
      Buffer.from([0x32, 0x05, 0x00, 0x01, 0x61, 0x00, 0x00]),
      'INVALID_PACKET_ID',
    ],
    ['QoS 3', Buffer.from([0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01]), 'INVALID_QOS'],
    ['an invalid UTF-8 topic', Buffer.from([0x30, 0x04, 0x00, 0x02, 0xc0, 0xaf]), 'INVALID_TOPIC'],
  ])(
    'hands on the packets before %s, reports it once, and reads nothing after it',
    (_what, bad, code) => {
      const stream = Buffer.concat([good(1), bad, good(2)]);
      for (const cuts of [[], 'bytes'] as const) {
        const seen = readAll([...chunksOf(stream, cuts), good(3)], 4);
        expect(seen).toHaveLength(2);
        expect('publish' in seen[0]! && seen[0].publish.messageId).toBe(1);
        const cause = 'malformed' in seen[1]! ? seen[1].malformed : undefined;
        expect(cause).toBeInstanceOf(MalformedPacketError);
        expect((cause as MalformedPacketError).code).toBe(code);
      }
    },
  );

  it('reports properties longer than an MQTT 5 PUBLISH', () => {
    const bad = Buffer.from([0x30, 0x06, 0x00, 0x01, 0x61, 0x32, 0x01, 0x01]);
    const seen = readAll([bad], 5);
    expect(seen).toHaveLength(1);
    expect((seen[0] as { malformed: MalformedPacketError }).malformed.code).toBe(
      'PROPERTIES_OVERRUN',
    );
  });

  it('reports what mqtt-packet refuses in another packet, and reads nothing after it', () => {
    // A SUBACK with reason code 0x03, which MQTT 3.1.1 does not have.
    const suback = Buffer.from([0x90, 0x03, 0x00, 0x01, 0x03]);
    const seen = readAll([Buffer.concat([good(1), suback, good(2)])], 4);
    expect(seen).toHaveLength(2);
    expect(seen[1]).toHaveProperty('malformed');
    expect((seen[1] as { malformed: unknown }).malformed).not.toBeInstanceOf(MalformedPacketError);
  });
});

describe('when a PUBLISH becomes a message', () => {
  it('keeps the topic and the payload view, and stamps the arrival', () => {
    const payload = Uint8Array.from([1, 2, 3]);
    const before = Date.now();
    const m = inboundMessage({
      qos: 1,
      dup: false,
      retain: false,
      topic: 't/1',
      messageId: 4,
      payload,
    });
    expect(m.topic).toBe('t/1');
    expect(m.payload).toBe(payload);
    expect(m.receivedAt).toBeGreaterThanOrEqual(before);
  });
});
