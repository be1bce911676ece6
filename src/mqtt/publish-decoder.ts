/**
 * Direct decoding of an inbound PUBLISH (MQTT 5 §3.3, 3.1.1 §3.3) from one whole packet as
 * `PacketFramer` (packet-framer.ts) hands it out: the flags of the fixed header, the topic name,
 * the Packet Identifier, the MQTT 5 properties (checked and skipped, not decoded) and the
 * payload as a view of the packet's bytes. Anything MQTT calls malformed is refused, also where
 * `mqtt-packet`'s parser lets it through (an invalid UTF-8 topic, Packet Identifier 0).
 */
import {
  MalformedPacketError,
  skipVariableByteInteger,
  variableByteInteger,
  type MalformedPacketCode,
} from './packet-framer.ts';

/** The MQTT control packet type of PUBLISH (MQTT 5 §2.1.2, 3.1.1 §2.2.1). */
export const PUBLISH_PACKET_TYPE = 3;

/** A PUBLISH as received (MQTT 5 §3.3, 3.1.1 §3.3). */
export interface PublishPacket {
  /** QoS of the delivery (§3.3.1.2). */
  readonly qos: 0 | 1 | 2;
  /** DUP: possibly a redelivery (§3.3.1.1). */
  readonly dup: boolean;
  /** RETAIN (§3.3.1.3). */
  readonly retain: boolean;
  /** The topic name (§3.3.2.1); empty only if the broker used a Topic Alias. */
  readonly topic: string;
  /** The Packet Identifier (§2.2.1), 1..65535 at QoS 1 and 2; undefined at QoS 0. */
  readonly messageId: number | undefined;
  /** The application message: a view of the packet's bytes, not a copy. */
  readonly payload: Uint8Array;
}

type PropertyKind = 1 | 2 | 4 | 'var' | 'length' | 'pair';

/**
 * How each property that a PUBLISH may carry (MQTT 5 §3.3.2.3) is encoded (§2.2.2.2): a byte, a
 * two- or four-byte integer, a Variable Byte Integer, or `length` for a UTF-8 string or binary
 * data with a two-byte length; a User Property is a pair of strings.
 */
const PUBLISH_PROPERTIES: ReadonlyMap<number, PropertyKind> = new Map<number, PropertyKind>([
  [0x01, 1], // Payload Format Indicator
  [0x02, 4], // Message Expiry Interval
  [0x03, 'length'], // Content Type
  [0x08, 'length'], // Response Topic
  [0x09, 'length'], // Correlation Data
  [0x0b, 'var'], // Subscription Identifier
  [0x23, 2], // Topic Alias
  [0x26, 'pair'], // User Property
]);

/** True when `packet` (a whole control packet) is a PUBLISH: type 3 (MQTT 5 §2.1.2). */
export function isPublish(packet: Uint8Array): boolean {
  return packet[0]! >>> 4 === PUBLISH_PACKET_TYPE;
}

/**
 * Decodes the PUBLISH `packet` of protocol version `v`. Throws {@link MalformedPacketError}:
 * `INVALID_QOS`, `TRUNCATED`, `INVALID_TOPIC`, `INVALID_PACKET_ID`, `PROPERTIES_OVERRUN`,
 * `INVALID_PROPERTY` or `VARIABLE_BYTE_INTEGER_TOO_LONG`; RangeError if `packet` is not a PUBLISH.
 */
export function decodePublish(packet: Buffer, v: 4 | 5): PublishPacket {
  const first = packet[0]!;
  if (first >>> 4 !== PUBLISH_PACKET_TYPE) throw new RangeError('not a PUBLISH packet');
  const qos = (first >>> 1) & 3;
  if (qos === 3) malformed('INVALID_QOS', 'PUBLISH with QoS 3', 0);
  const end = packet.length;
  // The Remaining Length was checked by the framer: the packet ends where the bytes end.
  let pos = skipVariableByteInteger(packet, 1, end);
  if (pos < 0) malformed('TRUNCATED', 'fixed header runs past the packet', 1);

  if (pos + 2 > end) malformed('TRUNCATED', 'no room for the topic length', pos);
  const topicEnd = pos + 2 + packet.readUInt16BE(pos);
  if (topicEnd > end) malformed('TRUNCATED', 'topic name runs past the packet', pos);
  if (!isMqttUtf8(packet, pos + 2, topicEnd)) {
    malformed('INVALID_TOPIC', 'topic name is not well-formed UTF-8 without U+0000', pos);
  }
  const topic = packet.toString('utf8', pos + 2, topicEnd);
  pos = topicEnd;

  let messageId: number | undefined;
  if (qos > 0) {
    if (pos + 2 > end) malformed('TRUNCATED', 'no room for the packet identifier', pos);
    messageId = packet.readUInt16BE(pos);
    if (messageId === 0) malformed('INVALID_PACKET_ID', 'packet identifier 0', pos);
    pos += 2;
  }
  if (v === 5) pos = skipProperties(packet, pos, end);

  return {
    qos: qos as 0 | 1 | 2,
    dup: (first & 0x08) !== 0,
    retain: (first & 0x01) !== 0,
    topic,
    messageId,
    payload: new Uint8Array(packet.buffer, packet.byteOffset + pos, end - pos),
  };
}

/** Checks the MQTT 5 properties at `pos` (§2.2.2) and returns where the payload starts. */
function skipProperties(packet: Uint8Array, pos: number, end: number): number {
  const valuesAt = skipVariableByteInteger(packet, pos, end);
  if (valuesAt < 0) malformed('TRUNCATED', 'no room for the property length', pos);
  const propertiesEnd = valuesAt + variableByteInteger(packet, pos);
  if (propertiesEnd > end) {
    malformed('PROPERTIES_OVERRUN', 'properties run past the packet', pos);
  }
  let at = valuesAt;
  while (at < propertiesEnd) {
    const id = packet[at]!;
    const kind = PUBLISH_PROPERTIES.get(id);
    if (kind === undefined) malformed('INVALID_PROPERTY', `no PUBLISH property 0x${hex(id)}`, at);
    const next = skipValue(packet, at + 1, propertiesEnd, kind);
    if (next < 0) malformed('INVALID_PROPERTY', `property 0x${hex(id)} runs past the rest`, at);
    at = next;
  }
  return propertiesEnd;
}

/** Where the property value of `kind` at `pos` ends, or -1 if it runs past `end`. */
function skipValue(packet: Uint8Array, pos: number, end: number, kind: PropertyKind): number {
  switch (kind) {
    case 'var':
      return skipVariableByteInteger(packet, pos, end);
    case 'length': {
      if (pos + 2 > end) return -1;
      const after = pos + 2 + ((packet[pos]! << 8) | packet[pos + 1]!);
      return after > end ? -1 : after;
    }
    case 'pair': {
      const next = skipValue(packet, pos, end, 'length');
      return next < 0 ? -1 : skipValue(packet, next, end, 'length');
    }
    default:
      return pos + kind > end ? -1 : pos + kind;
  }
}

function hex(id: number): string {
  return id.toString(16).padStart(2, '0');
}

/**
 * True when `bytes[start, end)` is a UTF-8 Encoded String's data as MQTT allows it (MQTT 5
 * §1.5.4, 3.1.1 §1.5.3): well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates
 * U+D800..U+DFFF, nothing above U+10FFFF) and no U+0000.
 */
export function isMqttUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const b = bytes[i]!;
    if (b < 0x80) {
      if (b === 0) return false;
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) n = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    } else return false;
    if (i + n >= end) return false;
    const second = bytes[i + 1]!;
    if (second < lo || second > hi) return false;
    for (let k = 2; k <= n; k++) {
      const c = bytes[i + k]!;
      if (c < 0x80 || c > 0xbf) return false;
    }
    i += n + 1;
  }
  return true;
}

function malformed(code: MalformedPacketCode, what: string, offset: number): never {
  throw new MalformedPacketError(code, `malformed PUBLISH: ${what}`, { evidence: { offset } });
}
