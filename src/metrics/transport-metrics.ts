/**
 * Metrics of the node's transports (Prometheus text format 0.0.4): the MQTT counters of
 * docs/mqtt.md §Counters, read from `MqttSource.stats` or `EmbeddedBroker.stats` at each
 * scrape, and the HTTP API's expensive requests (docs/api.md §Limits).
 */
import type { MetricsRegistry } from './registry.ts';

/** What an MQTT transport counts (the fields both transports share, and each one's own). */
export interface MqttTransportStats {
  readonly received: number;
  readonly acked: number;
  readonly inFlight: number;
  readonly handlerFailures: number;
  readonly published: number;
  readonly droppedPublishes: number;
  /** External broker only. */
  readonly connected?: boolean;
  readonly reconnects?: number;
  readonly reconnectAttempts?: number;
  /** Embedded broker only. */
  readonly clients?: number;
  /** Embedded broker only: CONNECTs, publishes and subscriptions its access control refused. */
  readonly refusedLogins?: number;
  readonly refusedPublishes?: number;
  readonly refusedSubscriptions?: number;
}

/**
 * Registers the MQTT metrics of a transport whose counters `stats` returns: counters
 * `mqtt_received_total`, `mqtt_acked_total`, `mqtt_handler_failures_total`,
 * `mqtt_published_total`, `mqtt_dropped_publishes_total`, gauge `mqtt_in_flight`; for an
 * external broker also `mqtt_connected` (1 or 0), `mqtt_reconnects_total` and
 * `mqtt_reconnect_attempts_total`; for the embedded broker `mqtt_clients` and, with access
 * control, `mqtt_refused_logins_total`, `mqtt_refused_publishes_total` and
 * `mqtt_refused_subscriptions_total`.
 */
export function registerMqttMetrics(
  metrics: MetricsRegistry,
  stats: () => MqttTransportStats,
): void {
  const counters: [string, string, (s: MqttTransportStats) => number][] = [
    [
      'mqtt_received_total',
      'PUBLISH packets on readings topics received, redeliveries included.',
      (s) => s.received,
    ],
    [
      'mqtt_acked_total',
      'Readings acknowledged (PUBACK sent or released) after commit.',
      (s) => s.acked,
    ],
    [
      'mqtt_handler_failures_total',
      'Messages whose handling failed (not acknowledged).',
      (s) => s.handlerFailures,
    ],
    ['mqtt_published_total', 'Receipts published (QoS 0).', (s) => s.published],
    [
      'mqtt_dropped_publishes_total',
      'Receipts dropped (disconnected, or too much waiting).',
      (s) => s.droppedPublishes,
    ],
  ];
  for (const [name, help, read] of counters) {
    metrics.counter(name, help, [], (c) => c.total(read(stats())));
  }
  metrics.gauge('mqtt_in_flight', 'Messages handed over and not yet settled.', [], (g) =>
    g.set(stats().inFlight),
  );
  const first = stats();
  if (first.connected !== undefined) {
    metrics.gauge(
      'mqtt_connected',
      '1 while connected and subscribed to the broker, else 0.',
      [],
      (g) => g.set(stats().connected === true ? 1 : 0),
    );
    metrics.counter(
      'mqtt_reconnects_total',
      'Successful reconnections after a lost connection.',
      [],
      (c) => c.total(stats().reconnects ?? 0),
    );
    metrics.counter(
      'mqtt_reconnect_attempts_total',
      'Reconnection attempts, successful or not.',
      [],
      (c) => c.total(stats().reconnectAttempts ?? 0),
    );
  }
  if (first.clients !== undefined) {
    metrics.gauge('mqtt_clients', 'Clients connected to the embedded broker.', [], (g) =>
      g.set(stats().clients ?? 0),
    );
  }
  const refusals: [string, string, (s: MqttTransportStats) => number | undefined][] = [
    ['mqtt_refused_logins_total', 'CONNECTs the embedded broker refused.', (s) => s.refusedLogins],
    [
      'mqtt_refused_publishes_total',
      'Publishes the embedded broker refused.',
      (s) => s.refusedPublishes,
    ],
    [
      'mqtt_refused_subscriptions_total',
      'Subscriptions the embedded broker refused.',
      (s) => s.refusedSubscriptions,
    ],
  ];
  for (const [name, help, read] of refusals) {
    if (read(first) !== undefined)
      metrics.counter(name, help, [], (c) => c.total(read(stats()) ?? 0));
  }
}

/** What the ingest service counts of its receipts and refusal notices (`IngestStats`). */
export interface ReceiptStats {
  readonly receiptErrors: number;
  readonly noticesPublished: number;
  readonly noticesSkipped: number;
  readonly noticeErrors: number;
}

/**
 * Registers counters of receipts that failed and of refusal notices (docs/mqtt.md §Counters):
 * `ingest_receipt_errors_total`, `ingest_notices_published_total`,
 * `ingest_notices_skipped_total`, `ingest_notice_errors_total`.
 */
export function registerReceiptMetrics(metrics: MetricsRegistry, stats: () => ReceiptStats): void {
  const counters: [string, string, (s: ReceiptStats) => number][] = [
    [
      'ingest_receipt_errors_total',
      'Receipts that could not be made or published.',
      (s) => s.receiptErrors,
    ],
    [
      'ingest_notices_published_total',
      'Refusal notices published to meters.',
      (s) => s.noticesPublished,
    ],
    [
      'ingest_notices_skipped_total',
      'Refusal notices not made because they fell behind ingest.',
      (s) => s.noticesSkipped,
    ],
    [
      'ingest_notice_errors_total',
      'Refusal notices that could not be made or published.',
      (s) => s.noticeErrors,
    ],
  ];
  for (const [name, help, read] of counters) {
    metrics.counter(name, help, [], (c) => c.total(read(stats())));
  }
}

/** What an HTTP in-flight limiter reports (`api/in-flight.ts`). */
export interface InFlightSource {
  readonly active: number;
  readonly stats: { readonly served: number; readonly refused: number; readonly abandoned: number };
}

/**
 * Registers the HTTP metrics of the expensive routes, per `kind` (`bundle`, `readings`):
 * gauge `http_in_flight`, counters `http_served_total`, `http_refused_busy_total` (no slot:
 * 429 or 503) and `http_abandoned_total` (the client went away before the answer was complete).
 */
export function registerHttpMetrics(
  metrics: MetricsRegistry,
  sources: Readonly<Record<string, InFlightSource>>,
): void {
  const kinds = Object.entries(sources);
  metrics.gauge('http_in_flight', 'Expensive requests being served, per kind.', ['kind'], (g) => {
    for (const [kind, s] of kinds) g.set({ kind }, s.active);
  });
  const counters: [string, string, (s: InFlightSource['stats']) => number][] = [
    ['http_served_total', 'Expensive requests let in, per kind.', (s) => s.served],
    [
      'http_refused_busy_total',
      'Expensive requests refused for want of a slot (429, 503), per kind.',
      (s) => s.refused,
    ],
    [
      'http_abandoned_total',
      'Expensive requests whose client went away before the answer was complete, per kind.',
      (s) => s.abandoned,
    ],
  ];
  for (const [name, help, read] of counters) {
    metrics.counter(name, help, ['kind'], (c) => {
      for (const [kind, s] of kinds) c.total({ kind }, read(s.stats));
    });
  }
}
