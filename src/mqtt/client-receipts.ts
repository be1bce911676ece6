/**
 * The receipt phase of {@link MqttSource}: receipts go out at QoS 0, never larger than the
 * broker's Maximum Packet Size (MQTT 5 §3.2.2.3.6).
 */
import { generate } from 'mqtt-packet';

/** The QoS 0 PUBLISH of a receipt; its payload is not copied. */
export function receiptPacket(topic: string, payload: Uint8Array, v: 4 | 5): Buffer {
  return generate(
    {
      cmd: 'publish',
      topic,
      payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
      qos: 0,
      dup: false,
      retain: false,
    },
    { protocolVersion: v },
  );
}
