/**
 * The inbound phase of {@link MqttSource}: a QoS 1 PUBLISH becomes an {@link InboundMessage}
 * for the handler, and its PUBACK (MQTT 5 §3.4, 3.1.1 §3.4) is built once the handler's promise
 * resolves; the PUBACKs leave in arrival order (§4.6, arrival-order.ts).
 */
import type { IPublishPacket } from 'mqtt-packet';
import type { InboundMessage } from './transport.ts';

/** The message handed to the handler, its payload a view of the packet's bytes. */
export function inboundMessage(p: IPublishPacket): InboundMessage {
  const raw = typeof p.payload === 'string' ? Buffer.from(p.payload, 'utf8') : p.payload;
  return {
    topic: p.topic,
    payload: new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength),
    receivedAt: Date.now(),
  };
}

/**
 * The PUBACK of `messageId` with the handler's reason code, written directly (one per reading):
 * fixed header 0x40 and the remaining length, the packet identifier (MQTT 3.1.1 §3.4; MQTT 5
 * §3.4.2); in MQTT 5 a reason code other than Success follows with a property length of 0, and
 * Success with no properties is left out (§3.4.2.1: "the Reason Code and Property Length can be
 * omitted").
 */
export function pubackPacket(messageId: number, reasonCode: number, v: 4 | 5): Buffer {
  // A handler outcome without a valid code still acknowledges, as "unspecified error".
  const code =
    Number.isInteger(reasonCode) && reasonCode >= 0 && reasonCode <= 0xff ? reasonCode : 0x80;
  if (!Number.isInteger(messageId) || messageId < 1 || messageId > 0xffff) {
    throw new RangeError(`PUBACK: packet identifier ${messageId} is not 1..65535`);
  }
  if (v === 4 || code === 0) return Buffer.from([0x40, 2, messageId >>> 8, messageId & 0xff]);
  return Buffer.from([0x40, 4, messageId >>> 8, messageId & 0xff, code, 0]);
}
