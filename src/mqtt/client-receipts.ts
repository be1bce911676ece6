/**
 * The receipt phase of {@link MqttSource}: receipts go out at QoS 0, never larger than the
 * broker's Maximum Packet Size (MQTT 5 §3.2.2.3.6).
 */

/**
 * The QoS 0 PUBLISH of a receipt, written directly in one buffer (one per reading): fixed header
 * 0x30 (no DUP, QoS 0, no RETAIN) and the remaining length as a variable byte integer (MQTT 5
 * §1.5.5, 3.1.1 §2.2.3), the topic name as a UTF-8 string with its two-byte length (§1.5.4), no
 * packet identifier at QoS 0 (§3.3.2.2), in MQTT 5 a property length of 0 (§3.3.2.3), then the
 * payload.
 */
export function receiptPacket(topic: string, payload: Uint8Array, v: 4 | 5): Buffer {
  const topicBytes = Buffer.byteLength(topic, 'utf8');
  if (topicBytes > 0xffff) throw new RangeError('PUBLISH: topic longer than 65,535 bytes');
  const remaining = 2 + topicBytes + (v === 5 ? 1 : 0) + payload.length;
  if (remaining > 268_435_455) throw new RangeError('PUBLISH: packet larger than MQTT allows');
  const lengthBytes = remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4;
  const out = Buffer.allocUnsafe(1 + lengthBytes + remaining);
  out[0] = 0x30;
  let o = 1;
  let x = remaining;
  do {
    let byte = x % 128;
    x = Math.floor(x / 128);
    if (x > 0) byte |= 0x80;
    out[o++] = byte;
  } while (x > 0);
  out[o++] = topicBytes >>> 8;
  out[o++] = topicBytes & 0xff;
  o += out.write(topic, o, 'utf8');
  if (v === 5) out[o++] = 0;
  out.set(payload, o);
  return out;
}
