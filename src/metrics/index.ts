/** Prometheus metrics (text exposition format 0.0.4) and the ingest pipeline's metrics. */
export { registerAnchorMetrics, type AnchorMetricsSource } from './anchor-metrics.ts';
export {
  escapeHelp,
  escapeLabelValue,
  formatLabels,
  formatValue,
  isValidLabelName,
  isValidMetricName,
  PROMETHEUS_CONTENT_TYPE,
} from './exposition.ts';
export {
  BATCH_SIZE_BUCKETS,
  CHECK_DURATION_BUCKETS,
  IngestMetrics,
  type IngestGaugeSources,
} from './ingest-metrics.ts';
export {
  Counter,
  DEFAULT_BUCKETS,
  Gauge,
  Histogram,
  MetricsRegistry,
  type HistogramOptions,
  type Labels,
} from './registry.ts';
