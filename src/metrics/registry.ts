/**
 * A small Prometheus metrics registry: counters, gauges and histograms with labels, rendered
 * in the text exposition format 0.0.4 (prometheus/docs "Exposition formats"; metric types per
 * "Metric types"). Every part of a node registers its metrics on the one registry that
 * `GET /metrics` serves.
 */
import {
  escapeHelp,
  formatLabels,
  formatValue,
  isValidLabelName,
  isValidMetricName,
} from './exposition.ts';

/** Label values keyed by label name. */
export type Labels<L extends string> = Readonly<Record<L, string>>;

type MetricType = 'counter' | 'gauge' | 'histogram';

/** Default histogram buckets (seconds), those of the Prometheus client libraries. */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

abstract class Metric<L extends string, S> {
  private readonly series = new Map<string, { values: string[]; state: S }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[],
    readonly type: MetricType,
  ) {}

  protected abstract initial(): S;

  protected seriesFor(labels: Labels<L> | undefined): S {
    const values = this.labelNames.map((n) => {
      const v = labels?.[n];
      if (typeof v !== 'string') throw new TypeError(`${this.name}: label ${n} is missing`);
      return v;
    });
    if (labels !== undefined && Object.keys(labels).length !== this.labelNames.length) {
      throw new TypeError(`${this.name}: unknown label in ${JSON.stringify(labels)}`);
    }
    const key = values.join('\u0000');
    let s = this.series.get(key);
    if (s === undefined) {
      s = { values, state: this.initial() };
      this.series.set(key, s);
    }
    return s.state;
  }

  /** Removes every series. */
  reset(): void {
    this.series.clear();
  }

  /** @internal Series in creation order; a metric without labels always has its one series. */
  entries(): { values: string[]; state: S }[] {
    if (this.labelNames.length === 0 && this.series.size === 0) this.seriesFor(undefined);
    return [...this.series.values()];
  }

  /** @internal Sample lines of this metric. */
  abstract lines(): string[];
}

function split<L extends string>(
  args: readonly unknown[],
): { labels: Labels<L> | undefined; value: number | undefined } {
  if (typeof args[0] === 'object' && args[0] !== null) {
    return { labels: args[0] as Labels<L>, value: args[1] as number | undefined };
  }
  return { labels: undefined, value: args[0] as number | undefined };
}

/** A monotonically increasing count. */
export class Counter<L extends string = never> extends Metric<L, { v: number }> {
  constructor(
    name: string,
    help: string,
    labelNames: readonly L[],
    private readonly collect?: (counter: Counter<L>) => void,
  ) {
    super(name, help, labelNames, 'counter');
  }

  protected initial(): { v: number } {
    return { v: 0 };
  }

  /** Adds `value` (default 1, never negative) to the series of `labels`. */
  inc(value?: number): void;
  inc(labels: Labels<L>, value?: number): void;
  inc(...args: [number?] | [Labels<L>, number?]): void {
    const { labels, value = 1 } = split<L>(args);
    if (!(value >= 0)) throw new RangeError(`${this.name}: a counter only increases`);
    this.seriesFor(labels).v += value;
  }

  /**
   * Sets the series of `labels` to a running total kept elsewhere (from a `collect` callback).
   * Throws `RangeError` if it would go down: a counter only increases.
   */
  total(value: number): void;
  total(labels: Labels<L>, value: number): void;
  total(...args: [number] | [Labels<L>, number]): void {
    const { labels, value = 0 } = split<L>(args);
    const s = this.seriesFor(labels);
    if (!(value >= s.v)) throw new RangeError(`${this.name}: a counter only increases`);
    s.v = value;
  }

  /** The current value of a series. */
  get(labels?: Labels<L>): number {
    return this.seriesFor(labels).v;
  }

  /** @internal Sample lines of this metric (text format 0.0.4). */
  lines(): string[] {
    this.collect?.(this);
    return this.entries().map(
      (s) => `${this.name}${formatLabels(this.labelNames, s.values)} ${formatValue(s.state.v)}`,
    );
  }
}

/** A value that goes up and down; `collect` may refresh it just before each rendering. */
export class Gauge<L extends string = never> extends Metric<L, { v: number }> {
  constructor(
    name: string,
    help: string,
    labelNames: readonly L[],
    private readonly collect?: (gauge: Gauge<L>) => void,
  ) {
    super(name, help, labelNames, 'gauge');
  }

  protected initial(): { v: number } {
    return { v: 0 };
  }

  /** Sets the series of `labels` to `value`. */
  set(value: number): void;
  set(labels: Labels<L>, value: number): void;
  set(...args: [number] | [Labels<L>, number]): void {
    const { labels, value } = split<L>(args);
    this.seriesFor(labels).v = value ?? 0;
  }

  /** Adds `value` (default 1). */
  inc(value?: number): void;
  inc(labels: Labels<L>, value?: number): void;
  inc(...args: [number?] | [Labels<L>, number?]): void {
    const { labels, value = 1 } = split<L>(args);
    this.seriesFor(labels).v += value;
  }

  /** Subtracts `value` (default 1). */
  dec(value?: number): void;
  dec(labels: Labels<L>, value?: number): void;
  dec(...args: [number?] | [Labels<L>, number?]): void {
    const { labels, value = 1 } = split<L>(args);
    this.seriesFor(labels).v -= value;
  }

  /** The current value of a series. */
  get(labels?: Labels<L>): number {
    return this.seriesFor(labels).v;
  }

  /** @internal Sample lines of this metric (text format 0.0.4). */
  lines(): string[] {
    this.collect?.(this);
    return this.entries().map(
      (s) => `${this.name}${formatLabels(this.labelNames, s.values)} ${formatValue(s.state.v)}`,
    );
  }
}

interface HistogramState {
  counts: number[];
  sum: number;
  count: number;
}

/** Observations counted in cumulative buckets, with their sum and count. */
export class Histogram<L extends string = never> extends Metric<L, HistogramState> {
  /** Upper bounds, ascending; `+Inf` is implicit. */
  readonly buckets: readonly number[];

  constructor(name: string, help: string, labelNames: readonly L[], buckets: readonly number[]) {
    super(name, help, labelNames, 'histogram');
    if (labelNames.includes('le' as L)) throw new RangeError(`${name}: "le" is reserved`);
    const sorted = [...buckets].filter((b) => b !== Infinity);
    if (sorted.length === 0 || sorted.some((b, i) => i > 0 && !(b > sorted[i - 1]!))) {
      throw new RangeError(`${name}: buckets must be non-empty and strictly increasing`);
    }
    this.buckets = sorted;
  }

  protected initial(): HistogramState {
    return { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
  }

  /** Records one observation. */
  observe(value: number): void;
  observe(labels: Labels<L>, value: number): void;
  observe(...args: [number] | [Labels<L>, number]): void {
    const { labels, value = NaN } = split<L>(args);
    const s = this.seriesFor(labels);
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  /** @internal Sample lines of this metric (text format 0.0.4). */
  lines(): string[] {
    const out: string[] = [];
    const names = [...this.labelNames, 'le'];
    for (const s of this.entries()) {
      this.buckets.forEach((b, i) => {
        const labels = formatLabels(names, [...s.values, formatValue(b)]);
        out.push(`${this.name}_bucket${labels} ${s.state.counts[i]}`);
      });
      out.push(`${this.name}_bucket${formatLabels(names, [...s.values, '+Inf'])} ${s.state.count}`);
      const plain = formatLabels(this.labelNames, s.values);
      out.push(`${this.name}_sum${plain} ${formatValue(s.state.sum)}`);
      out.push(`${this.name}_count${plain} ${s.state.count}`);
    }
    return out;
  }
}

/** What the registry needs of every metric. */
interface RegisteredMetric {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labelNames: readonly string[];
  lines(): string[];
}

/** Options of {@link MetricsRegistry.histogram}. */
export interface HistogramOptions<L extends string> {
  readonly labelNames?: readonly L[];
  /** Upper bounds (default {@link DEFAULT_BUCKETS}). */
  readonly buckets?: readonly number[];
}

/** The metrics of one process, rendered together. */
export class MetricsRegistry {
  private readonly metrics = new Map<string, RegisteredMetric>();

  /**
   * A counter; `collect`, when given, runs before each rendering (to copy running totals in
   * with {@link Counter.total}). Registering a name again returns the existing metric when its
   * type and labels match, and throws `RangeError` otherwise.
   */
  counter<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    collect?: (counter: Counter<L>) => void,
  ): Counter<L> {
    return this.add(
      name,
      'counter',
      labelNames,
      () => new Counter<L>(name, help, labelNames, collect),
    );
  }

  /** A gauge; `collect` runs before each rendering to refresh it. */
  gauge<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    collect?: (gauge: Gauge<L>) => void,
  ): Gauge<L> {
    return this.add(name, 'gauge', labelNames, () => new Gauge<L>(name, help, labelNames, collect));
  }

  /** A histogram. */
  histogram<L extends string = never>(
    name: string,
    help: string,
    options: HistogramOptions<L> = {},
  ): Histogram<L> {
    const labelNames = options.labelNames ?? [];
    return this.add(
      name,
      'histogram',
      labelNames,
      () => new Histogram<L>(name, help, labelNames, options.buckets ?? DEFAULT_BUCKETS),
    );
  }

  /** The registered metric of this name, if any. */
  get(name: string): Counter<string> | Gauge<string> | Histogram<string> | undefined {
    return this.metrics.get(name) as
      Counter<string> | Gauge<string> | Histogram<string> | undefined;
  }

  /** Every metric in the text exposition format 0.0.4, in registration order. */
  render(): string {
    let out = '';
    for (const m of this.metrics.values()) {
      out += `# HELP ${m.name} ${escapeHelp(m.help)}\n# TYPE ${m.name} ${m.type}\n`;
      for (const line of m.lines()) out += `${line}\n`;
    }
    return out;
  }

  private add<M extends RegisteredMetric>(
    name: string,
    type: MetricType,
    labelNames: readonly string[],
    make: () => M,
  ): M {
    if (!isValidMetricName(name)) throw new RangeError(`invalid metric name ${name}`);
    for (const l of labelNames) {
      if (!isValidLabelName(l)) throw new RangeError(`${name}: invalid label name ${l}`);
    }
    if (new Set(labelNames).size !== labelNames.length) {
      throw new RangeError(`${name}: duplicate label name`);
    }
    const existing = this.metrics.get(name);
    if (existing !== undefined) {
      const same =
        existing.type === type &&
        existing.labelNames.length === labelNames.length &&
        existing.labelNames.every((l, i) => l === labelNames[i]);
      if (!same) throw new RangeError(`metric ${name} is already registered differently`);
      return existing as unknown as M;
    }
    const m = make();
    this.metrics.set(name, m);
    return m;
  }
}
