import fc from 'fast-check';
import { generate, type IPublishPacket } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { MalformedPacketError, type MalformedPacketCode } from '../../src/mqtt/packet-framer.ts';
import { decodePublish, isMqttUtf8, isPublish } from '../../src/mqtt/publish-decoder.ts';
import { publishArb, referenceParse, written } from './mqtt-streams.ts';

function codeOf(run: () => unknown): MalformedPacketCode | undefined {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(MalformedPacketError);
    return (e as MalformedPacketError).code;
  }
  return undefined;
}

/** A PUBLISH written by hand: fixed header byte, then the rest (Remaining Length < 128). */
const raw = (first: number, ...rest: number[]): Buffer =>
  Buffer.from([first, rest.length, ...rest]);
const topicBytes = (t: number[]): number[] => [0, t.length, ...t];

describe('when decoding a PUBLISH', () => {
  it.each([4, 5] as const)('reads what mqtt-packet reads, field by field (MQTT %i)', (v) => {
    fc.assert(
      fc.property(publishArb(v, fc.constantFrom(0, 1, 2)), (packet) => {
        const bytes = written(packet, v);
        const theirs = referenceParse([bytes], v).packets[0] as IPublishPacket;
        expect(isPublish(bytes)).toBe(true);
        const ours = decodePublish(bytes, v);
        expect(ours.qos).toBe(theirs.qos);
        expect(ours.dup).toBe(theirs.dup);
        expect(ours.retain).toBe(theirs.retain);
        expect(ours.topic).toBe(theirs.topic);
        expect(ours.messageId).toBe(theirs.messageId);
        expect(Buffer.from(ours.payload).equals(theirs.payload as Buffer)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('hands out the payload as a view of the packet', () => {
    const bytes = generate(
      {
        cmd: 'publish',
        topic: 'a/b',
        payload: Buffer.from('xyz'),
        qos: 1,
        messageId: 3,
        dup: false,
        retain: false,
      },
      { protocolVersion: 5 },
    );
    const p = decodePublish(bytes, 5);
    expect(p.payload.buffer).toBe(bytes.buffer);
    expect(p.payload.byteOffset).toBe(bytes.byteOffset + bytes.length - 3);
  });

  it('refuses a packet that is not a PUBLISH', () => {
    expect(isPublish(Buffer.from([0xd0, 0]))).toBe(false);
    expect(() => decodePublish(Buffer.from([0xd0, 0]), 5)).toThrow(RangeError);
  });
});

describe('when a PUBLISH is malformed', () => {
  it('rejects QoS 3', () => {
    expect(codeOf(() => decodePublish(raw(0x36, ...topicBytes([0x74]), 0, 1), 4))).toBe(
      'INVALID_QOS',
    );
  });

  it('rejects a topic or packet identifier cut short', () => {
    expect(codeOf(() => decodePublish(raw(0x30, 0), 4))).toBe('TRUNCATED');
    expect(codeOf(() => decodePublish(raw(0x30, 0, 10, 0x61, 0x62), 4))).toBe('TRUNCATED');
    expect(codeOf(() => decodePublish(raw(0x32, ...topicBytes([0x61]), 7), 4))).toBe('TRUNCATED');
    expect(codeOf(() => decodePublish(raw(0x30, ...topicBytes([0x61])), 5))).toBe('TRUNCATED');
  });

  it('rejects packet identifier 0 at QoS 1 and 2', () => {
    expect(codeOf(() => decodePublish(raw(0x32, ...topicBytes([0x61]), 0, 0), 4))).toBe(
      'INVALID_PACKET_ID',
    );
    expect(codeOf(() => decodePublish(raw(0x34, ...topicBytes([0x61]), 0, 0, 0), 5))).toBe(
      'INVALID_PACKET_ID',
    );
  });

  it('rejects properties longer than the packet', () => {
    expect(codeOf(() => decodePublish(raw(0x30, ...topicBytes([0x61]), 50, 1, 1), 5))).toBe(
      'PROPERTIES_OVERRUN',
    );
    // A Property Length of 0x80 0x01 (128), two bytes in.
    expect(codeOf(() => decodePublish(raw(0x30, ...topicBytes([0x61]), 0x80, 0x01, 1, 0), 5))).toBe(
      'PROPERTIES_OVERRUN',
    );
    expect(codeOf(() => decodePublish(raw(0x30, ...topicBytes([0x61]), 0x80), 5))).toBe(
      'TRUNCATED',
    );
  });

  it('rejects a property PUBLISH does not have, or one that runs past the rest', () => {
    // 0x11 Session Expiry Interval belongs to CONNECT, CONNACK and DISCONNECT.
    expect(
      codeOf(() => decodePublish(raw(0x30, ...topicBytes([0x61]), 5, 0x11, 0, 0, 0, 1), 5)),
    ).toBe('INVALID_PROPERTY');
    expect(codeOf(() => decodePublish(raw(0x30, ...topicBytes([0x61]), 2, 0x7f, 0), 5))).toBe(
      'INVALID_PROPERTY',
    );
    // Message Expiry Interval needs four bytes; Content Type says 9 but has 1; a cut pair.
    expect(
      codeOf(() => decodePublish(raw(0x30, ...topicBytes([0x61]), 3, 0x02, 0, 0, 9, 9), 5)),
    ).toBe('INVALID_PROPERTY');
    expect(
      codeOf(() =>
        decodePublish(raw(0x30, ...topicBytes([0x61]), 4, 0x03, 0, 9, 0x61, 9, 9, 9), 5),
      ),
    ).toBe('INVALID_PROPERTY');
    expect(
      codeOf(() => decodePublish(raw(0x30, ...topicBytes([0x61]), 4, 0x26, 0, 1, 0x6b, 0), 5)),
    ).toBe('INVALID_PROPERTY');
    // A Subscription Identifier of five bytes.
    expect(
      codeOf(() =>
        decodePublish(raw(0x30, ...topicBytes([0x61]), 6, 0x0b, 0x81, 0x81, 0x81, 0x81, 0x01), 5),
      ),
    ).toBe('VARIABLE_BYTE_INTEGER_TOO_LONG');
  });

  it.each([
    ['a lone continuation byte', [0x61, 0x80]],
    ['a cut two-byte sequence', [0xc3]],
    ['an overlong "/"', [0xc0, 0xaf]],
    ['an overlong three-byte form', [0xe0, 0x80, 0xaf]],
    ['a UTF-16 surrogate', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['U+0000', [0x61, 0x00, 0x62]],
  ])('rejects a topic with %s', (_what, topic) => {
    expect(codeOf(() => decodePublish(raw(0x30, ...topicBytes(topic)), 4))).toBe('INVALID_TOPIC');
  });
});

describe('when checking MQTT UTF-8', () => {
  const fatal = new TextDecoder('utf-8', { fatal: true });
  const reference = (b: Uint8Array): boolean => {
    try {
      fatal.decode(b);
    } catch {
      return false;
    }
    return !b.includes(0);
  };

  it('agrees with a fatal TextDecoder (and no U+0000) on any bytes', () => {
    const nearUtf8 = fc.array(
      fc.oneof(
        fc.integer({ min: 0, max: 0xff }),
        fc.integer({ min: 0x80, max: 0xbf }),
        fc.integer({ min: 0xc0, max: 0xf5 }),
      ),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(nearUtf8, (bytes) => {
        const b = Uint8Array.from(bytes);
        expect(isMqttUtf8(b, 0, b.length)).toBe(reference(b));
      }),
      { numRuns: 5000 },
    );
  });

  it('accepts every Unicode scalar value but U+0000', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (s) => {
        const b = new TextEncoder().encode(s);
        expect(isMqttUtf8(b, 0, b.length)).toBe(!s.includes('\u0000'));
      }),
    );
  });

  it('looks only at the given range', () => {
    const b = Uint8Array.from([0xff, 0x61, 0x62, 0x00]);
    expect(isMqttUtf8(b, 1, 3)).toBe(true);
    expect(isMqttUtf8(b, 0, 3)).toBe(false);
  });
});
