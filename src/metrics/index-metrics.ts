/**
 * Gauges of the verifiable index (docs/index.md; docs/operations.md §Metrics): how many keys
 * the map holds, the latest epoch and the log size it reflects, entries filed since, and
 * whether the index stopped.
 */
import type { MetricsRegistry } from './registry.ts';

/** What the gauges read when `/metrics` is rendered (the node's `LedgerIndexer.status()`). */
export interface IndexMetricsSource {
  status(): {
    readonly keys: number;
    readonly pending: number;
    readonly failed: boolean;
    readonly latest: { readonly epoch: number; readonly logSize: number } | undefined;
  };
}

/** Registers the index gauges on `metrics`. */
export function registerIndexMetrics(metrics: MetricsRegistry, index: IndexMetricsSource): void {
  metrics.gauge('index_keys', 'Keys in the verifiable map.', [], (g) => g.set(index.status().keys));
  metrics.gauge('index_epoch', 'Number of the latest index epoch (0 before the first).', [], (g) =>
    g.set(index.status().latest?.epoch ?? 0),
  );
  metrics.gauge('index_epoch_log_size', 'Log size the latest index epoch reflects.', [], (g) =>
    g.set(index.status().latest?.logSize ?? 0),
  );
  metrics.gauge('index_pending_entries', 'Entries filed since the latest epoch.', [], (g) =>
    g.set(index.status().pending),
  );
  metrics.gauge(
    'index_failed',
    '1 when the index stopped filing (a restart rebuilds it).',
    [],
    (g) => g.set(index.status().failed ? 1 : 0),
  );
}
