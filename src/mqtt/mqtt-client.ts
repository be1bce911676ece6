/**
 * The node's client of an external MQTT broker (Mosquitto, EMQX, HiveMQ), over
 * `node:net`/`node:tls` so that many QoS 1 messages can be in flight while their batch commits:
 * inbound PUBLISH packets are framed and decoded directly, everything else goes through the
 * `mqtt-packet` codec. With its phases (client-options.ts, client-handshake.ts,
 * client-connection.ts, client-inbound.ts with packet-framer.ts and publish-decoder.ts,
 * client-receipts.ts), the only code on the node side that touches `mqtt-packet`.
 *
 * Ack after commit: each QoS 1 PUBLISH goes to the handler at once; its PUBACK (MQTT 5 §3.4,
 * 3.1.1 §3.4) is written only when the handler's promise resolves, and PUBACKs leave strictly
 * in arrival order (§4.6). A persistent session (MQTT 5 Session Expiry §3.1.2.11.2, 3.1.1
 * CleanSession 0 §3.1.2.4) keeps messages published while the node is away.
 */
import { type Packet } from 'mqtt-packet';
import type { AckOutcome, MessageHandler, MessageSource } from './transport.ts';
import type { BrokerUrl } from './broker-url.ts';
import {
  disconnectPacket,
  flushPackets,
  writePacket,
  type Connection,
  type State,
} from './client-connection.ts';
import { openConnection } from './client-handshake.ts';
import { inboundMessage, pubackPacket } from './client-inbound.ts';
import { checkSourceOptions } from './client-options.ts';
import { receiptPacket } from './client-receipts.ts';
import { InFlight } from './in-flight.ts';
import { describeError, type Logger } from '../logger.ts';
import { mqttLogger } from './logger.ts';
import type { PublishPacket } from './publish-decoder.ts';
import { connackReason } from './reason-codes.ts';
import {
  MQTT_SOURCE_DEFAULTS,
  reconnectDelay,
  type MqttSourceOptions,
  type MqttSourceStats,
} from './source-options.ts';

/**
 * A {@link MessageSource} that subscribes to an external broker with QoS 1 and a persistent
 * session, acknowledges after the handler resolves (in arrival order), publishes receipts at
 * QoS 0 and reconnects with capped exponential back-off after a lost connection.
 */
export class MqttSource implements MessageSource {
  /** The broker URL without credentials. */
  readonly description: string;
  readonly #url: BrokerUrl;
  readonly #opts: MqttSourceOptions;
  readonly #v: 4 | 5;
  readonly #log: Logger;
  readonly #maxInFlight: number;
  #handler: MessageHandler | undefined;
  #state: State = 'new';
  #conn: Connection | undefined;
  /** The first connection or a reconnect attempt in progress (never rejects). */
  #opening: Promise<void> | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #failureStreak = 0;
  readonly #inFlight = new InFlight();
  #stopping: Promise<void> | undefined;
  #n = {
    received: 0,
    acked: 0,
    handlerFailures: 0,
    reconnects: 0,
    reconnectAttempts: 0,
    published: 0,
    droppedPublishes: 0,
  };

  /** Checks the options; throws {@link MqttError} `INVALID_URL`, or RangeError for bad settings. */
  constructor(options: MqttSourceOptions) {
    const checked = checkSourceOptions(options);
    this.#url = checked.url;
    this.#v = checked.protocolVersion;
    this.#opts = options;
    this.#log = options.logger ?? mqttLogger;
    this.#maxInFlight = checked.maxInFlight;
    this.description = this.#url.display;
  }

  /** Counters for metrics. */
  get stats(): MqttSourceStats {
    const c = this.#conn;
    return { ...this.#n, inFlight: this.#inFlight.size, connected: c !== undefined && !c.closed };
  }

  /**
   * Connects, subscribes and starts delivering. Fails fast, without retrying: `INVALID_URL`,
   * `BROKER_UNREACHABLE` (naming the URL and the cause), `CONNECT_REFUSED` (with the CONNACK
   * reason) or `SUBSCRIBE_REFUSED`.
   */
  async start(handler: MessageHandler): Promise<void> {
    if (this.#state !== 'new') throw new Error(`${this.description}: already started`);
    this.#handler = handler;
    this.#state = 'running';
    const opening = this.#open();
    this.#opening = opening.then(
      () => undefined,
      () => undefined,
    );
    let conn: Connection;
    try {
      conn = await opening;
    } catch (e) {
      this.#state = 'stopped';
      throw e;
    } finally {
      this.#opening = undefined;
    }
    this.#adopt(conn);
    this.#log.info(
      `connected to ${this.description} as "${this.#opts.clientId}" (MQTT ${this.#v === 5 ? '5' : '3.1.1'}, ` +
        `session ${conn.sessionPresent ? 'resumed' : 'new'})`,
    );
  }

  /** Publishes at QoS 0; dropped (and counted) while disconnected or when the socket is backed up. */
  publish(topic: string, payload: Uint8Array): void {
    const conn = this.#conn;
    const limit = this.#opts.maxPublishBufferBytes ?? MQTT_SOURCE_DEFAULTS.maxPublishBufferBytes;
    if (conn === undefined || conn.closed || conn.closing || conn.socket.writableLength > limit) {
      this.#n.droppedPublishes++;
      return;
    }
    const bytes = receiptPacket(topic, payload, this.#v);
    if (bytes.length > conn.maxPacketSize) {
      this.#n.droppedPublishes++;
      return;
    }
    writePacket(conn, bytes);
    this.#n.published++;
  }

  /**
   * Stops reading, waits (up to `stopTimeoutMs`) for outstanding handler promises, sends their
   * PUBACKs, then DISCONNECT. Messages not acknowledged stay with the broker's session.
   */
  stop(): Promise<void> {
    if (this.#stopping !== undefined) return this.#stopping;
    this.#stopping = this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    if (this.#state === 'new') {
      this.#state = 'stopped';
      return;
    }
    this.#state = 'stopping';
    clearTimeout(this.#reconnectTimer);
    // A connection attempt in progress finishes (bounded by connectTimeoutMs) and is closed below.
    if (this.#opening !== undefined) await this.#opening;
    const conn = this.#conn;
    if (conn !== undefined) this.#halt(conn);
    const timeout = this.#opts.stopTimeoutMs ?? MQTT_SOURCE_DEFAULTS.stopTimeoutMs;
    if (!(await this.#inFlight.waitIdle(timeout))) {
      this.#log.warn(
        `${this.#inFlight.size} handler promise(s) still pending after ${timeout} ms; ` +
          'their messages stay unacknowledged and the broker will deliver them again',
      );
    }
    if (conn !== undefined) await this.#disconnect(conn);
    this.#state = 'stopped';
  }

  #open(): Promise<Connection> {
    return openConnection(this.#url, this.#opts, this.#v, {
      release: (conn, id, code) => this.#puback(conn, id, code),
      broken: (conn, id) => this.#onBroken(conn, id),
      publish: (conn, p) => this.#onPublish(conn, p),
      packet: (packet) => this.#onPacket(packet),
      closed: (conn, error) => this.#onClosed(conn, error),
      drop: (conn, why) => this.#drop(conn, why),
    });
  }

  #adopt(conn: Connection): void {
    this.#conn = conn;
    this.#attempt = 0;
    if (conn.closed) this.#onClosed(conn, undefined);
  }

  #onPacket(packet: Packet): void {
    switch (packet.cmd) {
      case 'disconnect':
        this.#log.warn(
          `broker ${this.description} sent DISCONNECT: ${connackReason(5, packet.reasonCode ?? 0)}`,
        );
        return;
      default:
        // PINGRESP, and acks for nothing we sent at QoS > 0: nothing to do.
        return;
    }
  }

  #onPublish(conn: Connection, p: PublishPacket): void {
    this.#n.received++;
    if (p.qos === 2) {
      this.#drop(conn, `QoS 2 PUBLISH on "${p.topic}" although only QoS 1 was granted`);
      return;
    }
    const message = inboundMessage(p);
    const slot = p.qos === 1 ? conn.acks.add(p.messageId!) : undefined;
    this.#inFlight.add();
    if (this.#inFlight.size >= this.#maxInFlight && !conn.loadPaused && !conn.halted) {
      conn.loadPaused = true;
      conn.socket.pause();
    }
    let result: Promise<AckOutcome>;
    try {
      result = this.#handler!(message);
    } catch (e) {
      result = Promise.reject(e);
    }
    result.then(
      (outcome) => {
        slot?.succeed((outcome as AckOutcome | undefined)?.reasonCode ?? 0x80);
        this.#settled(conn);
      },
      (e: unknown) => {
        this.#n.handlerFailures++;
        this.#log.error(
          `handler failed for a message on "${p.topic}"` +
            (slot === undefined ? '' : ` (packet ${slot.key}): not acknowledged`),
          e,
        );
        slot?.fail();
        this.#settled(conn);
      },
    );
  }

  #settled(conn: Connection): void {
    this.#inFlight.done();
    // The promise may belong to an earlier connection; whichever is paused may go on.
    this.#maybeResume(conn);
    if (this.#conn !== undefined && this.#conn !== conn) this.#maybeResume(this.#conn);
  }

  #maybeResume(conn: Connection): void {
    if (conn.loadPaused && this.#inFlight.size < this.#maxInFlight) {
      conn.loadPaused = false;
      conn.pingOutstanding = false;
      if (!conn.halted && !conn.closed) conn.socket.resume();
    }
  }

  #puback(conn: Connection, messageId: number, reasonCode: number): void {
    if (conn.closed || conn.closing) return;
    writePacket(conn, pubackPacket(messageId, reasonCode, this.#v));
    this.#n.acked++;
    this.#failureStreak = 0;
  }

  /** A handler failure reached the head of the ack queue: no PUBACK can follow on this connection. */
  #onBroken(conn: Connection, messageId: number): void {
    this.#failureStreak++;
    this.#log.warn(
      `no PUBACK for packet ${messageId} on ${this.description}: reconnecting once outstanding ` +
        'handlers settle, so that the broker delivers it (and what follows) again',
    );
    this.#halt(conn);
    const timeout = this.#opts.stopTimeoutMs ?? MQTT_SOURCE_DEFAULTS.stopTimeoutMs;
    void this.#inFlight.waitIdle(timeout).then(() => {
      if (this.#state === 'running') void this.#disconnect(conn);
    });
  }

  #halt(conn: Connection): void {
    conn.halted = true;
    conn.socket.pause();
  }

  #drop(conn: Connection, why: string): void {
    if (conn.closed) return;
    this.#log.warn(`dropping the connection to ${this.description}: ${why}`);
    conn.socket.destroy();
  }

  async #disconnect(conn: Connection): Promise<void> {
    clearInterval(conn.keepaliveTimer);
    if (conn.closed) return;
    const closed = new Promise<void>((resolve) => conn.socket.once('close', () => resolve()));
    writePacket(conn, disconnectPacket(this.#v));
    flushPackets(conn);
    conn.socket.end();
    // Read again (ignoring it) so that the broker's close is seen.
    conn.closing = true;
    conn.socket.resume();
    const timer = setTimeout(() => conn.socket.destroy(), 2000);
    await closed;
    clearTimeout(timer);
  }

  #onClosed(conn: Connection, error: unknown): void {
    if (conn !== this.#conn) return;
    this.#conn = undefined;
    if (this.#state !== 'running') return;
    if (!conn.halted) {
      this.#log.warn(
        `connection to ${this.description} lost` +
          (error === undefined ? '' : `: ${describeError(error)}`),
      );
    }
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    this.#attempt++;
    const n = Math.max(this.#attempt, this.#failureStreak);
    const delay = reconnectDelay(
      n,
      this.#opts.reconnectMinMs ?? MQTT_SOURCE_DEFAULTS.reconnectMinMs,
      this.#opts.reconnectMaxMs ?? MQTT_SOURCE_DEFAULTS.reconnectMaxMs,
    );
    this.#log.info(`reconnect attempt ${this.#attempt} to ${this.description} in ${delay} ms`);
    this.#reconnectTimer = setTimeout(() => {
      const attempt = this.#reconnect();
      this.#opening = attempt;
      void attempt.finally(() => {
        if (this.#opening === attempt) this.#opening = undefined;
      });
    }, delay);
  }

  async #reconnect(): Promise<void> {
    if (this.#state !== 'running') return;
    this.#n.reconnectAttempts++;
    let conn: Connection;
    try {
      conn = await this.#open();
    } catch (e) {
      this.#log.warn(`reconnect attempt ${this.#attempt} failed: ${describeError(e)}`);
      if (this.#state === 'running') this.#scheduleReconnect();
      return;
    }
    if (this.#state !== 'running') {
      // Stopping: `stop` waits for this attempt and disconnects what it opened.
      this.#conn = conn;
      return;
    }
    this.#n.reconnects++;
    const attempt = this.#attempt;
    this.#adopt(conn);
    if (conn.sessionPresent) {
      this.#log.info(`reconnected to ${this.description} after ${attempt} attempt(s)`);
    } else {
      this.#log.warn(
        `reconnected to ${this.description}, but the broker had no session for ` +
          `"${this.#opts.clientId}": messages published while disconnected were not kept ` +
          '(broker restarted without persistence, or the session expired)',
      );
    }
  }
}
