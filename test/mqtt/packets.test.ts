import { generate } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { pubackPacket } from '../../src/mqtt/client-inbound.ts';
import { receiptPacket } from '../../src/mqtt/client-receipts.ts';

/** The same packets as mqtt-packet writes them, byte for byte. */
describe('the PUBACK and receipt PUBLISH written directly', () => {
  it.each([4, 5] as const)('PUBACK matches mqtt-packet in MQTT %i', (v) => {
    for (const messageId of [1, 2, 255, 256, 258, 0x7fff, 0xffff]) {
      for (const reasonCode of [0, 0x10, 0x80, 0x87, 0x97, 0x99]) {
        const ours = pubackPacket(messageId, reasonCode, v);
        const theirs = generate({ cmd: 'puback', messageId, reasonCode }, { protocolVersion: v });
        expect(ours.toString('hex'), `${messageId}/${reasonCode}`).toBe(theirs.toString('hex'));
      }
    }
  });

  it('acknowledges an out-of-range reason code as unspecified error, and refuses a bad id', () => {
    expect(pubackPacket(7, 300, 5).toString('hex')).toBe('4004000780' + '00');
    expect(pubackPacket(7, Number.NaN, 5)[4]).toBe(0x80);
    expect(() => pubackPacket(0, 0, 5)).toThrow(RangeError);
    expect(() => pubackPacket(65_536, 0, 4)).toThrow(RangeError);
  });

  it.each([4, 5] as const)('receipt PUBLISH matches mqtt-packet in MQTT %i', (v) => {
    const topics = [
      'r',
      'wattproof/v1/meters/mtr-1/receipts',
      'wattproof/v1/meters/zähler-ü/receipts',
    ];
    // Around each boundary of the remaining length's variable byte integer.
    const sizes = [
      0, 1, 90, 120, 125, 126, 127, 128, 700, 16_340, 16_383, 16_384, 2_097_100, 2_097_152,
    ];
    for (const topic of topics) {
      for (const size of sizes) {
        const payload = new Uint8Array(size).map((_, i) => (i * 31 + 7) & 0xff);
        const ours = receiptPacket(topic, payload, v);
        const theirs = generate(
          {
            cmd: 'publish',
            topic,
            payload: Buffer.from(payload),
            qos: 0,
            dup: false,
            retain: false,
          },
          { protocolVersion: v },
        );
        expect(ours.length, `${topic}/${size}`).toBe(theirs.length);
        expect(ours.equals(theirs), `${topic}/${size}`).toBe(true);
      }
    }
  });

  it('copies the payload: a view of a larger buffer sends only its own bytes', () => {
    const big = new Uint8Array(64).map((_, i) => i);
    const view = big.subarray(10, 20);
    const p = receiptPacket('t', view, 4);
    expect([...p.subarray(p.length - 10)]).toEqual([...view]);
    big.fill(0);
    expect([...p.subarray(p.length - 10)]).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  });
});
