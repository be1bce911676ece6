/**
 * The MQTT counters of docs/mqtt.md §Counters and the HTTP in-flight metrics, as `/metrics`
 * renders them from the transports' running totals.
 */
import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/metrics/registry.ts';
import {
  registerHttpMetrics,
  registerMqttMetrics,
  registerReceiptMetrics,
  type MqttTransportStats,
} from '../../src/metrics/transport-metrics.ts';

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('when an MQTT transport reports its counters', () => {
  it('renders the external client’s counters and gauges from its stats at each scrape', () => {
    const m = new MetricsRegistry();
    let stats: MqttTransportStats = {
      received: 5,
      acked: 4,
      inFlight: 1,
      handlerFailures: 0,
      published: 3,
      droppedPublishes: 1,
      connected: true,
      reconnects: 0,
      reconnectAttempts: 2,
    };
    registerMqttMetrics(m, () => stats);
    let text = m.render();
    expect(text).toContain('# TYPE mqtt_received_total counter');
    expect(sample(text, 'mqtt_received_total')).toBe(5);
    expect(sample(text, 'mqtt_acked_total')).toBe(4);
    expect(sample(text, 'mqtt_dropped_publishes_total')).toBe(1);
    expect(sample(text, 'mqtt_in_flight')).toBe(1);
    expect(sample(text, 'mqtt_connected')).toBe(1);
    expect(sample(text, 'mqtt_reconnect_attempts_total')).toBe(2);
    expect(sample(text, 'mqtt_clients')).toBeUndefined();
    stats = { ...stats, received: 9, connected: false, reconnects: 1 };
    text = m.render();
    expect(sample(text, 'mqtt_received_total')).toBe(9);
    expect(sample(text, 'mqtt_connected')).toBe(0);
    expect(sample(text, 'mqtt_reconnects_total')).toBe(1);
  });

  it('renders the embedded broker’s clients, and refuses a counter that goes down', () => {
    const m = new MetricsRegistry();
    let received = 7;
    registerMqttMetrics(m, () => ({
      received,
      acked: 7,
      inFlight: 0,
      handlerFailures: 0,
      published: 0,
      droppedPublishes: 0,
      clients: 3,
      refusedLogins: 2,
      refusedPublishes: 1,
      refusedSubscriptions: 4,
    }));
    expect(sample(m.render(), 'mqtt_clients')).toBe(3);
    expect(sample(m.render(), 'mqtt_refused_logins_total')).toBe(2);
    expect(sample(m.render(), 'mqtt_refused_subscriptions_total')).toBe(4);
    expect(sample(m.render(), 'mqtt_connected')).toBeUndefined();
    received = 6;
    expect(() => m.render()).toThrow(RangeError);
  });
});

describe('when the HTTP API serves expensive requests', () => {
  it('renders in-flight, served, refused and abandoned per kind', () => {
    const m = new MetricsRegistry();
    registerHttpMetrics(m, {
      bundle: { active: 2, stats: { served: 10, refused: 8, abandoned: 2 } },
      readings: { active: 0, stats: { served: 1, refused: 0, abandoned: 0 } },
    });
    const text = m.render();
    expect(sample(text, 'http_in_flight{kind="bundle"}')).toBe(2);
    expect(sample(text, 'http_served_total{kind="bundle"}')).toBe(10);
    expect(sample(text, 'http_refused_busy_total{kind="bundle"}')).toBe(8);
    expect(sample(text, 'http_abandoned_total{kind="bundle"}')).toBe(2);
    expect(sample(text, 'http_served_total{kind="readings"}')).toBe(1);
  });
});

describe('when the ingest service counts receipts and refusal notices', () => {
  it('renders their errors and the notices published and skipped', () => {
    const m = new MetricsRegistry();
    registerReceiptMetrics(m, () => ({
      receiptErrors: 1,
      noticesPublished: 5,
      noticesSkipped: 2,
      noticeErrors: 0,
    }));
    const text = m.render();
    expect(sample(text, 'ingest_receipt_errors_total')).toBe(1);
    expect(sample(text, 'ingest_notices_published_total')).toBe(5);
    expect(sample(text, 'ingest_notices_skipped_total')).toBe(2);
    expect(sample(text, 'ingest_notice_errors_total')).toBe(0);
  });
});
