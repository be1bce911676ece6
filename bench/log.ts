/**
 * Log benchmark (issue: the verifiable log). Measures, in one run:
 * - the baseline: bare LevelDB, 200-byte values written in fsynced batches of 1,000;
 * - append throughput into the Merkle log with the same leaves and batches (ratio to baseline);
 * - inclusion and consistency proof generation at each requested tree size (p50/p99/max);
 * - disk bytes per leaf.
 */
import { randomBytes } from 'node:crypto';
import { nodeHasher } from '../src/node-fast/node-hasher.ts';
import { readdir, stat } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { u64be } from '../src/core/bytes.ts';
import { generateEd25519Key, ed25519Signer, vkeyOf } from '../src/core/note/keys.ts';
import { MerkleLog } from '../src/log/merkle-log.ts';
import { percentile, printTable, since, writeResults, type Figure } from './lib.ts';

const LEAF = 200;
const BATCH = 1000;

/** Options of the log benchmark. */
export interface LogBenchOptions {
  /** Leaves written for the throughput figures. */
  readonly appendLeaves: number;
  /** Tree sizes at which proofs are measured (the log is grown to each in turn). */
  readonly proofSizes: readonly number[];
  /** Proofs sampled per size and kind. */
  readonly proofSamples: number;
  /** LevelDB block cache of the log, bytes (default: the store's default). */
  readonly cacheBytes?: number;
}

function leaves(n: number): Uint8Array[] {
  const pool = randomBytes(LEAF * 64);
  return Array.from({ length: n }, (_, i) => {
    const b = new Uint8Array(LEAF);
    b.set(pool.subarray((i % 64) * LEAF, (i % 64) * LEAF + LEAF));
    b.set(u64be(i), 0);
    return b;
  });
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const f of await readdir(dir)) total += (await stat(join(dir, f))).size;
  return total;
}

async function baseline(dir: string, n: number): Promise<number> {
  const db = new Level<Uint8Array, Uint8Array>(join(dir, 'baseline'), {
    keyEncoding: 'view',
    valueEncoding: 'view',
  });
  await db.open();
  const data = leaves(BATCH);
  const t0 = performance.now();
  for (let done = 0; done < n; done += BATCH) {
    await db.batch(
      data.map((v, k) => ({ type: 'put' as const, key: u64be(done + k), value: v })),
      { sync: true },
    );
  }
  const ms = since(t0);
  await db.close();
  return (n / ms) * 1000;
}

async function openLog(path: string, fast: boolean, cacheBytes?: number): Promise<MerkleLog> {
  const origin = 'bench.wattproof.example/log';
  const { skey } = generateEd25519Key(origin);
  const hashes = fast ? { hasher: nodeHasher } : {};
  return MerkleLog.open({
    path,
    origin,
    signer: ed25519Signer(skey),
    vkey: vkeyOf(skey),
    ...(cacheBytes === undefined ? {} : { cacheBytes }),
    ...hashes,
  });
}

/** A ring of distinct pre-built batches, so that building leaves is not timed. */
const RING = Array.from({ length: 8 }, () => leaves(BATCH));

async function appendRate(
  log: MerkleLog,
  n: number,
  onProgress?: (done: number) => void,
): Promise<number> {
  // Two batches in flight, as the ingest batcher runs: the next is planned during the fsync.
  const t0 = performance.now();
  let inFlight: Promise<unknown> = Promise.resolve();
  for (let done = 0, b = 0; done < n; done += BATCH, b++) {
    const batch = n - done >= BATCH ? RING[b % RING.length]! : leaves(n - done);
    const next = log.append(batch);
    await inFlight;
    inFlight = next;
    if (onProgress && done % (BATCH * 500) === 0) onProgress(done);
  }
  await inFlight;
  return (n / since(t0)) * 1000;
}

/**
 * Waits (at most two minutes) until LevelDB has no more than one level-0 file for five seconds
 * in a row, so that proofs are timed against a settled store rather than during the compaction
 * that follows millions of writes. Returns the seconds waited.
 */
async function settle(log: MerkleLog): Promise<number> {
  const t0 = performance.now();
  let calm = 0;
  while (calm < 5 && since(t0) < 120_000) {
    await new Promise((r) => setTimeout(r, 1000));
    calm = Number(log.storeProperty('leveldb.num-files-at-level0')) <= 1 ? calm + 1 : 0;
  }
  return since(t0) / 1000;
}

/** Runs the log benchmark and returns its figures. */
export async function runLogBench(opts: LogBenchOptions): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'wattproof-bench-'));
  const figures: Figure[] = [];
  try {
    const base = await baseline(dir, opts.appendLeaves);
    figures.push({
      name: 'LevelDB alone: 200 B writes, batches of 1,000, sync',
      value: Math.round(base),
      unit: 'writes/s',
    });

    const nobleLog = await openLog(join(dir, 'noble'), false);
    const noble = await appendRate(nobleLog, opts.appendLeaves);
    await nobleLog.close();
    figures.push({
      name: 'log append, @noble leaf hash',
      value: Math.round(noble),
      unit: 'leaves/s',
      note: `${(noble / base).toFixed(2)}x LevelDB alone`,
    });

    const log = await openLog(join(dir, 'log'), true, opts.cacheBytes);
    const fast = await appendRate(log, opts.appendLeaves);
    figures.push({
      name: 'log append, node:crypto leaf hash',
      value: Math.round(fast),
      unit: 'leaves/s',
      note: `${(fast / base).toFixed(2)}x LevelDB alone`,
    });

    for (const size of opts.proofSizes) {
      const grow = size - log.size;
      if (grow > 0) {
        process.stderr.write(`growing the log to ${size.toLocaleString('en-US')} leaves…\n`);
        const t0 = performance.now();
        const rate = await appendRate(log, grow, (d) =>
          process.stderr.write(
            `  ${(log.size / 1e6).toFixed(1)}M (${Math.round((d / since(t0)) * 1000)} leaves/s)\r`,
          ),
        );
        process.stderr.write('\n');
        figures.push({
          name: `log append while growing to ${size.toLocaleString('en-US')}`,
          value: Math.round(rate),
          unit: 'leaves/s',
        });
      }
      const settled = await settle(log);
      process.stderr.write(`LevelDB compaction settled after ${settled.toFixed(0)} s\n`);
      const incl: number[] = [];
      const cons: number[] = [];
      for (let s = 0; s < opts.proofSamples; s++) {
        const i = Math.floor(Math.random() * size);
        let t0 = performance.now();
        await log.inclusionProof(i, size);
        incl.push(since(t0));
        const m = 1 + Math.floor(Math.random() * (size - 1));
        t0 = performance.now();
        await log.consistencyProof(m, size);
        cons.push(since(t0));
      }
      const label = `${(size / 1e6).toLocaleString('en-US')}M`;
      figures.push({
        name: `inclusion proof at ${label}: p50`,
        value: percentile(incl, 50),
        unit: 'ms',
      });
      figures.push({
        name: `inclusion proof at ${label}: p99`,
        value: percentile(incl, 99),
        unit: 'ms',
      });
      figures.push({
        name: `consistency proof at ${label}: p50`,
        value: percentile(cons, 50),
        unit: 'ms',
      });
      figures.push({
        name: `consistency proof at ${label}: p99`,
        value: percentile(cons, 99),
        unit: 'ms',
      });
    }
    const size = log.size;
    await log.close();
    const bytes = await dirBytes(join(dir, 'log'));
    figures.push({
      name: `disk bytes per leaf (${size.toLocaleString('en-US')} leaves of ${LEAF} B)`,
      value: bytes / size,
      unit: 'B/leaf',
      note: `${((bytes / size / LEAF) * 100).toFixed(0)}% of the leaf size`,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return figures;
}

/** CLI entry: `npm run bench -- log [--quick]`. */
export async function main(args: readonly string[]): Promise<void> {
  const quick = args.includes('--quick');
  const opts: LogBenchOptions = quick
    ? { appendLeaves: 50_000, proofSizes: [100_000], proofSamples: 2_000 }
    : { appendLeaves: 200_000, proofSizes: [1_000_000, 10_000_000], proofSamples: 10_000 };
  const sizes = args.find((a) => a.startsWith('--proof-sizes='));
  const cache = args.find((a) => a.startsWith('--cache-mib='));
  const figures = await runLogBench({
    ...opts,
    ...(sizes ? { proofSizes: sizes.slice(14).split(',').map(Number) } : {}),
    ...(cache ? { cacheBytes: Number(cache.slice(12)) * 1024 * 1024 } : {}),
  });
  printTable('Merkle log (LevelDB), 200-byte leaves, batches of 1,000', figures);
  console.log(`\nwritten to ${await writeResults('log', figures, opts)}`);
}
