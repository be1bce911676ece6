import fc from 'fast-check';
import { generate, type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import {
  MalformedPacketError,
  MQTT_MAX_PACKET_SIZE,
  PacketFramer,
  type MalformedPacketCode,
} from '../../src/mqtt/packet-framer.ts';
import {
  chunksOf,
  cutsArb,
  otherPacketArb,
  payloadOf,
  publishArb,
  streamOf,
  written,
} from './mqtt-streams.ts';

/** Every packet the framer hands out for `chunks`, in order. */
function frameAll(framer: PacketFramer, chunks: readonly Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  for (const c of chunks) {
    framer.push(c);
    for (let f = framer.next(); f !== undefined; f = framer.next()) out.push(f);
  }
  return out;
}

function codeOf(run: () => unknown): MalformedPacketCode | undefined {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(MalformedPacketError);
    return (e as MalformedPacketError).code;
  }
  return undefined;
}

const publish = (topic: string, size: number, v: 4 | 5 = 5): Buffer =>
  generate(
    {
      cmd: 'publish',
      topic,
      payload: payloadOf(size, 1),
      qos: 1,
      messageId: 9,
      dup: false,
      retain: false,
    },
    { protocolVersion: v },
  );

describe('when framing a stream cut anywhere', () => {
  it.each([4, 5] as const)('hands out exactly the packets written, in order (MQTT %i)', (v) => {
    const packetArb = fc.oneof({ weight: 3, arbitrary: publishArb(v) }, otherPacketArb(v));
    fc.assert(
      fc.property(
        fc.array(packetArb, { minLength: 1, maxLength: 12 }),
        cutsArb,
        (packets, cuts) => {
          const bytes = packets.map((p: Packet) => written(p, v));
          const framer = new PacketFramer();
          const framed = frameAll(framer, chunksOf(streamOf(packets, v), cuts));
          expect(framed.map((f) => f.toString('hex'))).toEqual(bytes.map((w) => w.toString('hex')));
          expect(framer.buffered).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('cuts a fixed header at every byte and still frames it', () => {
    // Remaining Length 20,004 takes three bytes: the header is four.
    const packet = publish('t', 20_000);
    for (let cut = 1; cut <= 6; cut++) {
      const framer = new PacketFramer();
      const framed = frameAll(framer, [packet.subarray(0, cut), packet.subarray(cut)]);
      expect(framed.length, `cut ${cut}`).toBe(1);
      expect(framed[0]!.equals(packet), `cut ${cut}`).toBe(true);
    }
  });

  it('hands out a packet that lies whole in a chunk as a view of it, not a copy', () => {
    const chunk = Buffer.concat([publish('a', 10), publish('b', 300), publish('c', 0)]);
    const framed = frameAll(new PacketFramer(), [chunk]);
    expect(framed).toHaveLength(3);
    for (const f of framed) expect(f.buffer).toBe(chunk.buffer);
    expect(framed[1]!.byteOffset - chunk.byteOffset).toBe(framed[0]!.length);
  });

  it('keeps only the unfinished packet between chunks', () => {
    const a = publish('a', 100);
    const b = publish('b', 100);
    const framer = new PacketFramer();
    const first = frameAll(framer, [Buffer.concat([a, b.subarray(0, 40)])]);
    expect(first).toHaveLength(1);
    expect(framer.buffered).toBe(40);
    const second = frameAll(framer, [b.subarray(40)]);
    expect(second.map((f) => f.toString('hex'))).toEqual([b.toString('hex')]);
    expect(framer.buffered).toBe(0);
  });

  it('gathers a packet larger than 64 KiB from many chunks', () => {
    const big = publish('big', 70_000);
    const chunks = chunksOf(Buffer.concat([big, publish('s', 5)]), [1, 2, 3, 999, 40_000, 70_010]);
    const framed = frameAll(new PacketFramer(), chunks);
    expect(framed).toHaveLength(2);
    expect(framed[0]!.equals(big)).toBe(true);
  });
});

describe('when the fixed header is malformed', () => {
  it('rejects a Remaining Length of more than four bytes, whole or cut', () => {
    const bad = Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]);
    expect(codeOf(() => frameAll(new PacketFramer(), [bad]))).toBe(
      'VARIABLE_BYTE_INTEGER_TOO_LONG',
    );
    expect(codeOf(() => frameAll(new PacketFramer(), chunksOf(bad, 'bytes')))).toBe(
      'VARIABLE_BYTE_INTEGER_TOO_LONG',
    );
    // Any packet type: the framer does not look past the fixed header.
    const ping = Buffer.from([0xd0, 0x80, 0x80, 0x80, 0x80, 0x00]);
    expect(codeOf(() => frameAll(new PacketFramer(), [ping]))).toBe(
      'VARIABLE_BYTE_INTEGER_TOO_LONG',
    );
  });

  it('rejects a packet above the maximum packet size before buffering it', () => {
    const framer = new PacketFramer({ maxPacketSize: 1000 });
    expect(frameAll(framer, [publish('t', 990)])).toHaveLength(1);
    const header = publish('t', 1_000_000).subarray(0, 6);
    expect(codeOf(() => frameAll(framer, [header]))).toBe('PACKET_TOO_LARGE');
    expect(framer.buffered).toBe(0);
    // Cut inside the header too.
    const again = new PacketFramer({ maxPacketSize: 1000 });
    expect(codeOf(() => frameAll(again, chunksOf(header, 'bytes')))).toBe('PACKET_TOO_LARGE');
    expect(again.buffered).toBeLessThanOrEqual(5);
  });

  it('refuses everything after an error: the stream cannot be resynchronised', () => {
    const framer = new PacketFramer({ maxPacketSize: 100 });
    expect(codeOf(() => frameAll(framer, [publish('t', 200)]))).toBe('PACKET_TOO_LARGE');
    expect(codeOf(() => framer.push(publish('t', 1)))).toBe('PACKET_TOO_LARGE');
    expect(framer.next()).toBeUndefined();
  });

  it('takes the protocol limit by default and refuses a bound outside it', () => {
    const framer = new PacketFramer();
    // The largest Remaining Length: 268,435,455 (0xff 0xff 0xff 0x7f).
    framer.push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f, 0x00]));
    expect(framer.next()).toBeUndefined();
    expect(framer.buffered).toBe(6);
    expect(() => new PacketFramer({ maxPacketSize: MQTT_MAX_PACKET_SIZE + 1 })).toThrow(RangeError);
    expect(() => new PacketFramer({ maxPacketSize: 1 })).toThrow(RangeError);
    expect(() => new PacketFramer({ maxPacketSize: 1.5 })).toThrow(RangeError);
  });
});
