/**
 * Settings and counters of {@link JetStreamSource} (`jetstream-source.ts`), and the options
 * check made before any connection.
 */
import type { Logger } from '../logger.ts';
import { assertTopicFilter } from '../mqtt/index.ts';
import { NatsError } from './errors.ts';
import { filterToSubject } from './subject-mapping.ts';

/** How {@link JetStreamSource} connects, what it captures and how it pulls. */
export interface JetStreamSourceOptions {
  /** `nats://host[:port]` or `tls://host[:port]` (default port 4222), one or several of a cluster. */
  readonly servers: string | readonly string[];
  /** The stream that captures the readings subjects, e.g. `WATTPROOF_READINGS`. */
  readonly stream: string;
  /**
   * The MQTT readings topic filters, e.g. `readingSubscriptions(undefined, root)` of the
   * ingest: `<root>/meters/+/readings`, `<root>/platforms/+/readings`. The stream captures
   * their subjects (`subject-mapping.ts`). No `$share/` prefixes.
   */
  readonly topicFilters: readonly string[];
  /** Durable consumer name; every ingest process of one ledger uses the same one. */
  readonly durable: string;
  /** Stream replicas when the source creates the stream; default 1 (a single server), 3 for a cluster. */
  readonly replicas?: number;
  /** Messages asked for in one pull request; default 256. */
  readonly batchSize?: number;
  /** The consumer's `max_waiting` (pull requests the server holds at once); default 512. */
  readonly maxWaiting?: number;
  /** The consumer's `max_ack_pending`, across all processes sharing it; default 4096. */
  readonly maxAckPending?: number;
  /** Local cap on handler promises outstanding: pulling pauses at it; default 1024. */
  readonly maxInFlight?: number;
  /** The consumer's `ack_wait`: an unacked message is delivered again after it; default 30 s. */
  readonly ackWaitMs?: number;
  /** After a handler rejects, the message is delivered again after this delay (a NAK); default 1 s. */
  readonly redeliveryDelayMs?: number;
  /** How long one pull request waits for messages (at least 1000 ms); default 5 s. */
  readonly pullExpiresMs?: number;
  /** Give up the first connection after this long; default 10 s. */
  readonly connectTimeoutMs?: number;
  /** How long `stop` waits for handler promises; default 30 s. */
  readonly stopTimeoutMs?: number;
  readonly logger?: Logger;
}

/** Counters of a {@link JetStreamSource}, for metrics. */
export interface JetStreamSourceStats {
  /** True while the connection to a server is up. */
  readonly connected: boolean;
  /** Messages handed to the handler (redeliveries included). */
  readonly received: number;
  /** Of those, messages the server marked as delivered before (redeliveries). */
  readonly redelivered: number;
  /** Acks sent (after the handler resolved). */
  readonly acked: number;
  /** Handler promises not yet settled. */
  readonly inFlight: number;
  /** Handler promises that rejected (their messages were not acked but NAKed). */
  readonly handlerFailures: number;
  /** Core NATS publishes of receipts. */
  readonly published: number;
  /** Receipts dropped (disconnected, or a topic with no subject). */
  readonly droppedPublishes: number;
}

/** The defaults of {@link JetStreamSourceOptions}. */
export const JETSTREAM_SOURCE_DEFAULTS = {
  replicas: 1,
  batchSize: 256,
  maxWaiting: 512,
  maxAckPending: 4096,
  maxInFlight: 1024,
  ackWaitMs: 30_000,
  redeliveryDelayMs: 1000,
  pullExpiresMs: 5000,
  connectTimeoutMs: 10_000,
  stopTimeoutMs: 30_000,
} as const;

/** The settings {@link JetStreamSource} derives from its options, defaults applied. */
export interface CheckedJetStreamOptions {
  /** The server URLs as given (credentials included), for the client. */
  readonly servers: readonly string[];
  /** The server URLs without credentials, for logs and errors. */
  readonly display: string;
  /** The stream's subjects, in the order of `topicFilters`. */
  readonly subjects: readonly string[];
  readonly replicas: number;
  readonly batchSize: number;
  readonly maxWaiting: number;
  readonly maxAckPending: number;
  readonly maxInFlight: number;
  readonly ackWaitMs: number;
  readonly redeliveryDelayMs: number;
  readonly pullExpiresMs: number;
  readonly connectTimeoutMs: number;
  readonly stopTimeoutMs: number;
}

/** A server URL without credentials; throws {@link NatsError} `INVALID_URL`. */
function displayUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch (e) {
    throw new NatsError('INVALID_URL', `not a NATS server URL: "${text}"`, {
      cause: e,
      evidence: { url: text },
    });
  }
  const ok = (u.protocol === 'nats:' || u.protocol === 'tls:') && u.hostname !== '';
  const bare = `${u.protocol}//${u.host}`;
  if (!ok || (u.pathname !== '' && u.pathname !== '/') || u.search !== '' || u.hash !== '') {
    throw new NatsError(
      'INVALID_URL',
      `NATS server URL must be nats://host[:port] or tls://host[:port]: "${bare}"`,
      {
        evidence: { url: bare },
      },
    );
  }
  return bare;
}

function positiveInt(name: string, v: number, min = 1): number {
  if (!Number.isSafeInteger(v) || v < min)
    throw new RangeError(`${name} must be an integer ≥ ${min}`);
  return v;
}

/** NATS stream and consumer names: no white space, `.`, `*`, `>`, path separators. */
function checkName(what: string, name: string): void {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    throw new RangeError(`${what} must be 1-64 characters of [A-Za-z0-9_-]: ${String(name)}`);
  }
}

/**
 * Checks the options; throws {@link NatsError} `INVALID_URL`, or RangeError for bad settings
 * (names, filters, numbers).
 */
export function checkJetStreamOptions(o: JetStreamSourceOptions): CheckedJetStreamOptions {
  const servers = typeof o.servers === 'string' ? [o.servers] : [...o.servers];
  if (servers.length === 0) throw new RangeError('no NATS server URL');
  const display = servers.map(displayUrl).join(',');
  checkName('stream name', o.stream);
  checkName('durable consumer name', o.durable);
  if (o.topicFilters.length === 0) throw new RangeError('no topic filters');
  const subjects = o.topicFilters.map((f) => {
    assertTopicFilter(f);
    return filterToSubject(f);
  });
  const d = JETSTREAM_SOURCE_DEFAULTS;
  return {
    servers,
    display,
    subjects,
    replicas: positiveInt('replicas', o.replicas ?? d.replicas),
    batchSize: positiveInt('batchSize', o.batchSize ?? d.batchSize),
    maxWaiting: positiveInt('maxWaiting', o.maxWaiting ?? d.maxWaiting),
    maxAckPending: positiveInt('maxAckPending', o.maxAckPending ?? d.maxAckPending),
    maxInFlight: positiveInt('maxInFlight', o.maxInFlight ?? d.maxInFlight),
    ackWaitMs: positiveInt('ackWaitMs', o.ackWaitMs ?? d.ackWaitMs, 1000),
    redeliveryDelayMs: positiveInt(
      'redeliveryDelayMs',
      o.redeliveryDelayMs ?? d.redeliveryDelayMs,
      0,
    ),
    pullExpiresMs: positiveInt('pullExpiresMs', o.pullExpiresMs ?? d.pullExpiresMs, 1000),
    connectTimeoutMs: positiveInt('connectTimeoutMs', o.connectTimeoutMs ?? d.connectTimeoutMs),
    stopTimeoutMs: positiveInt('stopTimeoutMs', o.stopTimeoutMs ?? d.stopTimeoutMs, 0),
  };
}
