/**
 * The embedded in-process MQTT 3.1.1 broker (aedes) that `npm start` runs by default. The only
 * file that touches `aedes`.
 *
 * Ack after commit: the broker keeps its state in memory, so a crash loses whatever it had
 * acknowledged and not yet handed on. A reading must therefore be committed before the
 * device's own PUBACK (MQTT 3.1.1 §3.4) leaves: readings are passed to the handler from aedes's
 * `authorizePublish` hook, whose callback (and so aedes's PUBACK) waits for the handler.
 *
 * Concurrency: aedes parses each socket read into packets and handles all packets of one read
 * concurrently, but reads the next chunk from that client only once every packet of the
 * current one is done. One device's publishes are thus handled in bursts of whatever arrived in
 * one read, never more; throughput comes from many connections, and a platform should put many
 * readings in one message.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes, type Client, type PublishPacket } from 'aedes';
import type { InboundMessage, MessageHandler, MessageSource } from '../ingest/types.ts';
import { ArrivalOrder } from './arrival-order.ts';
import { InFlight } from './in-flight.ts';
import { MqttError } from './errors.ts';
import { consoleLogger, describeError, type TransportLogger } from './logger.ts';
import { assertTopicFilter, topicMatches } from './topic-filter.ts';

/** Where the embedded broker listens and which topics carry readings. */
export interface EmbeddedBrokerOptions {
  /** Listen address; default `127.0.0.1` (use `0.0.0.0` for meters on the network). */
  readonly host?: string;
  /** Listen port; default 1883; 0 picks a free port (see {@link EmbeddedBroker.port}). */
  readonly port?: number;
  /** Topic filters whose publishes are readings (handed to the handler before the PUBACK). */
  readonly readingTopics: readonly string[];
  /** How long `stop` waits for outstanding handler promises; default 30 s. */
  readonly stopTimeoutMs?: number;
  readonly logger?: TransportLogger;
}

/** Counters of an {@link EmbeddedBroker}, for metrics. */
export interface EmbeddedBrokerStats {
  /** Connected MQTT clients. */
  readonly clients: number;
  /** Publishes on readings topics handed to the handler. */
  readonly received: number;
  /** Readings released for acknowledgement (QoS 1 and 2) after the handler resolved. */
  readonly acked: number;
  /** Handler promises not yet settled. */
  readonly inFlight: number;
  /** Handler promises that rejected (the publish was refused and the client disconnected). */
  readonly handlerFailures: number;
  /** QoS 0 publishes made through {@link EmbeddedBroker.publish}. */
  readonly published: number;
  /** Publishes dropped because the broker was not running or aedes refused them. */
  readonly droppedPublishes: number;
}

type AuthorizeCallback = (error?: Error | null) => void;

/**
 * A {@link MessageSource} that is itself the broker: devices connect to it (MQTT 3.1.1; aedes
 * does not speak MQTT 5) and get their PUBACK only once the handler has committed the reading.
 */
export class EmbeddedBroker implements MessageSource {
  readonly #host: string;
  readonly #requestedPort: number;
  readonly #readingTopics: readonly string[];
  readonly #log: TransportLogger;
  readonly #stopTimeoutMs: number;
  readonly #queues = new WeakMap<Client, ArrivalOrder<AuthorizeCallback, null>>();
  readonly #sockets = new Set<Socket>();
  #handler: MessageHandler | undefined;
  #aedes: Aedes | undefined;
  #server: Server | undefined;
  #port: number | undefined;
  #state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  #stopping: Promise<void> | undefined;
  readonly #inFlight = new InFlight();
  #n = { received: 0, acked: 0, handlerFailures: 0, published: 0, droppedPublishes: 0 };

  /** Checks the options (RangeError for a bad port or topic filter). */
  constructor(options: EmbeddedBrokerOptions) {
    const port = options.port ?? 1883;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new RangeError(`port must be 0..65535, got ${port}`);
    }
    if (options.readingTopics.length === 0) throw new RangeError('no reading topics');
    options.readingTopics.forEach(assertTopicFilter);
    this.#host = options.host ?? '127.0.0.1';
    this.#requestedPort = port;
    this.#readingTopics = options.readingTopics;
    this.#log = options.logger ?? consoleLogger;
    this.#stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
  }

  /** `embedded broker on host:port` (the actual port once started). */
  get description(): string {
    return `embedded broker on ${this.#host}:${this.#port ?? this.#requestedPort}`;
  }

  /** The port it listens on (the one picked when started with port 0). */
  get port(): number {
    return this.#port ?? this.#requestedPort;
  }

  /** Counters for metrics. */
  get stats(): EmbeddedBrokerStats {
    return {
      ...this.#n,
      inFlight: this.#inFlight.size,
      clients: this.#aedes?.connectedClients ?? 0,
    };
  }

  /**
   * Starts the broker and listens. Throws {@link MqttError} `PORT_IN_USE` (naming the port and
   * the `--mqtt-port` flag) or `LISTEN_FAILED`.
   */
  async start(handler: MessageHandler): Promise<void> {
    if (this.#state !== 'new') throw new Error(`${this.description}: already started`);
    this.#handler = handler;
    this.#state = 'running';
    const aedes = await Aedes.createBroker({
      authorizePublish: (client, packet, callback) => this.#authorize(client, packet, callback),
    });
    aedes.on('clientError', (client, e) => {
      if (this.#state === 'running') {
        this.#log.warn(`client "${client.id}" of ${this.description}: ${describeError(e)}`);
      }
    });
    const server = createServer((socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      aedes.handle(socket);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.#requestedPort, this.#host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      this.#state = 'stopped';
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      throw this.#listenError(e);
    }
    this.#aedes = aedes;
    this.#server = server;
    this.#port = (server.address() as AddressInfo).port;
    this.#log.info(`${this.description} started (MQTT 3.1.1)`);
  }

  /** Publishes at QoS 0 to the broker's subscribers; dropped (counted) unless running. */
  publish(topic: string, payload: Uint8Array): void {
    const aedes = this.#aedes;
    if (aedes === undefined || this.#state === 'stopped') {
      this.#n.droppedPublishes++;
      return;
    }
    const packet: PublishPacket = {
      cmd: 'publish',
      topic,
      payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
      qos: 0,
      dup: false,
      retain: false,
    };
    this.#n.published++;
    aedes.publish(packet, (e) => {
      if (e) this.#n.droppedPublishes++;
    });
  }

  /**
   * Stops accepting connections and readings, waits (up to `stopTimeoutMs`) for outstanding
   * handler promises so that their PUBACKs go out, then closes every client and the listener.
   */
  stop(): Promise<void> {
    if (this.#stopping !== undefined) return this.#stopping;
    this.#stopping = this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    if (this.#state !== 'running') {
      this.#state = 'stopped';
      return;
    }
    this.#state = 'stopping';
    const server = this.#server!;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    if (!(await this.#inFlight.waitIdle(this.#stopTimeoutMs))) {
      this.#log.warn(
        `${this.#inFlight.size} handler promise(s) still pending after ${this.#stopTimeoutMs} ms; ` +
          'their publishers get no PUBACK and will send again',
      );
    }
    // Let the PUBACK writes of the last callbacks reach the sockets.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => this.#aedes!.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
    this.#state = 'stopped';
  }

  #isReading(topic: string): boolean {
    return this.#readingTopics.some((filter) => topicMatches(filter, topic));
  }

  #authorize(client: Client | null, packet: PublishPacket, callback: AuthorizeCallback): void {
    const topic = packet.topic;
    if (topic.startsWith('$SYS')) {
      callback(new Error('$SYS topics are reserved'));
      return;
    }
    if (!this.#isReading(topic)) {
      callback(null);
      return;
    }
    if (this.#state !== 'running') {
      callback(new Error('the node is stopping'));
      return;
    }
    this.#n.received++;
    const raw = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const message: InboundMessage = {
      topic,
      payload: new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength),
      receivedAt: Date.now(),
    };
    // QoS 1 and 2 answers (PUBACK, PUBREC) must leave in arrival order (MQTT 3.1.1 §4.6).
    const slot =
      client !== null && packet.qos > 0 ? this.#queueOf(client).add(callback) : undefined;
    this.#inFlight.add();
    let result: Promise<unknown>;
    try {
      result = this.#handler!(message);
    } catch (e) {
      result = Promise.reject(e);
    }
    result.then(
      () => {
        if (slot === undefined) callback(null);
        else slot.succeed(null);
        this.#inFlight.done();
      },
      (e: unknown) => {
        this.#n.handlerFailures++;
        this.#log.error(
          `handler failed for a publish on "${topic}"` +
            (client === null ? '' : ` from "${client.id}"`) +
            (slot === undefined ? '' : ': not acknowledged, disconnecting the client'),
          e,
        );
        if (slot === undefined) callback(null);
        else slot.fail();
        this.#inFlight.done();
      },
    );
  }

  #queueOf(client: Client): ArrivalOrder<AuthorizeCallback, null> {
    let queue = this.#queues.get(client);
    if (queue === undefined) {
      const refuse = (cb: AuthorizeCallback): void =>
        cb(new Error('an earlier publish was not committed'));
      queue = new ArrivalOrder<AuthorizeCallback, null>({
        release: (cb) => {
          this.#n.acked++;
          cb(null);
        },
        // aedes closes the connection on an authorizePublish error: no PUBACK; the device resends.
        broken: (cb) => cb(new Error('the reading was not committed')),
        drop: refuse,
      });
      this.#queues.set(client, queue);
    }
    return queue;
  }

  #listenError(e: unknown): MqttError {
    const code = (e as { code?: unknown } | null)?.code;
    const where = `${this.#host}:${this.#requestedPort}`;
    if (code === 'EADDRINUSE') {
      return new MqttError(
        'PORT_IN_USE',
        `cannot start the embedded MQTT broker: port ${this.#requestedPort} on ${this.#host} is ` +
          `already in use (another MQTT broker?). Choose another port with --mqtt-port <port>, ` +
          `or use that broker with --mqtt-url mqtt://${this.#host}:${this.#requestedPort}`,
        { cause: e, evidence: { host: this.#host, port: this.#requestedPort } },
      );
    }
    return new MqttError(
      'LISTEN_FAILED',
      `cannot start the embedded MQTT broker on ${where}: ${describeError(e)} ` +
        '(check --mqtt-host and --mqtt-port)',
      { cause: e, evidence: { host: this.#host, port: this.#requestedPort } },
    );
  }
}
