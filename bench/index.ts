/**
 * Verifiable map benchmark (issue #14). Measures, in one run:
 * - the baseline: bare node:crypto SHA-256 (`crypto.hash`) of 69-byte inputs, hashes/s;
 * - building a map of 1M keys (32-byte keys and values) in one batch;
 * - epoch batches (half new keys, half new values for existing keys) on that map, keys/s on one
 *   core, with node:crypto and with @noble injected (ratio: SHA-256 calls the baseline could make
 *   in the same time, per key);
 * - lookup proof generation and verification (@noble and node:crypto), p50/p99;
 * - membership and absence proof sizes at each map size (1M and 10M keys), and memory per key.
 *
 * `--quick` uses a map of 100,000 keys, batches of 1,000 and 10,000, and one size point.
 * `--sizes=1000000,10000000` sets the size points (the map is grown to each in turn).
 */
import { sustainedRun } from './ingest.ts';
import { hash, randomBytes } from 'node:crypto';
import {
  MapTree,
  mapHasherFrom,
  nobleMapHasher,
  verifyAbsent,
  verifyPresent,
  type MapEntry,
  type MapHasher,
} from '../src/core/vmap/index.ts';
import type { Sha256 } from '../src/core/merkle/index.ts';
import { fastSha256 } from '../src/node-fast/node-hasher.ts';
import { percentile, printTable, since, writeResults, type Figure } from './lib.ts';

/** Options of the map benchmark. */
export interface IndexBenchOptions {
  /** Keys in the map the batches are applied to. */
  readonly base: number;
  /** Epoch batch sizes. */
  readonly batches: readonly number[];
  /** Batches timed per size. */
  readonly rounds: number;
  /** Map sizes at which proofs are measured (the node:crypto map grows to each). */
  readonly sizes: readonly number[];
  /** Proofs sampled per measurement. */
  readonly samples: number;
}

/** SHA-256 calls made through the counting hashers, for calls-per-key figures. */
let calls = 0;
/**
 * node:crypto's one-shot SHA-256 (OpenSSL). The map's hasher always passes one part, which goes
 * to `crypto.hash` as it is; the log's `fastSha256` would first copy it into a scratch buffer.
 */
const oneShotSha256: Sha256 = (...parts) =>
  parts.length === 1 ? hash('sha256', parts[0]!, 'buffer') : fastSha256(...parts);
const nodeHasher: MapHasher = mapHasherFrom((...parts) => {
  calls++;
  return oneShotSha256(...parts);
});
const countingNoble: MapHasher = mapHasherFrom((...parts) => {
  calls++;
  return nobleMapHasher.sha256(...parts);
});
const CHUNK = 100_000;

/** `n` fresh entries with random 32-byte keys and values (views of one buffer). */
function freshEntries(n: number): MapEntry[] {
  const pool = randomBytes(n * 64);
  return Array.from({ length: n }, (_, i) => ({
    key: pool.subarray(i * 64, i * 64 + 32),
    value: pool.subarray(i * 64 + 32, i * 64 + 64),
  }));
}

/** Grows `tree` to `size` keys in batches of {@link CHUNK}; returns the keys/s. */
function grow(tree: MapTree, size: number, known: Uint8Array[]): number {
  const t0 = performance.now();
  const start = tree.size;
  while (tree.size < size) {
    const batch = freshEntries(Math.min(CHUNK, size - tree.size));
    tree.update(batch);
    // Keep a sample of the keys (copied, so the pool can go) for the updates and proofs.
    for (let i = 0; i < batch.length; i += 97) known.push(batch[i]!.key.slice());
    if (size >= 2_000_000) {
      process.stderr.write(`  ${(tree.size / 1e6).toFixed(1)}M keys\r`);
    }
  }
  if (size >= 2_000_000) process.stderr.write('\n');
  return ((tree.size - start) / since(t0)) * 1000;
}

function baselineHashesPerSecond(): number {
  const input = randomBytes(69);
  const n = 500_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    input[0] = i & 0xff;
    hash('sha256', input, 'buffer');
  }
  return (n / since(t0)) * 1000;
}

/** What a run of epoch batches cost. */
interface BatchCost {
  /** Keys per second of wall time. */
  readonly rate: number;
  /** Keys per second of this process's CPU time (user + system). */
  readonly cpuRate: number;
  /** SHA-256 calls per key. */
  readonly callsPerKey: number;
}

/** Times `rounds` epoch batches of `size` keys, half new, half re-valued. */
function batchCost(
  tree: MapTree,
  known: readonly Uint8Array[],
  size: number,
  rounds: number,
): BatchCost {
  let ms = 0;
  let cpu = 0;
  let hashes = 0;
  for (let r = 0; r < rounds; r++) {
    const fresh = freshEntries(size - (size >> 1));
    const values = randomBytes((size >> 1) * 32);
    const updates = Array.from({ length: size >> 1 }, (_, i) => ({
      key: known[(r * 7919 + i * 104_729) % known.length]!,
      value: values.subarray(i * 32, i * 32 + 32),
    }));
    const batch = [...fresh, ...updates];
    const c0 = process.cpuUsage();
    const h0 = calls;
    const t0 = performance.now();
    tree.update(batch);
    ms += since(t0);
    const c = process.cpuUsage(c0);
    cpu += (c.user + c.system) / 1000;
    hashes += calls - h0;
  }
  const keys = size * rounds;
  return { rate: (keys / ms) * 1000, cpuRate: (keys / cpu) * 1000, callsPerKey: hashes / keys };
}

function proofFigures(
  tree: MapTree,
  known: readonly Uint8Array[],
  samples: number,
  label: string,
): Figure[] {
  const root = tree.root;
  const present: { key: Uint8Array; value: Uint8Array; proof: Uint8Array }[] = [];
  const absent: { key: Uint8Array; proof: Uint8Array }[] = [];
  const prove: number[] = [];
  for (let s = 0; s < samples; s++) {
    const key = known[(s * 104_729) % known.length]!;
    const t0 = performance.now();
    const a = tree.proveLookup(key);
    prove.push(since(t0));
    present.push({ key, value: a.value!, proof: a.proof });
    const missing = randomBytes(32);
    absent.push({ key: missing, proof: tree.proveLookup(missing).proof });
  }
  const time = (f: (i: number) => void): number[] => {
    for (let i = 0; i < Math.min(samples, 500); i++) f(i); // warm-up, not timed
    const out: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      f(i);
      out.push(since(t0));
    }
    return out;
  };
  const vNoble = time((i) =>
    verifyPresent(root, present[i]!.key, present[i]!.value, present[i]!.proof),
  );
  const vNode = time((i) =>
    verifyPresent(root, present[i]!.key, present[i]!.value, present[i]!.proof, nodeHasher),
  );
  const aNoble = time((i) => verifyAbsent(root, absent[i]!.key, absent[i]!.proof));
  const sizes = present.map((p) => p.proof.length);
  const absentSizes = absent.map((p) => p.proof.length);
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  return [
    { name: `${label}: lookup proof generation p50`, value: percentile(prove, 50), unit: 'ms' },
    { name: `${label}: lookup proof generation p99`, value: percentile(prove, 99), unit: 'ms' },
    { name: `${label}: membership verify, @noble p50`, value: percentile(vNoble, 50), unit: 'ms' },
    {
      name: `${label}: membership verify, @noble p99`,
      value: percentile(vNoble, 99),
      unit: 'ms',
      note: 'goal < 1 ms',
    },
    {
      name: `${label}: membership verify, node:crypto p99`,
      value: percentile(vNode, 99),
      unit: 'ms',
    },
    { name: `${label}: absence verify, @noble p99`, value: percentile(aNoble, 99), unit: 'ms' },
    { name: `${label}: membership proof size, mean`, value: mean(sizes), unit: 'B' },
    {
      name: `${label}: membership proof size, max of ${samples}`,
      value: Math.max(...sizes),
      unit: 'B',
      note: 'goal ≤ 1,536 B at 10M',
    },
    { name: `${label}: absence proof size, mean`, value: mean(absentSizes), unit: 'B' },
  ];
}

/** Runs the map benchmark and returns its figures. */
export function runIndexBench(opts: IndexBenchOptions): Figure[] {
  const figures: Figure[] = [];
  const base = baselineHashesPerSecond();
  figures.push({
    name: 'baseline: node:crypto SHA-256 of 69 bytes',
    value: Math.round(base),
    unit: 'hashes/s',
  });
  const fmt = (n: number) => n.toLocaleString('en-US');

  for (const [name, hasher] of [
    ['node:crypto', nodeHasher],
    ['@noble', countingNoble],
  ] as const) {
    const tree = new MapTree({ hasher });
    const known: Uint8Array[] = [];
    const t0 = performance.now();
    const built = grow(tree, opts.base, known);
    figures.push({
      name: `build ${fmt(opts.base)} keys, ${name}`,
      value: Math.round(built),
      unit: 'keys/s',
      note: `${(since(t0) / 1000).toFixed(1)} s`,
    });
    for (const size of opts.batches) {
      const cost = batchCost(tree, known, size, opts.rounds);
      const label = `epoch batch of ${fmt(size)} on ${fmt(opts.base)}, ${name}`;
      figures.push({
        name: label,
        value: Math.round(cost.rate),
        unit: 'keys/s',
        note: `${((cost.rate / cost.cpuRate) * 100).toFixed(0)}% of a core; goal ≥ 100,000`,
      });
      figures.push({
        name: `${label}, per CPU-second`,
        value: Math.round(cost.cpuRate),
        unit: 'keys/s',
      });
      figures.push({
        name: `${label}, SHA-256 calls`,
        value: cost.callsPerKey,
        unit: 'per key',
        note: `${(base / cost.rate).toFixed(1)} baseline hash times per key`,
      });
    }
    if (name === '@noble') break;

    figures.push({
      name: `memory at ${fmt(tree.size)} keys (typed arrays)`,
      value: tree.allocatedBytes / tree.size,
      unit: 'B/key',
    });
    for (const size of opts.sizes) {
      const t1 = performance.now();
      if (tree.size < size) {
        process.stderr.write(`growing the map to ${fmt(size)} keys…\n`);
        const rate = grow(tree, size, known);
        figures.push({
          name: `grow to ${fmt(size)} keys, node:crypto`,
          value: Math.round(rate),
          unit: 'keys/s',
          note: `${(since(t1) / 1000).toFixed(1)} s`,
        });
        figures.push({
          name: `memory at ${fmt(tree.size)} keys (typed arrays)`,
          value: tree.allocatedBytes / tree.size,
          unit: 'B/key',
          note: `process RSS ${(process.memoryUsage().rss / 2 ** 30).toFixed(2)} GiB`,
        });
      }
      figures.push(
        ...proofFigures(tree, known, opts.samples, `${(tree.size / 1e6).toFixed(2)}M keys`),
      );
    }
  }
  return figures;
}

/**
 * Ingest with the index on beside the same run with it off (`--no-index`), in this run, runs
 * alternating so that neither has the machine's warm-up to itself: sustained readings/s and
 * node CPU per reading.
 */
async function ingestWithIndex(quick: boolean): Promise<Figure[]> {
  const seconds = quick ? 15 : 40;
  const meters = quick ? 100 : 500;
  const runs: { index: boolean; sustained: number; cpu: number }[] = [];
  for (const index of quick ? [true, false] : [true, false, false, true]) {
    const r = await sustainedRun({
      meters,
      seconds,
      nodeArgs: index ? [] : ['--no-index'],
      label: index ? 'index-on' : 'index-off',
    });
    if (r.committed < r.published) {
      throw new Error(`only ${r.committed} of ${r.published} readings reached the log`);
    }
    runs.push({ index, sustained: r.sustained, cpu: r.cpuPerReading });
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const on = runs.filter((r) => r.index);
  const off = runs.filter((r) => !r.index);
  const onRate = mean(on.map((r) => r.sustained));
  const offRate = mean(off.map((r) => r.sustained));
  const onCpu = mean(on.map((r) => r.cpu));
  const offCpu = mean(off.map((r) => r.cpu));
  return [
    {
      name: `ingest, index on (${seconds} s as fast as possible)`,
      value: Math.round(onRate),
      unit: 'readings/s',
    },
    { name: 'ingest, index off (--no-index)', value: Math.round(offRate), unit: 'readings/s' },
    {
      name: 'sustained with the index ÷ without',
      value: onRate / offRate,
      unit: '×',
      note: `goal ≥ 0.9; ${on.length} runs each, alternating`,
    },
    {
      name: 'node CPU per reading, index on ÷ off',
      value: onCpu / offCpu,
      unit: '×',
      note: `${(onCpu * 1e6).toFixed(0)} µs vs ${(offCpu * 1e6).toFixed(0)} µs`,
    },
  ];
}

/** CLI entry: `npm run bench -- index [--quick] [--sizes=…] [--no-ingest | --ingest-only]`. */
export async function main(args: readonly string[]): Promise<void> {
  const quick = args.includes('--quick');
  const opts: IndexBenchOptions = quick
    ? { base: 100_000, batches: [1_000, 10_000], rounds: 3, sizes: [100_000], samples: 2_000 }
    : {
        base: 1_000_000,
        // 50,000: the node's default --index-epoch-entries, its largest epoch.
        batches: [10_000, 50_000, 100_000],
        rounds: 5,
        sizes: [1_000_000, 10_000_000],
        samples: 10_000,
      };
  const sizes = args.find((a) => a.startsWith('--sizes='));
  const run = { ...opts, ...(sizes ? { sizes: sizes.slice(8).split(',').map(Number) } : {}) };
  const figures = args.includes('--ingest-only') ? [] : runIndexBench(run);
  if (figures.length > 0) {
    printTable('Verifiable map (MPT), 32-byte keys and values, one core', figures);
  }
  if (!args.includes('--no-ingest')) {
    const ingest = await ingestWithIndex(quick);
    printTable('Ingest through Mosquitto with the verifiable index on and off', ingest);
    figures.push(...ingest);
  }
  console.log(`\nwritten to ${await writeResults('index', figures, run)}`);
}
