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
 *
 * Access (docs/mqtt.md §Access control): closed by default. A client logs in with its signer id
 * and broker credential; anonymous clients and bad credentials get a refusing CONNACK (return
 * code 5 and 4, MQTT 3.1.1 §3.2.2.3). A logged-in client publishes and subscribes only within
 * its grants: a publish elsewhere closes its connection (3.1.1 has no negative PUBACK), a
 * subscription elsewhere gets the SUBACK failure code 0x80 (§3.9.3), and a message it may not
 * read is never delivered. The node's own ingest needs no login: readings reach it through
 * `authorizePublish` and its receipts leave through `aedes.publish`, both in process.
 * With TLS options it listens for MQTT over TLS (MQTTS) instead of plain TCP.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import {
  Aedes,
  type AuthenticateError,
  type Client,
  type PublishPacket,
  type Subscription,
} from 'aedes';
import type { InboundMessage, MessageHandler, MessageSource } from './transport.ts';
import { ArrivalOrder } from './arrival-order.ts';
import { BrokerGate, type BrokerAccess, type BrokerSession } from './broker-gate.ts';
import { InFlight } from './in-flight.ts';
import { MqttError } from './errors.ts';
import { describeError, type Logger } from '../logger.ts';
import { mqttLogger } from './logger.ts';
import { assertTopicFilter, topicMatches } from './topic-filter.ts';

/** The certificate and key of an MQTTS listener, PEM (RFC 7468). */
export interface BrokerTlsOptions {
  /** Certificate chain, leaf first, PEM text. */
  readonly cert: string;
  /** Private key of the leaf certificate, PEM text. */
  readonly key: string;
}

/** Where the embedded broker listens, who may use it, and which topics carry readings. */
export interface EmbeddedBrokerOptions {
  /** Listen address; default `127.0.0.1` (use `0.0.0.0` for meters on the network). */
  readonly host?: string;
  /**
   * Who may connect: the users of a {@link BrokerAccess} (closed), or `'anonymous'`: anyone,
   * for anything (development only; a warning is logged at start).
   */
  readonly access: BrokerAccess | 'anonymous';
  /** Listen for MQTT over TLS with this certificate (MQTTS); plain TCP without. */
  readonly tls?: BrokerTlsOptions;
  /** Listen port; default 1883; 0 picks a free port (see {@link EmbeddedBroker.port}). */
  readonly port?: number;
  /** Topic filters whose publishes are readings (handed to the handler before the PUBACK). */
  readonly readingTopics: readonly string[];
  /** How long `stop` waits for outstanding handler promises; default 30 s. */
  readonly stopTimeoutMs?: number;
  readonly logger?: Logger;
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
  /** CONNECTs refused: anonymous, unknown user, wrong password, or a client id in use by another user. */
  readonly refusedLogins: number;
  /** Publishes outside the client's grants (the client was disconnected). */
  readonly refusedPublishes: number;
  /** Subscriptions outside the client's grants (SUBACK 0x80). */
  readonly refusedSubscriptions: number;
}

/** True for an address only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function authError(returnCode: 2 | 4 | 5, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
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
  readonly #log: Logger;
  readonly #stopTimeoutMs: number;
  readonly #gate: BrokerGate;
  readonly #tls: BrokerTlsOptions | undefined;
  readonly #sessions = new WeakMap<Client, BrokerSession>();
  /** Connected clients by client id, to keep one user from taking over another's id. */
  readonly #byId = new Map<string, Client>();
  readonly #queues = new WeakMap<Client, ArrivalOrder<AuthorizeCallback, null>>();
  readonly #sockets = new Set<Socket>();
  #handler: MessageHandler | undefined;
  #aedes: Aedes | undefined;
  #server: Server | undefined;
  #port: number | undefined;
  #state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  #stopping: Promise<void> | undefined;
  readonly #inFlight = new InFlight();
  #n = {
    received: 0,
    acked: 0,
    handlerFailures: 0,
    published: 0,
    droppedPublishes: 0,
    refusedLogins: 0,
    refusedPublishes: 0,
    refusedSubscriptions: 0,
  };

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
    this.#log = options.logger ?? mqttLogger;
    this.#stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
    this.#gate = new BrokerGate(options.access);
    this.#tls = options.tls;
  }

  /** `embedded broker on host:port` (the actual port once started), `… with TLS` for MQTTS. */
  get description(): string {
    return (
      `embedded broker on ${this.#host}:${this.#port ?? this.#requestedPort}` +
      (this.#tls === undefined ? '' : ' with TLS')
    );
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
      authenticate: (client, username, password, done) => {
        this.#login(client, username, password).then(
          (e) => done(e, e === null),
          (e: unknown) => {
            this.#log.error(`login of "${client.id}" failed`, e);
            done(authError(5, 'not authorized'), false);
          },
        );
      },
      authorizePublish: (client, packet, callback) => this.#authorize(client, packet, callback),
      authorizeSubscribe: (client, sub, callback) => callback(null, this.#subscribe(client, sub)),
      authorizeForward: (client, packet) =>
        this.#gate.canReceive(this.#sessionOf(client), packet.topic) ? packet : null,
    });
    aedes.on('client', (client) => this.#byId.set(client.id, client));
    aedes.on('clientDisconnect', (client) => {
      if (this.#byId.get(client.id) === client) this.#byId.delete(client.id);
    });
    aedes.on('clientError', (client, e) => {
      if (this.#state === 'running') {
        this.#log.warn(`client "${client.id}" of ${this.description}: ${describeError(e)}`);
      }
    });
    const onSocket = (socket: Socket): void => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      aedes.handle(socket);
    };
    let server: Server;
    try {
      server =
        this.#tls === undefined
          ? createServer(onSocket)
          : createTlsServer(
              { cert: this.#tls.cert, key: this.#tls.key, minVersion: 'TLSv1.2' },
              onSocket,
            );
    } catch (e) {
      this.#state = 'stopped';
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      throw new MqttError(
        'INVALID_TLS',
        `cannot start the embedded MQTT broker with TLS: ${describeError(e)} ` +
          '(check --mqtt-tls-cert and --mqtt-tls-key: PEM files of a certificate and its key)',
        { cause: e },
      );
    }
    this.#warnExposure();
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

  /** Says so when the broker is reachable from the network without TLS, or open to anyone. */
  #warnExposure(): void {
    const local = isLoopbackHost(this.#host);
    if (!local && this.#tls === undefined) {
      this.#log.warn(
        `${this.description} listens on a non-loopback address without TLS: credentials and ` +
          'readings cross the network in clear; give it --mqtt-tls-cert and --mqtt-tls-key',
      );
    }
    if (this.#gate.open) {
      this.#log.warn(
        `${this.description} lets anonymous clients in (--mqtt-allow-anonymous): anyone who ` +
          `can reach it${local ? ' from this machine' : ''} may read every reading and publish anywhere`,
      );
    }
  }

  /** The CONNECT check: null to accept, else the refusal (MQTT 3.1.1 §3.2.2.3). */
  async #login(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
  ): Promise<AuthenticateError | null> {
    const result = await this.#gate.login(
      username,
      password === undefined ? undefined : new Uint8Array(password),
    );
    if (!result.ok) {
      this.#n.refusedLogins++;
      return authError(result.returnCode, result.reason);
    }
    const holder = this.#byId.get(client.id);
    const held = holder === undefined || holder === client ? undefined : this.#sessions.get(holder);
    if (
      !this.#gate.open &&
      held?.kind === 'user' &&
      result.session.kind === 'user' &&
      held.username !== result.session.username
    ) {
      // MQTT 3.1.1 §3.1.4 would close the holder's connection: not for another user's login.
      this.#n.refusedLogins++;
      return authError(2, `client id "${client.id}" is in use by another user`);
    }
    this.#sessions.set(client, result.session);
    return null;
  }

  #sessionOf(client: Client | null): BrokerSession {
    return (client === null ? undefined : this.#sessions.get(client)) ?? { kind: 'anonymous' };
  }

  /** The subscription if the client may make it; null for a SUBACK failure (0x80). */
  #subscribe(client: Client, sub: Subscription): Subscription | null {
    if (this.#gate.canSubscribe(this.#sessionOf(client), sub.topic)) return sub;
    this.#n.refusedSubscriptions++;
    return null;
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
    if (client !== null && !this.#gate.canPublish(this.#sessionOf(client), topic)) {
      this.#n.refusedPublishes++;
      callback(new Error(`not authorized to publish to "${topic}"`));
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
