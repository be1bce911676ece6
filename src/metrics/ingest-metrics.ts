/**
 * The ingest pipeline's metrics (docs/formats.md, "Checks and quarantine"), registered on the
 * node's {@link MetricsRegistry}.
 */
import type { Counter, Gauge, Histogram, MetricsRegistry } from './registry.ts';

/** Buckets of the batch size histogram (messages per checked batch). */
export const BATCH_SIZE_BUCKETS: readonly number[] = [1, 10, 50, 100, 250, 500, 1000, 2500, 5000];
/** Buckets of the check duration histogram, seconds. */
export const CHECK_DURATION_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

/** Live values the gauges read when `/metrics` is rendered. */
export interface IngestGaugeSources {
  /** Records held in the quarantine. */
  quarantineRecords(): number;
  /** Meters flagged for equivocation. */
  metersFlagged(): number;
  /** The quarantine's counts by tier (docs/formats.md "Quarantine"), when it has them. */
  quarantineTiers?(): {
    readonly bytes: number;
    readonly maxBytes: number;
    readonly tiers: Readonly<Record<'signed' | 'junk', { records: number; bytes: number }>>;
    readonly evicted: Readonly<Record<'signed' | 'junk', number>>;
  };
}

/** The counters, gauges and histograms of the ingest pipeline. */
export class IngestMetrics {
  /** Messages checked, by outcome (accepted, duplicate, rejected, mixed). */
  readonly messages: Counter<'outcome'>;
  /** Readings checked, by outcome (accepted, duplicate, rejected). */
  readonly readings: Counter<'outcome'>;
  /** Rejected readings and messages, by reject code. */
  readonly rejections: Counter<'code'>;
  /** Idempotent duplicate deliveries. */
  readonly duplicates: Counter;
  /** Messages per checked batch. */
  readonly batchSize: Histogram;
  /** Seconds spent in one `check` call (signature checks included). */
  readonly checkDuration: Histogram;
  /** Records held in the quarantine. */
  readonly quarantineRecords: Gauge;
  /** Meters flagged for equivocation. */
  readonly metersFlagged: Gauge;
  /** Bytes held in the quarantine, and its budget. */
  readonly quarantineBytes: Gauge;
  readonly quarantineMaxBytes: Gauge;
  /** Records and bytes held, and records evicted since start, per quarantine tier. */
  readonly quarantineTierRecords: Gauge<'tier'>;
  readonly quarantineTierBytes: Gauge<'tier'>;
  readonly quarantineEvicted: Gauge<'tier'>;

  constructor(registry: MetricsRegistry, sources?: IngestGaugeSources) {
    this.messages = registry.counter(
      'ingest_messages_total',
      'MQTT messages checked by the ingest pipeline, by outcome.',
      ['outcome'],
    );
    this.readings = registry.counter(
      'ingest_readings_total',
      'Readings checked by the ingest pipeline, by outcome.',
      ['outcome'],
    );
    this.rejections = registry.counter(
      'ingest_rejections_total',
      'Readings and messages refused and quarantined, by reject code.',
      ['code'],
    );
    this.duplicates = registry.counter(
      'ingest_duplicates_total',
      'Readings delivered again with the same bytes (acknowledged, no new entry).',
    );
    this.batchSize = registry.histogram('ingest_batch_size', 'Messages per checked batch.', {
      buckets: BATCH_SIZE_BUCKETS,
    });
    this.checkDuration = registry.histogram(
      'ingest_check_duration_seconds',
      'Time to check one batch, signature verification included.',
      { buckets: CHECK_DURATION_BUCKETS },
    );
    this.quarantineRecords = registry.gauge(
      'quarantine_records',
      'Records held in the quarantine.',
      [],
      sources === undefined ? undefined : (g) => g.set(sources.quarantineRecords()),
    );
    this.metersFlagged = registry.gauge(
      'meters_flagged',
      'Meters flagged for equivocation.',
      [],
      sources === undefined ? undefined : (g) => g.set(sources.metersFlagged()),
    );
    const tiers = sources?.quarantineTiers?.bind(sources);
    this.quarantineBytes = registry.gauge(
      'quarantine_bytes',
      'Bytes held in the quarantine (records as stored, approximately).',
      [],
      tiers === undefined ? undefined : (g) => g.set(tiers().bytes),
    );
    this.quarantineMaxBytes = registry.gauge(
      'quarantine_max_bytes',
      'The quarantine byte budget.',
      [],
      tiers === undefined ? undefined : (g) => g.set(tiers().maxBytes),
    );
    const perTier =
      (pick: (c: ReturnType<NonNullable<typeof tiers>>, t: 'signed' | 'junk') => number) =>
      (g: Gauge<'tier'>): void => {
        const c = tiers!();
        for (const t of ['signed', 'junk'] as const) g.set({ tier: t }, pick(c, t));
      };
    this.quarantineTierRecords = registry.gauge(
      'quarantine_tier_records',
      'Records held in the quarantine, by tier (signed evidence, junk).',
      ['tier'],
      tiers === undefined ? undefined : perTier((c, t) => c.tiers[t].records),
    );
    this.quarantineTierBytes = registry.gauge(
      'quarantine_tier_bytes',
      'Bytes held in the quarantine, by tier.',
      ['tier'],
      tiers === undefined ? undefined : perTier((c, t) => c.tiers[t].bytes),
    );
    this.quarantineEvicted = registry.gauge(
      'quarantine_evicted_records',
      'Records evicted from the quarantine since the node started, by tier.',
      ['tier'],
      tiers === undefined ? undefined : perTier((c, t) => c.evicted[t]),
    );
  }
}
