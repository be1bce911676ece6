/**
 * A pipeline on a real LevelStore in a temporary folder, with a fake signer directory, the
 * noble verifier and a fake clock. Its planner gives items consecutive leaf indices, as the
 * ledger does; `run` checks a batch and commits its operations.
 */
import { readingFigures } from '../../../src/core/bundle/reading-figures.ts';
import type { SignerRecord } from '../../../src/registry/signer.ts';
import type { CheckedBatch } from '../../../src/ingest/checked-batch.ts';
import { MeterStateStore } from '../../../src/ingest/meter-state.ts';
import { IngestPipeline, type IngestPipelineOptions } from '../../../src/ingest/pipeline.ts';
import { Quarantine, type QuarantineOptions } from '../../../src/ingest/quarantine.ts';
import type { InboundMessage } from '../../../src/mqtt/transport.ts';
import type { AppendPlanner, LedgerItem, LedgerPlan } from '../../../src/ledger/ledger.ts';
import { IngestMetrics } from '../../../src/metrics/ingest-metrics.ts';
import { MetricsRegistry } from '../../../src/metrics/registry.ts';
import { LevelStore } from '../../../src/storage/level-store.ts';
import { tempDir } from '../../helpers/tmp-dir.ts';
import { FakeDirectory, NOW_MS } from './fixtures.ts';
import { NobleVerifier } from './noble-verifier.ts';

type Extra = Partial<
  Omit<
    IngestPipelineOptions,
    'signers' | 'verifier' | 'quarantine' | 'meters' | 'planner' | 'metrics' | 'now'
  >
>;

/** A pipeline and everything around it. */
export class Harness {
  readonly clock = { now: NOW_MS };
  readonly verifier = new NobleVerifier();
  /** Items planned, by leaf index. */
  readonly entries: LedgerItem[] = [];
  private tickets = 0;
  /** Plans appends as the ledger does: consecutive leaf indices, in call order. */
  readonly planner: AppendPlanner = {
    nextIndex: 0,
    plan: (items: readonly LedgerItem[]): LedgerPlan => {
      const first = this.entries.length;
      this.entries.push(...items);
      (this.planner as { nextIndex: number }).nextIndex = this.entries.length;
      return {
        ticket: this.tickets++,
        first,
        items,
        entries: items.map((item, k) => ({
          index: first + k,
          kind: item.kind,
          salt: new Uint8Array(32),
          leaf: new Uint8Array(34),
        })),
        leafHashes: items.map(() => new Uint8Array(32)),
        ops: [],
      };
    },
  };
  registry!: MetricsRegistry;
  metrics!: IngestMetrics;
  store!: LevelStore;
  quarantine!: Quarantine;
  meters!: MeterStateStore;
  pipeline!: IngestPipeline;

  private constructor(
    private readonly dir: { path: string; remove: () => Promise<void> },
    readonly directory: FakeDirectory,
    private readonly extra: Extra,
    private readonly quarantineOptions: QuarantineOptions,
  ) {}

  /** A fresh harness; `signers` default to every fixed signer. */
  static async create(
    options: { signers?: SignerRecord[]; quarantine?: QuarantineOptions } & Extra = {},
  ): Promise<Harness> {
    const { signers, quarantine, ...extra } = options;
    const h = new Harness(
      await tempDir('wattproof-ingest-'),
      new FakeDirectory(signers),
      extra,
      quarantine ?? {},
    );
    await h.open();
    return h;
  }

  private async open(): Promise<void> {
    this.store = await LevelStore.open(`${this.dir.path}/db`);
    this.quarantine = await Quarantine.open(this.store, this.quarantineOptions);
    this.meters = await MeterStateStore.open(this.store);
    this.registry = new MetricsRegistry();
    const q = this.quarantine;
    const m = this.meters;
    this.metrics = new IngestMetrics(this.registry, {
      quarantineRecords: () => q.size,
      metersFlagged: () => m.flaggedCount,
    });
    this.pipeline = new IngestPipeline({
      signers: this.directory,
      verifier: this.verifier,
      quarantine: this.quarantine,
      meters: this.meters,
      planner: this.planner,
      metrics: this.metrics,
      now: () => this.clock.now,
      findOverlap: (meterId, obis, start, end) =>
        Promise.resolve(this.findOverlap(meterId, obis, start, end)),
      ...this.extra,
    });
  }

  /** The committed entry of the meter's channel overlapping [start, end), as the ledger finds it. */
  findOverlap(meterId: string, obis: string, start: number, end: number): number | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      if (e.meta.meterId !== meterId) continue;
      const c = readingFigures(e.kind, e.bytes, i).channels.find((x) => x.obis === obis);
      if (c !== undefined && c.intervalStart < end && c.intervalEnd > start) return i;
    }
    return undefined;
  }

  /** Commits a checked batch's operations (its entries were recorded when it was planned). */
  plan(batch: CheckedBatch): Promise<void> {
    return this.store.commit([...batch.plan.ops, ...batch.ops], false);
  }

  /** Checks and commits one batch. */
  async run(messages: readonly InboundMessage[]): Promise<CheckedBatch> {
    const batch = await this.pipeline.check(messages);
    await this.plan(batch);
    return batch;
  }

  /** Closes the store and opens everything again from disk. */
  async reopen(): Promise<void> {
    await this.store.close();
    await this.open();
  }

  async close(): Promise<void> {
    await this.store.close();
    await this.dir.remove();
  }
}
