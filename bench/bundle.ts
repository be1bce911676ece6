/**
 * Evidence bundle benchmark (issue: evidence for issuers and verifiers abroad). One meter's year
 * at 15-minute intervals (35,040 native readings, Ed25519) interleaved with the readings of other
 * meters in a log of over 1,000,000 entries, then:
 * - bundle build time for the year, and its size against the raw signed readings it discloses;
 * - verification time in-process and with the CLI (`wattproof verify`, a fresh process, as an
 *   auditor runs it), beside the bare `node:crypto` Ed25519 verify time of the same readings,
 *   on one core and, right before each CLI run, on worker threads across every core;
 * - inclusion-proof requests per second over HTTP on the 1M-entry log.
 *
 * `--quick` runs a month in a log of 100,000 entries; `--skip-core` leaves out the in-process
 * verification with the pure core (about 40 s for the year). `buildBenchBundle` makes the data;
 * the browser benchmark (browser.ts) verifies the same bundle in Chromium.
 */
import { spawn } from 'node:child_process';
import { createPublicKey, randomBytes, verify as cryptoVerify } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ed25519 } from '@noble/curves/ed25519.js';
import { buildApp } from '../src/api/app.ts';
import { proofRoutes } from '../src/api/routes/proofs.ts';
import { buildBundle } from '../src/bundle/builder.ts';
import { utf8 } from '../src/core/bytes.ts';
import { verifyBundle } from '../src/core/bundle/index.ts';
import { decodeCoseSign1 } from '../src/core/cose/index.ts';
import { sigStructure1 } from '../src/core/cose/sig-structure.ts';
import { EntryKind } from '../src/core/leaf/leaf.ts';
import type { Reading } from '../src/core/reading/reading.ts';
import { LedgerIndexer } from '../src/indexer/index.ts';
import { Ledger, type LedgerItem } from '../src/ledger/ledger.ts';
import { nodeHasher, nodeMapHasher } from '../src/node-fast/index.ts';
import { loadOrCreateLogKey } from '../src/log/log-key.ts';
import { MerkleLog } from '../src/log/merkle-log.ts';
import { loadOperatorKey, Registry } from '../src/registry/index.ts';
import { LevelStore } from '../src/storage/level-store.ts';
import { choosePrebuilt } from '../bin/prebuilt.js';
import { buildCli } from '../scripts/build-cli.ts';
import { fastReadingSigner } from '../simulator/load/fast-signer.ts';
import { tempDir } from '../test/helpers/tmp-dir.ts';
import { percentile, printTable, since, writeResults, type Figure } from './lib.ts';

const INTERVAL = 900;
/** 2025-01-01T00:00:00Z: a year wholly in the past. */
const YEAR_START = 1_735_689_600;
const SPKI_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);

/** How many readings, and how many other entries around each. */
export interface Sizes {
  readonly readings: number;
  /** Other entries per reading of the benchmarked meter (the interleaving). */
  readonly others: number;
}

function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r${text}\u001b[K`);
}

function fillerBytes(n: number): Uint8Array[] {
  const pool = randomBytes(180 * 64);
  return Array.from({ length: n }, (_, i) => pool.subarray((i % 64) * 180, (i % 64) * 180 + 180));
}

const ROOT = join(import.meta.dirname, '..');

let cliBuilt: Promise<void> | undefined;

/**
 * Builds the prebuilt command line into dist/cli (`npm run build:cli`) once, and says whether
 * `bin/wattproof.js` will run it or fall back to the TypeScript loader, by the bin's own check.
 */
function buildCliOnce(): Promise<void> {
  cliBuilt ??= (async () => {
    await buildCli();
    const choice = choosePrebuilt(ROOT);
    console.log(
      choice.entry !== undefined
        ? `wattproof verify runs the prebuilt ${choice.entry}`
        : `wattproof verify runs through the tsx loader: ${choice.reason}`,
    );
  })();
  return cliBuilt;
}

/** `npx wattproof verify FILE --log-key VKEY` in a fresh process, as an auditor runs it. */
async function cliVerify(file: string, vkey: string): Promise<{ ms: number; out: string }> {
  await buildCliOnce();
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin', 'wattproof.js'), 'verify', file, '--log-key', vkey],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const ms = since(t0);
  if (code !== 0) throw new Error(`wattproof verify exited ${code}:\n${out}`);
  return { ms, out };
}

/** Plain JavaScript for {@link bareOnAllCores}: verifies its share, posts the milliseconds. */
const BARE_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const { spki, messages, signatures } = workerData;
const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
parentPort.once('message', () => {
  const t0 = performance.now();
  for (let i = 0; i < messages.length; i++) {
    if (!verify(null, messages[i], key, signatures[i])) throw new Error('a signature did not verify');
  }
  parentPort.postMessage(performance.now() - t0);
});
parentPort.postMessage('ready');
`;

/**
 * The bare `node:crypto` Ed25519 verification of `signed` split over one worker thread per
 * core, crypto calls only: milliseconds from the start signal to the last worker's end.
 */
async function bareOnAllCores(
  publicKey: Uint8Array,
  signed: readonly { message: Uint8Array; signature: Uint8Array }[],
): Promise<number> {
  const n = cpus().length;
  const spki = Buffer.concat([SPKI_ED25519_PREFIX, publicKey]);
  const share = Math.ceil(signed.length / n);
  const workers = Array.from({ length: n }, (_, w) => {
    const part = signed.slice(w * share, (w + 1) * share);
    return new Worker(BARE_WORKER, {
      eval: true,
      execArgv: [],
      workerData: {
        spki,
        messages: part.map((p) => p.message),
        signatures: part.map((p) => p.signature),
      },
    });
  });
  const next = (w: Worker): Promise<unknown> =>
    new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  try {
    await Promise.all(workers.map(next));
    const t0 = performance.now();
    const done = workers.map(next);
    for (const w of workers) w.postMessage('go');
    await Promise.all(done);
    return since(t0);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Inclusion-proof requests per second over HTTP on `log`, with their latency percentiles. */
export async function httpProofRate(
  log: MerkleLog,
  seconds: number,
  concurrency: number,
): Promise<{ perSecond: number; p50: number; p99: number }> {
  const app = await buildApp({
    log,
    routes: async (a) => {
      await a.register(proofRoutes, { prefix: '/v1', log });
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const size = log.publishedSize();
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const index = Math.floor(Math.random() * size);
      const t0 = performance.now();
      const req = request(
        {
          host: '127.0.0.1',
          port,
          agent,
          path: `/v1/proofs/inclusion?index=${index}&size=${size}`,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
            else {
              latencies.push(since(t0));
              resolve();
            }
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) await one();
    }),
  );
  const elapsed = since(t0) / 1000;
  agent.destroy();
  await app.close();
  return {
    perSecond: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

/** One meter's year (or month) of readings in a large log, and its bundle (the benchmark's data). */
export interface BenchBundle {
  readonly sizes: Sizes;
  /** The log's verifier key. */
  readonly vkey: string;
  /** The meter's Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** The signed readings (COSE_Sign1) in the bundle, in order. */
  readonly readings: readonly Uint8Array[];
  /** The bundle as JSON text, as the bundle route serves it (with its index section). */
  readonly text: string;
  /** The same bundle without its index section (as an earlier version served it). */
  readonly textWithoutIndex: string;
  /** Bytes of the index section's JSON. */
  readonly indexBytes: number;
  readonly proofHashes: number;
  readonly logSize: number;
  readonly signMs: number;
  readonly fillMs: number;
  readonly buildMs: number;
  /** A bundle bench's temporary folder (removed by `close`). */
  readonly dir: string;
  /** The log, for more requests (HTTP proofs) before `close`. */
  readonly log: MerkleLog;
  /** Closes the log and removes the folder. */
  close(): Promise<void>;
}

/** The sizes of a full run and of `--quick`. */
export function benchSizes(quick: boolean): Sizes {
  return quick ? { readings: 2_976, others: 32 } : { readings: 35_040, others: 28 };
}

/**
 * Builds the benchmark's data: a log with `sizes.readings` 15-minute Ed25519 readings of one
 * meter, each among `sizes.others` entries of other meters, and the bundle of that meter's
 * period. The bundle and browser benchmarks both verify it.
 */
export async function buildBenchBundle(sizes: Sizes): Promise<BenchBundle> {
  const tmp = await tempDir();
  const origin = 'bench.wattproof.example/bundle';
  const store = await LevelStore.open(join(tmp.path, 'db'));
  const logKey = await loadOrCreateLogKey(join(tmp.path, 'log.key'), origin);
  const log = await MerkleLog.open({ store, origin, signer: logKey.signer, vkey: logKey.vkey });
  const ledger = await Ledger.open(log, store);
  const registry = await Registry.load({
    store,
    ledger,
    operatorKey: await loadOperatorKey(join(tmp.path, 'operator.key'), origin),
  });
  await registry.ensureOperatorDeclared(logKey.signer);
  // The node's verifiable index follows the ledger; one epoch is cut once the log is full.
  const indexer = await LedgerIndexer.open(ledger, {
    hasher: nodeHasher,
    mapHasher: nodeMapHasher,
    epochSeconds: 86_400,
    epochEntries: Number.MAX_SAFE_INTEGER,
  });
  const meter = 'pv-bench-0001';
  const seed = new Uint8Array(randomBytes(32));
  const publicKey = ed25519.getPublicKey(seed);
  await registry.register({
    signerId: meter,
    mode: 'device',
    keyType: 'Ed25519',
    publicKey,
    meters: [meter],
    ratedCapacityW: 10_000,
  });
  const sign = fastReadingSigner(seed, utf8(meter), meter);

  // The year: a PV-like export curve, cumulative register, one reading per interval.
  const t0 = performance.now();
  const readings: Uint8Array[] = [];
  let register = 0;
  for (let i = 0; i < sizes.readings; i++) {
    const start = YEAR_START + i * INTERVAL;
    const hour = (start % 86_400) / 3600;
    const energyWh = Math.max(0, Math.round(600 * Math.sin(((hour - 6) / 12) * Math.PI)));
    register += energyWh;
    const r: Reading = {
      meterId: meter,
      sequence: i + 1,
      intervalStart: start,
      intervalEnd: start + INTERVAL,
      obis: '1-0:2.8.0',
      registerWh: register,
      energyWh,
      quality: 1,
    };
    readings.push(sign(r));
  }
  const signMs = since(t0);

  // The log: each reading of the meter among `others` entries of other meters.
  const filler = fillerBytes(sizes.others);
  const perBatch = 100;
  const t1 = performance.now();
  for (let i = 0; i < sizes.readings; i += perBatch) {
    const items: LedgerItem[] = [];
    for (let k = i; k < Math.min(i + perBatch, sizes.readings); k++) {
      const start = YEAR_START + k * INTERVAL;
      for (const bytes of filler) {
        items.push({ kind: EntryKind.readingCose, bytes, meta: { receivedAt: start } });
      }
      items.push({
        kind: EntryKind.readingCose,
        bytes: readings[k]!,
        meta: {
          receivedAt: start + INTERVAL,
          meterId: meter,
          sequence: k + 1,
          intervalStart: start,
          intervalEnd: start + INTERVAL,
          signerId: meter,
          trustMode: 'device',
        },
      });
    }
    await ledger.append(items);
    progress(`log: ${log.size.toLocaleString('en')} entries`);
  }
  const fillMs = since(t1);
  progress('');
  await indexer.cut();
  indexer.close();

  // Build the bundle.
  const t2 = performance.now();
  const bundle = await buildBundle({
    ledger,
    log,
    registry,
    meters: [meter],
    from: YEAR_START,
    to: YEAR_START + sizes.readings * INTERVAL,
    index: indexer,
  });
  const buildMs = since(t2);
  if (bundle.index === undefined) throw new Error('the bench bundle has no index section');
  const { index, ...withoutIndex } = bundle;
  return {
    sizes,
    vkey: log.vkey,
    publicKey,
    readings,
    text: JSON.stringify(bundle),
    textWithoutIndex: JSON.stringify(withoutIndex),
    indexBytes: Buffer.byteLength(JSON.stringify(index)),
    proofHashes: bundle.proof.hashes.length,
    logSize: log.publishedSize(),
    signMs,
    fillMs,
    buildMs,
    dir: tmp.path,
    log,
    close: async () => {
      await log.close();
      await store.close();
      await tmp.remove();
    },
  };
}

/** CLI verifications of each bundle (with and without its index section); the best counts. */
const CLI_RUNS = 3;

/** Runs the benchmark; `args` are the `--` options. */
export async function main(args: readonly string[]): Promise<void> {
  const quick = args.includes('--quick');
  const sizes = benchSizes(quick);
  const data = await buildBenchBundle(sizes);
  const { text, readings, publicKey, log } = data;
  const logSize = data.logSize;
  const rawBytes = readings.reduce((n, b) => n + b.length, 0);
  const file = join(data.dir, 'bundle.json');
  await writeFile(file, text);
  const fileWithout = join(data.dir, 'bundle-without-index.json');
  await writeFile(fileWithout, data.textWithoutIndex);
  const keep = process.env['WATTPROOF_BENCH_KEEP'];
  if (keep !== undefined)
    await writeFile(keep, `{"vkey":${JSON.stringify(log.vkey)},"bundle":${text}}`);
  const bundleBytes = Buffer.byteLength(text);
  const gzipBytes = gzipSync(text).length;
  const proofHashes = data.proofHashes;
  const { signMs, fillMs, buildMs } = data;

  // Baseline: bare node:crypto Ed25519 verification of the same readings, one core.
  const key = createPublicKey({
    key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]),
    format: 'der',
    type: 'spki',
  });
  const signed = readings.map((b) => {
    const s = decodeCoseSign1(b);
    return { message: sigStructure1(s.protectedBytes, s.payload), signature: s.signature };
  });
  const t3 = performance.now();
  for (const { message, signature } of signed) {
    if (!cryptoVerify(null, message, key, signature)) {
      throw new Error('baseline: a signature did not verify');
    }
  }
  const bareMs = since(t3);

  // Verification in-process (pure core) and with the CLI.
  let coreMs = Number.NaN;
  if (!args.includes('--skip-core')) {
    const t4 = performance.now();
    const verdict = verifyBundle(text, { logVkey: log.vkey });
    coreMs = since(t4);
    if (!verdict.valid)
      throw new Error(`bundle did not verify: ${verdict.code} ${verdict.message}`);
  }
  // Each CLI run right after the same signatures verified bare on every core, so that both see
  // the machine as it is then (its cores are shared).
  const allCores: number[] = [];
  const cliRuns: number[] = [];
  const cliWithout: number[] = [];
  // Three of each, in alternating order, so that neither bundle always runs first.
  for (let run = 0; run < CLI_RUNS; run++) {
    if (run < 2) allCores.push(await bareOnAllCores(publicKey, signed));
    if (run % 2 === 0) {
      cliRuns.push((await cliVerify(file, log.vkey)).ms);
      cliWithout.push((await cliVerify(fileWithout, log.vkey)).ms);
    } else {
      cliWithout.push((await cliVerify(fileWithout, log.vkey)).ms);
      cliRuns.push((await cliVerify(file, log.vkey)).ms);
    }
  }

  const http = await httpProofRate(log, quick ? 3 : 10, 16);

  await data.close();

  const figures: Figure[] = [
    { name: 'log entries', value: logSize, unit: 'entries' },
    { name: 'readings in the bundle', value: sizes.readings, unit: 'readings' },
    { name: 'signing the readings', value: signMs, unit: 'ms' },
    { name: 'filling the log', value: fillMs, unit: 'ms' },
    { name: 'bundle build', value: buildMs, unit: 'ms' },
    { name: 'raw signed readings', value: rawBytes, unit: 'bytes' },
    { name: 'bundle (JSON)', value: bundleBytes, unit: 'bytes' },
    { name: 'bundle / raw readings', value: bundleBytes / rawBytes, unit: 'x' },
    {
      name: 'bundle gzipped (as served with Content-Encoding: gzip)',
      value: gzipBytes,
      unit: 'bytes',
    },
    { name: 'gzipped bundle / raw readings', value: gzipBytes / rawBytes, unit: 'x' },
    { name: 'multiproof hashes', value: proofHashes, unit: 'hashes' },
    { name: 'multiproof hashes per reading', value: proofHashes / sizes.readings, unit: '' },
    { name: 'bare node:crypto Ed25519 verify, 1 core', value: bareMs, unit: 'ms' },
    { name: 'verify in-process (pure core)', value: coreMs, unit: 'ms' },
    { name: `verify with the CLI (best of ${CLI_RUNS})`, value: Math.min(...cliRuns), unit: 'ms' },
    {
      name: `verify with the CLI, the bundle without its index section (best of ${CLI_RUNS})`,
      value: Math.min(...cliWithout),
      unit: 'ms',
    },
    {
      name: 'CLI verify with the index proofs ÷ without them',
      value: Math.min(...cliRuns) / Math.min(...cliWithout),
      unit: 'x',
      note: 'goal ≤ 1.1',
    },
    { name: 'index section (JSON)', value: data.indexBytes, unit: 'bytes' },
    {
      name: 'index section / raw readings of the year',
      value: data.indexBytes / rawBytes,
      unit: 'x',
      note: 'goal ≤ 0.25 (the completeness proof of the meter-year)',
    },
    {
      name: 'CLI verify / bare verify on all cores',
      value: Math.min(...cliRuns) / (bareMs / cpus().length),
      unit: 'x',
      note: `the floor: ${(bareMs / cpus().length).toFixed(0)} ms of Ed25519 alone per core`,
    },
    {
      name: 'bare node:crypto Ed25519 verify, all cores (best of 2)',
      value: Math.min(...allCores),
      unit: 'ms',
      note: `${cpus().length} worker threads, each verifying its share`,
    },
    {
      name: 'CLI verify / bare verify measured on all cores',
      value: Math.min(...cliRuns) / Math.min(...allCores),
      unit: 'x',
    },
    { name: 'HTTP inclusion proofs', value: http.perSecond, unit: 'req/s' },
    { name: 'HTTP inclusion proof p50', value: http.p50, unit: 'ms' },
    { name: 'HTTP inclusion proof p99', value: http.p99, unit: 'ms' },
  ];
  printTable(`bundle benchmark (${cpus().length} cores${quick ? ', --quick' : ''})`, figures);
  await writeResults('bundle', figures, sizes);
}
