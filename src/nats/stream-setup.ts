/**
 * The set-up phase of {@link JetStreamSource}: connects to the servers, then makes sure that
 * the stream capturing the readings subjects and the durable pull consumer exist with settings
 * the source can rely on (docs/nats-source.md, "Stream and consumer"). The only file besides
 * `jetstream-source.ts` that touches the NATS client libraries.
 */
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type ConsumerInfo,
  type JetStreamManager,
  type StreamInfo,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { describeError } from '../logger.ts';
import { NatsError } from './errors.ts';
import type { CheckedJetStreamOptions } from './source-options.ts';

/** Nanoseconds, the unit of durations in the JetStream API. */
const nanos = (ms: number): number => ms * 1_000_000;

function apiCode(e: unknown): number | undefined {
  return e instanceof JetStreamApiError ? e.code : undefined;
}

/**
 * Opens the connection; it then reconnects by itself for as long as it lives. Fails with
 * {@link NatsError} `SERVER_UNREACHABLE`, naming the servers and the cause.
 */
export async function connectServers(o: CheckedJetStreamOptions): Promise<NatsConnection> {
  try {
    return await connect({
      servers: [...o.servers],
      timeout: o.connectTimeoutMs,
      reconnect: true,
      maxReconnectAttempts: -1,
      name: 'wattproof-ingest',
    });
  } catch (e) {
    throw new NatsError(
      'SERVER_UNREACHABLE',
      `NATS server ${o.display} unreachable: ${describeError(e instanceof Error && e.cause !== undefined ? e.cause : e)}`,
      { cause: e, evidence: { servers: o.display } },
    );
  }
}

/** The JetStream API of the account; `JETSTREAM_UNAVAILABLE` if the server has it off. */
export async function openManager(
  nc: NatsConnection,
  o: CheckedJetStreamOptions,
): Promise<JetStreamManager> {
  try {
    return await jetstreamManager(nc, { timeout: o.connectTimeoutMs });
  } catch (e) {
    throw new NatsError(
      'JETSTREAM_UNAVAILABLE',
      `NATS server ${o.display} offers no JetStream: ${describeError(e)}`,
      { cause: e, evidence: { servers: o.display } },
    );
  }
}

/**
 * Creates the stream if it does not exist: file storage, work-queue retention (a message
 * leaves the stream once acked, i.e. once the ledger committed it), `o.replicas` copies.
 * An existing stream is used as it is if it has work-queue retention and captures every
 * subject; otherwise `STREAM_SETUP_REFUSED` with what was found.
 */
export async function ensureStream(
  jsm: JetStreamManager,
  name: string,
  o: CheckedJetStreamOptions,
): Promise<StreamInfo> {
  let found: StreamInfo | undefined;
  try {
    found = await jsm.streams.info(name);
  } catch (e) {
    if (apiCode(e) !== JetStreamApiCodes.StreamNotFound) throw streamRefused(name, o, e);
  }
  if (found !== undefined) {
    const c = found.config;
    const missing = o.subjects.filter((s) => !(c.subjects ?? []).includes(s));
    if (c.retention !== RetentionPolicy.Workqueue || missing.length > 0) {
      throw new NatsError(
        'STREAM_SETUP_REFUSED',
        `stream "${name}" on ${o.display} exists with retention "${c.retention}" and subjects ` +
          `[${(c.subjects ?? []).join(', ')}]; this source needs work-queue retention capturing ` +
          `[${o.subjects.join(', ')}]: fix the stream or name another`,
        { evidence: { stream: name, retention: c.retention, subjects: c.subjects, missing } },
      );
    }
    return found;
  }
  try {
    return await jsm.streams.add({
      name,
      subjects: [...o.subjects],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      num_replicas: o.replicas,
      discard: DiscardPolicy.New,
    });
  } catch (e) {
    throw streamRefused(name, o, e);
  }
}

function streamRefused(name: string, o: CheckedJetStreamOptions, e: unknown): NatsError {
  return new NatsError(
    'STREAM_SETUP_REFUSED',
    `NATS server ${o.display} refused stream "${name}" on [${o.subjects.join(', ')}]: ${describeError(e)}`,
    { cause: e, evidence: { stream: name, subjects: o.subjects, apiCode: apiCode(e) } },
  );
}

/**
 * Creates the durable pull consumer if it does not exist: explicit acks, delivery from the
 * first message, `ack_wait`, `max_ack_pending`, `max_waiting` from the options. An existing
 * one is used with its own settings if it is a pull consumer with explicit acks; otherwise
 * `CONSUMER_SETUP_REFUSED`.
 */
export async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
  o: CheckedJetStreamOptions,
): Promise<ConsumerInfo> {
  let found: ConsumerInfo | undefined;
  try {
    found = await jsm.consumers.info(stream, durable);
  } catch (e) {
    if (apiCode(e) !== JetStreamApiCodes.ConsumerNotFound)
      throw consumerRefused(stream, durable, o, e);
  }
  if (found !== undefined) {
    const c = found.config;
    if (c.deliver_subject !== undefined || c.ack_policy !== AckPolicy.Explicit) {
      throw new NatsError(
        'CONSUMER_SETUP_REFUSED',
        `consumer "${durable}" of stream "${stream}" exists as a ` +
          `${c.deliver_subject === undefined ? 'pull' : 'push'} consumer with ack policy ` +
          `"${c.ack_policy}"; this source needs a pull consumer with explicit acks`,
        {
          evidence: {
            stream,
            durable,
            ackPolicy: c.ack_policy,
            push: c.deliver_subject !== undefined,
          },
        },
      );
    }
    return found;
  }
  try {
    return await jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(o.ackWaitMs),
      max_ack_pending: o.maxAckPending,
      max_waiting: o.maxWaiting,
    });
  } catch (e) {
    throw consumerRefused(stream, durable, o, e);
  }
}

function consumerRefused(
  stream: string,
  durable: string,
  o: CheckedJetStreamOptions,
  e: unknown,
): NatsError {
  return new NatsError(
    'CONSUMER_SETUP_REFUSED',
    `NATS server ${o.display} refused consumer "${durable}" of stream "${stream}": ${describeError(e)}`,
    { cause: e, evidence: { stream, durable, apiCode: apiCode(e) } },
  );
}
