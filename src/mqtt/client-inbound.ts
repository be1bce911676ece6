/**
 * The inbound phase of {@link MqttSource}: the connection's byte stream is cut into packets
 * (packet-framer.ts); a PUBLISH is decoded directly (publish-decoder.ts) and becomes an
 * {@link InboundMessage} for the handler, every other packet goes to `mqtt-packet`'s parser
 * whole; a QoS 1 PUBLISH's PUBACK (MQTT 5 §3.4, 3.1.1 §3.4) is built once the handler's promise
 * resolves, and the PUBACKs leave in arrival order (§4.6, arrival-order.ts).
 */
import { parser as createParser, type Packet, type Parser } from 'mqtt-packet';
import { PacketFramer, type PacketFramerOptions } from './packet-framer.ts';
import { decodePublish, isPublish, type PublishPacket } from './publish-decoder.ts';
import type { InboundMessage } from './transport.ts';

/** Where {@link InboundReader} hands the packets of one connection, in the order they arrived. */
export interface InboundPackets {
  /** A PUBLISH (MQTT 5 §3.3, 3.1.1 §3.3), decoded directly. */
  publish(p: PublishPacket): void;
  /** Any other control packet (CONNACK, SUBACK, PINGRESP, …), as `mqtt-packet` parses it. */
  packet(p: Packet): void;
  /** A malformed packet (MQTT 5 §4.13): nothing after it is read. */
  malformed(cause: unknown): void;
}

/**
 * Reads one connection's byte stream: every packet a chunk completes is handed on before
 * {@link InboundReader.read} returns, in stream order, also when the socket was paused while
 * the chunk was read (as with `mqtt-packet`'s streaming parser). After a malformed packet the
 * rest of the stream is ignored.
 */
export class InboundReader {
  readonly #v: 4 | 5;
  readonly #to: InboundPackets;
  readonly #framer: PacketFramer;
  readonly #parser: Parser;
  #broken = false;

  /** Reads protocol version `v` (4 is MQTT 3.1.1); `options` bound the packet size. */
  constructor(v: 4 | 5, to: InboundPackets, options: PacketFramerOptions = {}) {
    this.#v = v;
    this.#to = to;
    this.#framer = new PacketFramer(options);
    this.#parser = createParser({ protocolVersion: v });
    this.#parser.on('packet', (p: Packet) => to.packet(p));
    this.#parser.on('error', (e: Error) => this.#fail(e));
  }

  /** Hands on every packet that `chunk` completes. */
  read(chunk: Buffer): void {
    if (this.#broken) return;
    const framer = this.#framer;
    try {
      framer.push(chunk);
    } catch (e) {
      this.#fail(e);
      return;
    }
    for (;;) {
      let packet: Buffer | undefined;
      let publish: PublishPacket | undefined;
      try {
        packet = framer.next();
        if (packet === undefined) return;
        if (isPublish(packet)) publish = decodePublish(packet, this.#v);
      } catch (e) {
        this.#fail(e);
        return;
      }
      if (publish !== undefined) {
        this.#to.publish(publish);
      } else {
        // One whole packet: mqtt-packet emits it (or its error) before parse returns.
        this.#parser.parse(packet);
        if (this.#broken) return;
      }
    }
  }

  #fail(cause: unknown): void {
    if (this.#broken) return;
    this.#broken = true;
    this.#to.malformed(cause);
  }
}

/** The message handed to the handler, its payload a view of the packet's bytes. */
export function inboundMessage(p: PublishPacket): InboundMessage {
  return { topic: p.topic, payload: p.payload, receivedAt: Date.now() };
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
