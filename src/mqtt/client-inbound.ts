/**
 * The inbound phase of {@link MqttSource}: a QoS 1 PUBLISH becomes an {@link InboundMessage}
 * for the handler, and its PUBACK (MQTT 5 §3.4, 3.1.1 §3.4) is built once the handler's promise
 * resolves; the PUBACKs leave in arrival order (§4.6, arrival-order.ts).
 */
import { generate, type IPublishPacket } from 'mqtt-packet';
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

/** The PUBACK of `messageId` with the handler's reason code. */
export function pubackPacket(messageId: number, reasonCode: number, v: 4 | 5): Buffer {
  // A handler outcome without a valid code still acknowledges, as "unspecified error".
  const code =
    Number.isInteger(reasonCode) && reasonCode >= 0 && reasonCode <= 0xff ? reasonCode : 0x80;
  return generate({ cmd: 'puback', messageId, reasonCode: code }, { protocolVersion: v });
}
