/**
 * The node's client of a NATS JetStream cluster whose MQTT listener the meters publish to
 * (docs/nats-source.md). Meters keep speaking MQTT 3.1.1 at QoS 1; the NATS MQTT layer turns
 * each PUBLISH into a message on the mapped subject (`subject-mapping.ts`), a work-queue stream
 * captures it, and this source pulls it from a durable consumer shared by every ingest process.
 *
 * Ack after commit: each pulled message goes to the handler at once; its JetStream ack is sent
 * only when the handler's promise resolves (in any order: acks are per message). A rejecting
 * handler's message is NAKed and delivered again, so is one whose ack never came within
 * `ack_wait`: redeliveries are the ingest's duplicates, never new entries. Pulling pauses while
 * `maxInFlight` handler promises are outstanding.
 */
import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { describeError, type Logger } from '../logger.ts';
import type { MessageHandler, MessageSource } from '../mqtt/index.ts';
import { natsLogger } from './logger.ts';
import { PendingMessages } from './pending-messages.ts';
import {
  checkJetStreamOptions,
  type CheckedJetStreamOptions,
  type JetStreamSourceOptions,
  type JetStreamSourceStats,
} from './source-options.ts';
import { connectServers, ensureConsumer, ensureStream, openManager } from './stream-setup.ts';
import { subjectToTopic, topicToSubject } from './subject-mapping.ts';

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A {@link MessageSource} over a JetStream durable pull consumer with explicit acks; receipts go
 * out as plain NATS publishes, which the server's MQTT listener delivers to MQTT subscribers
 * at QoS 0.
 */
export class JetStreamSource implements MessageSource {
  /** The server URLs without credentials, the stream and the consumer. */
  readonly description: string;
  readonly #o: CheckedJetStreamOptions;
  readonly #stream: string;
  readonly #durable: string;
  readonly #log: Logger;
  #state: State = 'new';
  #handler: MessageHandler | undefined;
  #nc: NatsConnection | undefined;
  #connected = false;
  #batch: ConsumerMessages | undefined;
  #loop: Promise<void> | undefined;
  readonly #pending = new PendingMessages();
  #keepAlive: NodeJS.Timeout | undefined;
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #n = {
    received: 0,
    redelivered: 0,
    acked: 0,
    handlerFailures: 0,
    published: 0,
    droppedPublishes: 0,
  };

  /** Checks the options; throws {@link NatsError} `INVALID_URL`, or RangeError for bad settings. */
  constructor(options: JetStreamSourceOptions) {
    this.#o = checkJetStreamOptions(options);
    this.#stream = options.stream;
    this.#durable = options.durable;
    this.#log = options.logger ?? natsLogger;
    this.description = `nats ${this.#o.display} stream ${this.#stream} consumer ${this.#durable}`;
  }

  /** Counters for metrics. */
  get stats(): JetStreamSourceStats {
    return { ...this.#n, inFlight: this.#pending.size, connected: this.#isUp() };
  }

  /**
   * Connects, makes sure the stream and the durable consumer exist, and starts pulling. Fails
   * fast with {@link NatsError} `SERVER_UNREACHABLE`, `JETSTREAM_UNAVAILABLE`,
   * `STREAM_SETUP_REFUSED` or `CONSUMER_SETUP_REFUSED`; the connection is closed then.
   */
  start(handler: MessageHandler): Promise<void> {
    if (this.#state !== 'new') {
      return Promise.reject(new Error(`${this.description}: already started`));
    }
    this.#state = 'starting';
    this.#handler = handler;
    this.#starting = this.#begin();
    return this.#starting;
  }

  async #begin(): Promise<void> {
    let consumer: Consumer;
    try {
      const nc = await connectServers(this.#o);
      this.#nc = nc;
      this.#connected = true;
      void this.#watchStatus(nc);
      const jsm = await openManager(nc, this.#o);
      await ensureStream(jsm, this.#stream, this.#o);
      await ensureConsumer(jsm, this.#stream, this.#durable, this.#o);
      consumer = await jetstream(nc).consumers.get(this.#stream, this.#durable);
    } catch (e) {
      this.#state = 'stopped';
      await this.#nc?.close().catch(() => undefined);
      throw e;
    }
    if (this.#state !== 'starting') return; // stop() came meanwhile: it closes the connection
    this.#state = 'running';
    this.#keepAlive = setInterval(() => this.#touchPending(), Math.max(500, this.#o.ackWaitMs / 2));
    this.#loop = this.#pull(consumer);
    this.#log.info(`pulling from ${this.description} (subjects ${this.#o.subjects.join(', ')})`);
  }

  /**
   * Publishes a receipt on the subject of `topic` (core NATS, no ack: MQTT subscribers get it at
   * QoS 0). Dropped, and counted, while disconnected or for a topic that has no subject.
   */
  publish(topic: string, payload: Uint8Array): void {
    const nc = this.#nc;
    if (nc === undefined || !this.#isUp()) {
      this.#n.droppedPublishes++;
      return;
    }
    try {
      nc.publish(topicToSubject(topic), payload);
      this.#n.published++;
    } catch {
      this.#n.droppedPublishes++;
    }
  }

  /**
   * Stops pulling, waits (up to `stopTimeoutMs`) for outstanding handler promises and acks
   * theirs, then drains and closes the connection. Messages not acked are delivered again after
   * `ack_wait`, to whichever process pulls from the consumer next.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const was = this.#state;
    this.#state = 'stopping';
    if (was === 'new') {
      this.#state = 'stopped';
      return;
    }
    // A start in progress finishes first (bounded by connectTimeoutMs) and pulls nothing.
    await this.#starting?.catch(() => undefined);
    this.#batch?.stop();
    this.#pending.wake();
    await this.#loop;
    clearInterval(this.#keepAlive);
    if (!(await this.#pending.waitIdle(this.#o.stopTimeoutMs))) {
      this.#log.warn(
        `${this.#pending.size} handler promise(s) still pending after ${this.#o.stopTimeoutMs} ms; ` +
          'their messages stay unacked and JetStream will deliver them again after ack_wait',
      );
    }
    const nc = this.#nc;
    if (nc !== undefined && !nc.isClosed()) {
      await nc.drain().catch((e: unknown) => this.#log.warn(`drain failed: ${describeError(e)}`));
    }
    this.#connected = false;
    this.#state = 'stopped';
  }

  /** Pull requests, one at a time, each for at most the room left under `maxInFlight`. */
  async #pull(consumer: Consumer): Promise<void> {
    let failures = 0;
    while (this.#state === 'running') {
      const room = this.#o.maxInFlight - this.#pending.size;
      if (room <= 0) {
        await this.#pending.nextSettle();
        continue;
      }
      try {
        const batch = await consumer.fetch({
          max_messages: Math.min(this.#o.batchSize, room),
          expires: this.#o.pullExpiresMs,
        });
        this.#batch = batch;
        if (this.#state !== 'running') batch.stop();
        for await (const m of batch) this.#deliver(m);
        failures = 0;
      } catch (e) {
        if (this.#state !== 'running') break;
        failures++;
        const delay = Math.min(5000, 250 * 2 ** Math.min(failures - 1, 5));
        this.#log.warn(
          `pull from ${this.description} failed, again in ${delay} ms: ${describeError(e)}`,
        );
        await sleep(delay);
      } finally {
        this.#batch = undefined;
      }
    }
  }

  #deliver(m: JsMsg): void {
    if (this.#state !== 'running') {
      // Pulled while stopping: hand it back at once rather than after ack_wait.
      this.#send(() => m.nak());
      return;
    }
    this.#n.received++;
    if (m.redelivered) this.#n.redelivered++;
    this.#pending.add(m);
    const message = {
      topic: subjectToTopic(m.subject),
      payload: new Uint8Array(m.data),
      receivedAt: Date.now(),
    };
    let result: Promise<unknown>;
    try {
      result = this.#handler!(message);
    } catch (e) {
      result = Promise.reject(e);
    }
    result.then(
      () => {
        if (this.#send(() => m.ack())) this.#n.acked++;
        this.#pending.settle(m);
      },
      (e: unknown) => {
        this.#n.handlerFailures++;
        this.#log.error(
          `handler failed for a message on "${message.topic}" (stream seq ${m.seq}): not acked, ` +
            `delivered again in ${this.#o.redeliveryDelayMs} ms`,
          e,
        );
        this.#send(() => m.nak(this.#o.redeliveryDelayMs));
        this.#pending.settle(m);
      },
    );
  }

  /** Sends an ack or NAK; false if the connection is gone (the message is then redelivered). */
  #send(write: () => void): boolean {
    if (this.#nc === undefined || this.#nc.isClosed()) return false;
    try {
      write();
      return true;
    } catch (e) {
      this.#log.warn(`could not send an ack: ${describeError(e)}`);
      return false;
    }
  }

  /** Tells the server that slow handlers are still working, so ack_wait does not expire under them. */
  #touchPending(): void {
    this.#pending.forEach((m) => this.#send(() => m.working()));
  }

  #isUp(): boolean {
    const nc = this.#nc;
    return nc !== undefined && this.#connected && !nc.isClosed() && !nc.isDraining();
  }

  async #watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') {
        this.#connected = false;
        if (this.#state === 'running') this.#log.warn(`disconnected from ${s.server}`);
      } else if (s.type === 'reconnect') {
        this.#connected = true;
        this.#log.info(`reconnected to ${s.server}`);
      }
    }
  }
}
