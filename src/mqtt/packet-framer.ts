/**
 * Framing of the inbound MQTT byte stream: the stream is cut into control packets by their
 * fixed header (MQTT 5 §2.1.1, 3.1.1 §2.2): one byte of packet type and flags, then the
 * Remaining Length as a Variable Byte Integer (MQTT 5 §1.5.5, 3.1.1 §2.2.3) of at most four
 * bytes. A packet that lies whole inside one chunk is handed out as a view of that chunk; only
 * the unfinished packet at a chunk's end is kept until the next chunk completes it.
 */
import { WattproofError } from '../core/errors.ts';

/**
 * Why a packet from the broker is malformed (MQTT 5 §4.13: a Malformed Packet closes the
 * connection).
 *
 * - `VARIABLE_BYTE_INTEGER_TOO_LONG`: the Remaining Length, or another Variable Byte Integer,
 *   runs past four bytes (MQTT 5 §1.5.5, 3.1.1 §2.2.3).
 * - `PACKET_TOO_LARGE`: the packet is larger than the maximum packet size (MQTT 5 §3.1.2.11.4).
 * - `INVALID_QOS`: a PUBLISH with both QoS bits set (MQTT 5 §3.3.1.2, 3.1.1 §3.3.1.2).
 * - `TRUNCATED`: a field of the variable header runs past the end of the packet.
 * - `INVALID_TOPIC`: the topic name is not well-formed UTF-8 or contains U+0000 (MQTT 5 §1.5.4,
 *   3.1.1 §1.5.3).
 * - `INVALID_PACKET_ID`: a QoS 1 or 2 PUBLISH with Packet Identifier 0 (MQTT 5 §2.2.1, 3.1.1
 *   §2.3.1).
 * - `PROPERTIES_OVERRUN`: the Property Length runs past the end of the packet (MQTT 5 §2.2.2.1).
 * - `INVALID_PROPERTY`: a property that PUBLISH does not have, or whose value runs past the
 *   properties (MQTT 5 §2.2.2.2, §3.3.2.3).
 */
export type MalformedPacketCode =
  | 'VARIABLE_BYTE_INTEGER_TOO_LONG'
  | 'PACKET_TOO_LARGE'
  | 'INVALID_QOS'
  | 'TRUNCATED'
  | 'INVALID_TOPIC'
  | 'INVALID_PACKET_ID'
  | 'PROPERTIES_OVERRUN'
  | 'INVALID_PROPERTY';

/** A packet from the broker that MQTT calls malformed; evidence names where it went wrong. */
export class MalformedPacketError extends WattproofError<MalformedPacketCode> {}

/**
 * The largest packet MQTT can frame: a Remaining Length of 268,435,455 (the largest four-byte
 * Variable Byte Integer, MQTT 5 §1.5.5) plus the five bytes of the fixed header.
 */
export const MQTT_MAX_PACKET_SIZE = 268_435_455 + 5;

/** An unfinished packet up to this size is gathered in one buffer; a larger one as views. */
const GATHER_LIMIT = 65_536;

/** Settings of a {@link PacketFramer}. */
export interface PacketFramerOptions {
  /**
   * The largest packet accepted, in bytes with its fixed header, as MQTT 5 §3.1.2.11.4 counts
   * it (the Maximum Packet Size a client sends in CONNECT). Default {@link MQTT_MAX_PACKET_SIZE}.
   */
  readonly maxPacketSize?: number;
}

/**
 * Position just after the Variable Byte Integer (MQTT 5 §1.5.5) that starts at `pos`; -1 when it
 * runs past `end`. Throws {@link MalformedPacketError} `VARIABLE_BYTE_INTEGER_TOO_LONG` when its
 * fourth byte still has the continuation bit set.
 */
export function skipVariableByteInteger(bytes: Uint8Array, pos: number, end: number): number {
  for (let i = 0; i < 4; i++) {
    if (pos + i >= end) return -1;
    if ((bytes[pos + i]! & 0x80) === 0) return pos + i + 1;
  }
  throw new MalformedPacketError(
    'VARIABLE_BYTE_INTEGER_TOO_LONG',
    'variable byte integer longer than 4 bytes',
    { evidence: { offset: pos } },
  );
}

/** The value of the Variable Byte Integer at `pos`, bounded by {@link skipVariableByteInteger}. */
export function variableByteInteger(bytes: Uint8Array, pos: number): number {
  let value = 0;
  let mul = 1;
  for (;;) {
    const b = bytes[pos++]!;
    value += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return value;
    mul *= 128;
  }
}

/**
 * Cuts a byte stream into MQTT control packets. Feed each chunk with {@link push}, then take
 * its packets with {@link next} until it returns `undefined`; each packet is a `Buffer` holding
 * exactly one control packet, fixed header included. After a {@link MalformedPacketError} the
 * stream cannot be resynchronised: the framer refuses everything further.
 */
export class PacketFramer {
  readonly #maxPacketSize: number;
  /** The chunk being framed, and where its next packet starts. */
  #chunk: Buffer | undefined;
  #pos = 0;
  /** A fixed header cut by a chunk's end (at most five bytes). */
  readonly #head = Buffer.alloc(5);
  #headLength = 0;
  /** The unfinished packet: its size, the bytes gathered so far, in one buffer or as views. */
  #size = 0;
  #filled = 0;
  #gather: Buffer | undefined;
  #parts: Buffer[] | undefined;
  #failed: MalformedPacketError | undefined;

  /** Throws RangeError unless `maxPacketSize` is an integer in 2..{@link MQTT_MAX_PACKET_SIZE}. */
  constructor(options: PacketFramerOptions = {}) {
    const max = options.maxPacketSize ?? MQTT_MAX_PACKET_SIZE;
    if (!Number.isInteger(max) || max < 2 || max > MQTT_MAX_PACKET_SIZE) {
      throw new RangeError(`maxPacketSize ${max} is not 2..${MQTT_MAX_PACKET_SIZE}`);
    }
    this.#maxPacketSize = max;
  }

  /** Bytes held of an unfinished packet (never more than the maximum packet size). */
  get buffered(): number {
    return this.#headLength + this.#filled;
  }

  /**
   * Takes the next chunk of the stream. Throws the framer's earlier {@link MalformedPacketError}
   * if it failed, and Error if packets of the previous chunk were not all taken.
   */
  push(chunk: Buffer): void {
    if (this.#failed !== undefined) throw this.#failed;
    if (this.#chunk !== undefined) {
      throw new Error('PacketFramer: the previous chunk is not framed');
    }
    this.#chunk = chunk;
    this.#pos = 0;
  }

  /**
   * The next complete packet of the chunk, or `undefined` once the chunk is used up (an
   * unfinished packet at its end is kept for the next chunk). Throws
   * {@link MalformedPacketError} `VARIABLE_BYTE_INTEGER_TOO_LONG` or `PACKET_TOO_LARGE`.
   */
  next(): Buffer | undefined {
    const chunk = this.#chunk;
    if (chunk === undefined) return undefined;
    try {
      if (this.#headLength > 0) this.#completeHead(chunk);
      if (this.#size > 0) return this.#completePacket(chunk);
      return this.#nextInChunk(chunk);
    } catch (e) {
      this.#chunk = undefined;
      if (e instanceof MalformedPacketError) this.#failed = e;
      throw e;
    }
  }

  #nextInChunk(chunk: Buffer): Buffer | undefined {
    const pos = this.#pos;
    if (pos >= chunk.length) return this.#release();
    const bodyAt = skipVariableByteInteger(chunk, pos + 1, chunk.length);
    if (bodyAt < 0) {
      // The chunk ends inside the fixed header.
      this.#headLength = chunk.copy(this.#head, 0, pos);
      return this.#release();
    }
    const size = this.#checkSize(bodyAt - pos + variableByteInteger(chunk, pos + 1));
    if (pos + size <= chunk.length) {
      this.#pos = pos + size;
      return chunk.subarray(pos, pos + size);
    }
    this.#startPacket(size, chunk.subarray(pos));
    return this.#release();
  }

  /** Moves bytes of `chunk` into the cut fixed header until it is whole. */
  #completeHead(chunk: Buffer): void {
    const head = this.#head;
    let bodyAt = -1;
    while (bodyAt < 0 && this.#pos < chunk.length) {
      head[this.#headLength++] = chunk[this.#pos++]!;
      bodyAt = skipVariableByteInteger(head, 1, this.#headLength);
    }
    if (bodyAt < 0) return;
    const size = this.#checkSize(bodyAt + variableByteInteger(head, 1));
    const headBytes = Buffer.from(head.subarray(0, this.#headLength));
    this.#headLength = 0;
    this.#startPacket(size, headBytes);
  }

  /** Adds bytes of `chunk` to the unfinished packet; returns it once whole. */
  #completePacket(chunk: Buffer): Buffer | undefined {
    const take = Math.min(this.#size - this.#filled, chunk.length - this.#pos);
    const part = chunk.subarray(this.#pos, this.#pos + take);
    this.#pos += take;
    if (this.#gather !== undefined) part.copy(this.#gather, this.#filled);
    else if (take > 0) this.#parts!.push(part);
    this.#filled += take;
    if (this.#filled < this.#size) return this.#release();
    const packet = this.#gather ?? Buffer.concat(this.#parts!, this.#size);
    this.#size = 0;
    this.#filled = 0;
    this.#gather = undefined;
    this.#parts = undefined;
    return packet;
  }

  #startPacket(size: number, first: Buffer): void {
    this.#size = size;
    this.#filled = first.length;
    if (size <= GATHER_LIMIT) {
      this.#gather = Buffer.allocUnsafe(size);
      first.copy(this.#gather);
    } else {
      // Gathered as views, copied once when whole: memory grows with what arrived, not with
      // what the header claims.
      this.#parts = [first];
    }
  }

  #checkSize(size: number): number {
    if (size > this.#maxPacketSize) {
      throw new MalformedPacketError(
        'PACKET_TOO_LARGE',
        `packet of ${size} bytes is larger than the maximum packet size ${this.#maxPacketSize}`,
        { evidence: { size, maxPacketSize: this.#maxPacketSize } },
      );
    }
    return size;
  }

  #release(): undefined {
    this.#chunk = undefined;
    return undefined;
  }
}
