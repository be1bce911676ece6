/**
 * Prometheus metrics (text exposition format 0.0.4): the registry, and the metrics of ingest,
 * anchors and the transports (MQTT, the HTTP API's expensive routes).
 */
export { registerAnchorMetrics, type AnchorMetricsSource } from './anchor-metrics.ts';
export { registerIndexMetrics, type IndexMetricsSource } from './index-metrics.ts';
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
export {
  registerHttpMetrics,
  registerMqttMetrics,
  registerReceiptMetrics,
  type InFlightSource,
  type MqttTransportStats,
  type ReceiptStats,
} from './transport-metrics.ts';
