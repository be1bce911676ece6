/**
 * Random MQTT byte streams for the framing and decoding tests: PUBLISH packets (MQTT 3.1.1 and
 * 5, with and without properties, multibyte topics, payloads up to 70 KB) and other packets a
 * broker sends, written by `mqtt-packet`'s generator, cut at random chunk boundaries, and read
 * back by `mqtt-packet`'s parser as the reference.
 */
import fc from 'fast-check';
import { generate, parser as createParser, type Packet } from 'mqtt-packet';

/** A topic name: 1–40 characters, ASCII or any Unicode scalar value, no U+0000 or wildcards. */
export const topicArb = fc
  .oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
    fc.constantFrom('wattproof/v1/meters/mtr-1/readings', 'wattproof/v1/meters/zähler-ü/readings'),
  )
  // No lone surrogates (\p{Cs} matches only unpaired halves in a `u` expression).
  .filter((t) => !/\p{Cs}/u.test(t) && !/[+#]/.test(t) && !t.includes('\u0000'));

/** A payload of `n` bytes that differ from one offset to the next. */
export function payloadOf(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >>> 8)) & 0xff;
  return b;
}

/** Mostly reading-sized payloads, sometimes 60–70 KB (past the framer's gather limit). */
export const payloadArb = fc
  .tuple(
    fc.oneof(
      { weight: 10, arbitrary: fc.integer({ min: 0, max: 400 }) },
      { weight: 1, arbitrary: fc.integer({ min: 60_000, max: 70_000 }) },
    ),
    fc.nat(255),
  )
  .map(([n, seed]) => payloadOf(n, seed));

/** MQTT 5 PUBLISH properties as mqtt-packet takes them, each one optional. */
const propertiesArb = fc.record(
  {
    payloadFormatIndicator: fc.boolean(),
    messageExpiryInterval: fc.nat(),
    contentType: fc.string({ maxLength: 20 }),
    responseTopic: topicArb,
    correlationData: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
    userProperties: fc.dictionary(
      fc.string({ minLength: 1, maxLength: 8 }),
      fc.string({ maxLength: 12 }),
      { minKeys: 1, maxKeys: 3 },
    ),
    subscriptionIdentifier: fc.integer({ min: 1, max: 268_435_455 }),
    topicAlias: fc.integer({ min: 1, max: 0xffff }),
  },
  { requiredKeys: [] },
);

/** One PUBLISH for protocol version `v`; QoS 2 too, which a decoder must read as well. */
export function publishArb(v: 4 | 5, qos: fc.Arbitrary<0 | 1 | 2> = fc.constantFrom(0, 1)) {
  return fc
    .record({
      topic: topicArb,
      payload: payloadArb,
      qos,
      dup: fc.boolean(),
      retain: fc.boolean(),
      messageId: fc.integer({ min: 1, max: 0xffff }),
      properties: v === 5 ? fc.option(propertiesArb, { nil: undefined }) : fc.constant(undefined),
    })
    .map(({ messageId, properties, ...p }): Packet => ({
      cmd: 'publish',
      ...p,
      ...(p.qos > 0 ? { messageId } : {}),
      ...(properties === undefined ? {} : { properties }),
    }));
}

/** A packet other than PUBLISH that a broker sends to a client. */
export function otherPacketArb(v: 4 | 5): fc.Arbitrary<Packet> {
  const id = fc.integer({ min: 1, max: 0xffff });
  return fc.oneof(
    fc.constant<Packet>({ cmd: 'pingresp' }),
    id.map((messageId): Packet => ({ cmd: 'puback', messageId })),
    id.map((messageId): Packet => ({ cmd: 'suback', messageId, granted: [1, 1] })),
    // MQTT 3.1.1 UNSUBACK has no reason codes: mqtt-packet writes none then.
    id.map((messageId): Packet => ({ cmd: 'unsuback', messageId, granted: [0] })),
    fc
      .boolean()
      .map((sessionPresent): Packet =>
        v === 5
          ? { cmd: 'connack', sessionPresent, reasonCode: 0 }
          : { cmd: 'connack', sessionPresent, returnCode: 0 },
      ),
    ...(v === 5 ? [fc.constant<Packet>({ cmd: 'disconnect', reasonCode: 0x8b })] : []),
  );
}

/** The packets written one after another, as a broker would send them. */
export function streamOf(packets: readonly Packet[], v: 4 | 5): Buffer {
  return Buffer.concat(packets.map((p) => written(p, v)));
}

/** `packet` as mqtt-packet writes it (which returns nothing for what it cannot write). */
export function written(packet: Packet, v: 4 | 5): Buffer {
  const bytes = generate(packet, { protocolVersion: v });
  if (bytes.length === 0) throw new Error(`mqtt-packet cannot write ${JSON.stringify(packet)}`);
  return bytes;
}

/** `bytes` cut at `cuts` (any numbers, taken modulo the length), or into 1-byte chunks. */
export function chunksOf(bytes: Buffer, cuts: readonly number[] | 'bytes'): Buffer[] {
  if (cuts === 'bytes')
    return Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of [...at, bytes.length]) {
    if (c > from) out.push(bytes.subarray(from, c));
    from = Math.max(from, c);
  }
  return out;
}

/** Random cut points, or 1-byte chunks now and then. */
export const cutsArb: fc.Arbitrary<readonly number[] | 'bytes'> = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.nat(), { maxLength: 30 }) },
  { weight: 1, arbitrary: fc.constant<'bytes'>('bytes') },
);

/** What `mqtt-packet`'s parser reads from `chunks`, and the first error it reports. */
export function referenceParse(
  chunks: readonly Buffer[],
  v: 4 | 5,
): { packets: Packet[]; error?: Error } {
  const parser = createParser({ protocolVersion: v });
  const packets: Packet[] = [];
  let error: Error | undefined;
  parser.on('packet', (p: Packet) => packets.push(p));
  parser.on('error', (e: Error) => (error ??= e));
  for (const c of chunks) {
    if (error !== undefined) break;
    parser.parse(c);
  }
  return error === undefined ? { packets } : { packets, error };
}
