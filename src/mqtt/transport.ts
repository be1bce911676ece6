/**
 * The transport contract of an ingest node: how messages come in (an MQTT client of an
 * external broker, or the embedded broker) and receipts go out, and how the batcher tells the
 * transport that a message's outcome is durable.
 */

/** One message as it arrived from the broker. */
export interface InboundMessage {
  /** The MQTT topic it was published on. */
  readonly topic: string;
  /** The exact payload bytes. */
  readonly payload: Uint8Array;
  /** When the node received it, ms since the Unix epoch. */
  readonly receivedAt: number;
}

/**
 * What the transport sends back once a message's outcome is durable: an MQTT 5 PUBACK reason
 * code (0 success; 0x80 unspecified error; 0x87 not authorized; 0x97 quota exceeded;
 * 0x99 payload format invalid). MQTT 3.1.1 PUBACKs carry no code.
 */
export interface AckOutcome {
  readonly reasonCode: number;
}

/**
 * Called by a transport for each message on a readings topic. It resolves only once the
 * message's outcome (entry, duplicate or quarantine record) is committed; the transport sends
 * the PUBACK then, and never before. If it rejects, the transport does not acknowledge, so the
 * broker delivers the message again.
 */
export type MessageHandler = (message: InboundMessage) => Promise<AckOutcome>;

/** A way for messages to come in and receipts to go out. */
export interface MessageSource {
  /** Human description for logs, e.g. `mqtt://127.0.0.1:1883` or `embedded broker on 127.0.0.1:1883`. */
  readonly description: string;
  /** Starts delivering messages to `handler`. Rejects with a clear error if the broker cannot be reached or the port is taken. */
  start(handler: MessageHandler): Promise<void>;
  /** Publishes `payload` on `topic` at QoS 0 (receipts). Never throws for a lost connection. */
  publish(topic: string, payload: Uint8Array): void;
  /** Stops taking messages, waits for the handler's outstanding promises, sends their acks, disconnects. */
  stop(): Promise<void>;
}
