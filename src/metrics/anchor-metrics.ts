/**
 * Metrics of the node's anchors (Prometheus text format 0.0.4), per anchor type: successes and
 * failures since start, failures since the last success, and the tree size and attested time
 * of the newest stored record.
 */
import type { AnchorAttempt, AnchorHealth } from '../../anchors/runner.ts';
import type { MetricsRegistry } from './registry.ts';

/** What the metrics read: an `AnchorRunner`. */
export interface AnchorMetricsSource {
  health(): AnchorHealth[];
  onAttempt(listener: (a: AnchorAttempt) => void): () => void;
}

/** Registers the anchor metrics of `source` in `metrics`. */
export function registerAnchorMetrics(metrics: MetricsRegistry, source: AnchorMetricsSource): void {
  const successes = metrics.counter(
    'anchor_successes_total',
    'Checkpoints anchored and stored, per anchor type, since start.',
    ['type'],
  );
  const failures = metrics.counter(
    'anchor_failures_total',
    'Failed anchoring attempts, per anchor type, since start.',
    ['type'],
  );
  for (const h of source.health()) {
    successes.inc({ type: h.type }, 0);
    failures.inc({ type: h.type }, 0);
  }
  source.onAttempt((a) => (a.ok ? successes : failures).inc({ type: a.type }));
  metrics.gauge(
    'anchor_consecutive_failures',
    'Failed anchoring attempts since the last success, per anchor type.',
    ['type'],
    (g) => {
      for (const h of source.health()) g.set({ type: h.type }, h.consecutiveFailures);
    },
  );
  metrics.gauge(
    'anchor_last_size',
    'Tree size of the newest stored anchor record, per anchor type (0 when none).',
    ['type'],
    (g) => {
      for (const h of source.health()) g.set({ type: h.type }, h.lastSize);
    },
  );
  metrics.gauge(
    'anchor_last_time_seconds',
    'Time the newest stored anchor record attests, Unix seconds, per anchor type (0 when none).',
    ['type'],
    (g) => {
      for (const h of source.health()) g.set({ type: h.type }, h.lastTime);
    },
  );
}
