/**
 * Ingest benchmark (issue: signed readings in over MQTT). End to end through a real Mosquitto —
 * the machine's binary, started for the run with docs/mqtt.md's settings for a node's broker
 * (the machine's broker at 127.0.0.1:1883 when there is no binary) — QoS 1, ack after commit,
 * readings pre-signed so that the publisher costs little. The node runs as its own process, as
 * in production. Measures:
 * - the baseline: bare `node:crypto` Ed25519 verifications per second on all cores, measured
 *   before and after the run as fast as possible and averaged;
 * - sustained readings/s into the log while publishing as fast as the broker takes them, and
 *   how steady it was: receipts and log growth per second from 5 s to the end of publishing
 *   (median, lowest second, seconds below half the median);
 * - the node's CPU per reading, also divided by the bare verify's;
 * - publish-to-receipt latency (a receipt leaves once the reading's batch is committed and its
 *   checkpoint signed) at 80% of the sustained rate;
 * - the node's RSS before and after a run at half the sustained rate, and its least-squares
 *   slope over the second half of that run;
 * - that every reading published reached the log, and the broker's and the publisher's CPU per
 *   reading, which with the bare verify give the ceiling of the two cores (and sustained ÷
 *   ceiling).
 * The derived figures are pure functions in ingest-figures.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import mqtt from 'mqtt';
import { presign, type LoadMeter } from '../simulator/load/presign.ts';
import { publishPresigned } from '../simulator/load/publish.ts';
import { MOSQUITTO_BIN, startMosquitto, type PrivateMosquitto } from '../test/helpers/mosquitto.ts';
import {
  growthPerSecond,
  LATENCY_SHARE,
  latencyRateFor,
  slopePerMinute,
  steadinessFigures,
  steadySeconds,
  type SizeSample,
  type TimedSample,
} from './ingest-figures.ts';
import { percentile, printTable, writeResults, type Figure } from './lib.ts';

/** The machine's broker, used when no `mosquitto` binary can be started for the run. */
const SHARED_MOSQUITTO = 'mqtt://127.0.0.1:1883';

/**
 * docs/mqtt.md's settings for a node's broker: the stock limits drop QoS 1 readings queued for
 * an overloaded node beyond 1000 while still acknowledging the publisher.
 */
const BROKER_SETTINGS = [
  'max_queued_messages 100000000',
  'max_queued_bytes 4000000000',
  'max_inflight_messages 0',
];
const MAIN = new URL('../src/cli/main.ts', import.meta.url).pathname;

/** Options of the ingest benchmark. */
export interface IngestBenchOptions {
  readonly meters: number;
  /** Seconds of publishing as fast as possible. */
  readonly maxSeconds: number;
  /**
   * The latency run: at most this rate (`--quick` keeps its run small); without it, exactly
   * 80% of the sustained rate, rounded down to 100 (the goal is stated there).
   */
  readonly latencyRate?: number;
  readonly latencySeconds: number;
  /** Seconds of the half-load run for the RSS figure. */
  readonly soakSeconds: number;
}

const VERIFY_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { generateKeyPairSync, sign, verify } = require('node:crypto');
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const msg = Buffer.alloc(180, 7);
const sig = sign(null, msg, privateKey);
let n = 0;
const until = Date.now() + workerData.ms;
while (Date.now() < until) { for (let i = 0; i < 100; i++) verify(null, msg, publicKey, sig); n += 100; }
parentPort.postMessage(n);
`;

/** Bare Ed25519 verifications per second with `node:crypto`, one worker per core. */
async function verifyBaseline(ms: number): Promise<number> {
  const cores = availableParallelism();
  const counts = await Promise.all(
    Array.from(
      { length: cores },
      () =>
        new Promise<number>((resolve, reject) => {
          const w = new Worker(VERIFY_WORKER, { eval: true, workerData: { ms } });
          w.once('message', (n: number) => {
            resolve(n);
            void w.terminate();
          });
          w.once('error', reject);
        }),
    ),
  );
  return (counts.reduce((a, b) => a + b, 0) / ms) * 1000;
}

interface NodeProcess {
  readonly child: ChildProcess;
  /** The broker's URL. */
  readonly broker: string;
  readonly url: string;
  readonly token: string;
  readonly root: string;
  readonly clientId: string;
}

async function startNodeProcess(
  dir: string,
  broker: string,
  extraArgs: readonly string[] = [],
): Promise<NodeProcess> {
  const run = randomBytes(4).toString('hex');
  const root = `bench-${run}/wattproof/v1`;
  const clientId = `wattproof-bench-${run}`;
  const child = spawn(
    process.execPath,
    [
      ...(process.env.WATTPROOF_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      '--import',
      'tsx',
      MAIN,
      'start',
      '--data-dir',
      dir,
      '--http-port',
      '0',
      '--topic-root',
      root,
      '--mqtt-url',
      broker,
      '--mqtt-client-id',
      clientId,
      // Each phase registers its meters over the API: more requests than the default allows.
      '--rate-limit',
      '1000000',
      // WATTPROOF_BENCH_START_ARGS: more `wattproof start` flags (e.g. --no-index).
      ...(process.env.WATTPROOF_BENCH_START_ARGS?.split(' ').filter(Boolean) ?? []),
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  // WATTPROOF_BENCH_NODE_LOG=FILE keeps the node's output (with --trace-gc in
  // WATTPROOF_BENCH_NODE_ARGS, its garbage collections) for diagnosis.
  const log = process.env.WATTPROOF_BENCH_NODE_LOG;
  const logStream = log === undefined ? undefined : createWriteStream(log);
  child.stdout!.on('data', (d: Buffer) => {
    if (out.length < 65_536) out += d.toString();
    logStream?.write(d);
  });
  const until = Date.now() + 30_000;
  while (!/API\s+http:\S+/.test(out)) {
    if (Date.now() > until || child.exitCode !== null)
      throw new Error(`the node did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = /API\s+(http:\S+)/.exec(out)![1]!;
  const token = (await readFile(join(dir, 'operator.token'), 'utf8')).trim();
  return { child, broker, url, token, root, clientId };
}

async function register(node: NodeProcess, meters: readonly LoadMeter[]): Promise<void> {
  for (const m of meters) {
    const res = await fetch(`${node.url}/v1/registry/signers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${node.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        signerId: m.meterId,
        mode: 'device',
        keyType: 'Ed25519',
        publicKey: Buffer.from(m.publicKeyHex, 'hex').toString('base64'),
        meters: [m.meterId],
        ratedCapacityW: m.capacityW,
      }),
    });
    if (res.status !== 201)
      throw new Error(`registering ${m.meterId}: HTTP ${res.status} ${await res.text()}`);
  }
}

/**
 * Entries in the log but the index's epoch entries: the readings (and registrations) the
 * node committed. The size is read first and the epoch count after it, so an epoch appended
 * between the two never makes the count too high.
 */
async function logSize(node: NodeProcess): Promise<number> {
  const size = ((await (await fetch(`${node.url}/v1/log`)).json()) as { size: number }).size;
  const metrics = await (await fetch(`${node.url}/metrics`)).text();
  return size - Number(/^index_epoch (\d+)$/m.exec(metrics)?.[1] ?? 0);
}

/** The value of the unlabelled (or first labelled) sample of `name` in a Prometheus text page. */
function metricValue(page: string, name: string): number {
  return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)$`, 'm').exec(page)?.[1] ?? 0);
}

/** CPU seconds (user + system, all threads) the process has used so far. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/**
 * The pid of the Mosquitto serving 127.0.0.1:1883 (its pid file, or the one process started
 * with the stock configuration), or undefined when neither is found.
 */
async function brokerPid(): Promise<number | undefined> {
  const isMosquitto = async (pid: number): Promise<boolean> =>
    (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim() === 'mosquitto';
  const fromFile = Number(
    (await readFile('/run/mosquitto/mosquitto.pid', 'utf8').catch(() => '')).trim(),
  );
  if (Number.isSafeInteger(fromFile) && fromFile > 0 && (await isMosquitto(fromFile))) {
    return fromFile;
  }
  const found: number[] = [];
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    const pid = Number(name);
    if (!Number.isSafeInteger(pid) || !(await isMosquitto(pid))) continue;
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes('/etc/mosquitto/mosquitto.conf') || cmd.includes('1883')) found.push(pid);
  }
  return found.length === 1 ? found[0] : undefined;
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** Runs one publishing phase with its own pre-signed readings (fresh meters, fresh sequences). */
async function phase(
  node: NodeProcess,
  dir: string,
  name: string,
  meters: number,
  readings: number,
  rate: number,
  seconds: number,
): Promise<{
  sustained: number;
  latencies: number[];
  receipts: number;
  published: number;
  committed: number;
  /** CPU seconds this process spent publishing (the pre-signing before it not counted). */
  publisherCpu: number;
  /** Receipts per second in the steady seconds: from 5 s to the end of publishing. */
  steadyReceipts: number[];
  /** The log's growth per second between its 1 s size samples in the same window. */
  steadyLogGrowth: number[];
  /** Receipts the node skipped (behind by too many batches) and publishes its client dropped. */
  receiptsSkipped: number;
  publishesDropped: number;
}> {
  const file = join(dir, `${name}.bin`);
  process.stderr.write(
    `[${name}] pre-signing ${readings.toLocaleString('en-US')} readings for ${meters} meters…\n`,
  );
  const list = await presign({
    meters,
    readings,
    file,
    prefix: `${name}-${randomBytes(3).toString('hex')}`,
    topicRoot: node.root,
  });
  await register(node, list);
  const startSize = await logSize(node);
  const sizes: SizeSample[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      sizes.push({ t: performance.now(), size: await logSize(node) });
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  const before = await (await fetch(`${node.url}/metrics`)).text();
  const skippedBefore = metricValue(before, 'ingest_receipts_skipped');
  const droppedBefore = metricValue(before, 'mqtt_dropped_publishes_total');
  const cpuBefore = process.cpuUsage();
  const result = await publishPresigned({
    file,
    url: node.broker,
    rate,
    maxSeconds: seconds,
    connections: 4,
    window: 1000,
    drainMs: 15_000,
    maxOutstanding: rate === 0 ? 20_000 : 0,
    committed: async () => (await logSize(node)) - startSize,
    topicRoot: node.root,
    onProgress: (p) =>
      process.stderr.write(
        `[${name}] ${p.elapsedS.toFixed(0)} s: published ${p.published}, receipts ${p.receipts} (${p.receiptRate}/s)\r`,
      ),
  });
  const cpu = process.cpuUsage(cpuBefore);
  // Every reading published must reach the log (receipts may be skipped while they lag).
  let committed = (await logSize(node)) - startSize;
  const settleUntil = Date.now() + 30_000;
  while (committed < result.published && Date.now() < settleUntil) {
    await new Promise((r) => setTimeout(r, 200));
    committed = (await logSize(node)) - startSize;
  }
  sampling = false;
  await sampler;
  process.stderr.write('\n');
  // Sustained rate: log growth between 5 s after the start and the end of publishing.
  const t0 = sizes[0]!.t;
  const inWindow = sizes.filter(
    (s) => s.t - t0 >= 5000 && s.t - t0 <= result.publishSeconds * 1000,
  );
  const sustained =
    inWindow.length >= 2
      ? ((inWindow.at(-1)!.size - inWindow[0]!.size) / (inWindow.at(-1)!.t - inWindow[0]!.t)) * 1000
      : Number.NaN;
  await rm(file, { force: true });
  const after = await (await fetch(`${node.url}/metrics`)).text();
  return {
    receiptsSkipped: metricValue(after, 'ingest_receipts_skipped') - skippedBefore,
    publishesDropped: metricValue(after, 'mqtt_dropped_publishes_total') - droppedBefore,
    sustained,
    latencies: result.latencies,
    receipts: result.receipts,
    published: result.published,
    committed,
    publisherCpu: (cpu.user + cpu.system) / 1e6,
    steadyReceipts: steadySeconds(result.perSecond, result.publishSeconds),
    steadyLogGrowth: growthPerSecond(sizes, 5000, result.publishSeconds * 1000),
  };
}

/**
 * The sustained rate and node CPU per reading of one run as fast as possible, on a node
 * started with `nodeArgs` (e.g. `--no-index`), through a Mosquitto of the run's own: for
 * comparisons of node settings in one benchmark run (`npm run bench -- index`).
 */
export async function sustainedRun(opts: {
  readonly meters: number;
  readonly seconds: number;
  readonly nodeArgs: readonly string[];
  readonly label: string;
}): Promise<{ sustained: number; cpuPerReading: number; committed: number; published: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'wattproof-sustained-bench-'));
  if (MOSQUITTO_BIN === undefined) throw new Error('this benchmark needs a mosquitto binary');
  await mkdir(join(dir, 'broker'));
  const own = await startMosquitto(join(dir, 'broker'), BROKER_SETTINGS);
  const node = await startNodeProcess(join(dir, 'node'), own.url, opts.nodeArgs);
  try {
    const cpuBefore = await cpuSeconds(node.child.pid!);
    const sizeBefore = await logSize(node);
    const readings = Math.ceil(opts.seconds * 12_000);
    const r = await phase(node, dir, opts.label, opts.meters, readings, 0, opts.seconds);
    const logged = (await logSize(node)) - sizeBefore;
    return {
      sustained: r.sustained,
      cpuPerReading: ((await cpuSeconds(node.child.pid!)) - cpuBefore) / logged,
      committed: r.committed,
      published: r.published,
    };
  } finally {
    node.child.kill('SIGTERM');
    await new Promise((r) => node.child.once('exit', r));
    await own.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs the ingest benchmark and returns its figures. */
export async function runIngestBench(opts: IngestBenchOptions): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'wattproof-ingest-bench-'));
  // A Mosquitto of the run's own, configured as docs/mqtt.md says a node's broker must be; the
  // machine's (stock limits) only when no broker binary can be started.
  let own: PrivateMosquitto | undefined;
  if (MOSQUITTO_BIN !== undefined) {
    await mkdir(join(dir, 'broker'));
    own = await startMosquitto(join(dir, 'broker'), BROKER_SETTINGS);
  } else {
    process.stderr.write(
      `no mosquitto binary: using ${SHARED_MOSQUITTO} as configured; stock limits drop readings ` +
        'queued for an overloaded node (see the "readings in the log" figure)\n',
    );
  }
  const brokerUrl = own?.url ?? SHARED_MOSQUITTO;
  const probe = await mqtt
    .connectAsync(brokerUrl, { reconnectPeriod: 0, connectTimeout: 3000 })
    .catch(() => undefined);
  if (probe === undefined) {
    await own?.close();
    throw new Error(`the ingest benchmark needs Mosquitto at ${brokerUrl} (see .ci/run)`);
  }
  await probe.endAsync();

  const figures: Figure[] = [];
  // Measured before and again after the run as fast as possible, and averaged: this machine's
  // speed drifts over minutes, and the ratios below divide by it.
  const baselineBefore = await verifyBaseline(3000);

  const node = await startNodeProcess(join(dir, 'node'), brokerUrl);
  try {
    const maxReadings = Math.ceil(opts.maxSeconds * Math.max(baselineBefore, 5000) * 0.7);
    const broker = own?.pid ?? (await brokerPid());
    const cpuBefore = await cpuSeconds(node.child.pid!);
    const brokerBefore = broker === undefined ? 0 : await cpuSeconds(broker);
    const sizeBefore = await logSize(node);
    const max = await phase(node, dir, 'max', opts.meters, maxReadings, 0, opts.maxSeconds);
    const logged = (await logSize(node)) - sizeBefore;
    const perReading = ((await cpuSeconds(node.child.pid!)) - cpuBefore) / logged;
    const brokerPerReading =
      broker === undefined ? Number.NaN : ((await cpuSeconds(broker)) - brokerBefore) / logged;
    const publisherPerReading = max.publisherCpu / logged;
    const baselineAfter = await verifyBaseline(3000);
    const baseline = (baselineBefore + baselineAfter) / 2;
    figures.push({
      name: `bare node:crypto Ed25519 verify, ${availableParallelism()} cores`,
      value: Math.round(baseline),
      unit: 'verifies/s',
      note: `mean of ${Math.round(baselineBefore)} before and ${Math.round(baselineAfter)} after the run as fast as possible`,
    });
    const verifyPerReading = availableParallelism() / baseline;
    figures.push({
      name: `sustained ingest, as fast as possible (${opts.maxSeconds} s)`,
      value: Math.round(max.sustained),
      unit: 'readings/s',
      note: `${((max.sustained / baseline) * 100).toFixed(0)}% of the bare verify rate`,
    });
    figures.push({
      name: 'readings in the log of those published in that run',
      value: max.committed,
      unit: `of ${max.published}`,
    });
    figures.push({
      name: 'receipts the node skipped in that run / its MQTT client dropped',
      value: max.receiptsSkipped,
      unit: `/ ${max.publishesDropped}`,
      note: `${max.receipts} of ${max.published} received`,
    });
    figures.push({
      name: `node CPU per reading (all threads; the bare verify is ${(verifyPerReading * 1e6).toFixed(0)} µs)`,
      value: perReading * 1e6,
      unit: 'µs',
    });
    figures.push({
      name: 'node CPU per reading ÷ bare verify CPU per reading',
      value: perReading / verifyPerReading,
      unit: '×',
      note: 'goal ≤ 1.6×',
    });
    figures.push({
      name: 'Mosquitto CPU per reading (in, to the node, receipt out)',
      value: brokerPerReading * 1e6,
      unit: 'µs',
      ...(broker === undefined ? { note: 'broker process not found' } : {}),
    });
    figures.push({
      name: 'publisher CPU per reading (this process, while publishing)',
      value: publisherPerReading * 1e6,
      unit: 'µs',
    });
    // What the cores could carry if the node did nothing but verify: bare verify, broker and
    // publisher costs per reading, all measured in this run, over all cores.
    const ceiling =
      availableParallelism() / (verifyPerReading + (brokerPerReading || 0) + publisherPerReading);
    figures.push({
      name: 'ceiling: cores ÷ (bare verify + broker + publisher per reading)',
      value: Math.round(ceiling),
      unit: 'readings/s',
      note: `sustained is ${((max.sustained / ceiling) * 100).toFixed(0)}% of it`,
    });
    figures.push({
      name: 'sustained ÷ ceiling',
      value: max.sustained / ceiling,
      unit: '×',
      note: 'goal ≥ 0.65',
    });
    // Steady phase: the seconds from 5 s after the start to the end of publishing.
    figures.push(
      ...steadinessFigures(
        'receipts/s in the steady seconds of that run',
        'receipts/s',
        max.steadyReceipts,
      ),
      ...steadinessFigures(
        'log growth/s in the steady seconds of that run',
        'readings/s',
        max.steadyLogGrowth,
      ),
    );

    // The goal is stated at 80% of the sustained rate (a rate the node cannot sustain
    // would only measure a growing queue); --quick may cap it lower.
    const latencyRate = latencyRateFor(max.sustained, opts.latencyRate);
    const share = ((latencyRate / max.sustained) * 100).toFixed(0);
    const latencyName = `publish-to-receipt at ${latencyRate.toLocaleString('en-US')}/s (${share}% of sustained)`;
    const lat = await phase(
      node,
      dir,
      'latency',
      opts.meters,
      latencyRate * opts.latencySeconds,
      latencyRate,
      opts.latencySeconds,
    );
    figures.push({
      name: `${latencyName}: p50`,
      value: percentile(lat.latencies, 50),
      unit: 'ms',
    });
    figures.push({
      name: `${latencyName}: p99`,
      value: percentile(lat.latencies, 99),
      unit: 'ms',
      note: `goal ≤ 250 ms at ${LATENCY_SHARE * 100}% of sustained`,
    });
    figures.push({
      name: `receipts received in the latency run (QoS 0)`,
      value: lat.receipts,
      unit: `of ${lat.published}`,
    });

    const half = Math.max(100, Math.round(max.sustained / 2));
    const before = await rssMiB(node.child.pid!);
    const samples: TimedSample[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push({ t: performance.now(), value: await rssMiB(node.child.pid!) });
        await new Promise((r) => setTimeout(r, 5000));
      }
    })();
    await phase(node, dir, 'soak', opts.meters, half * opts.soakSeconds, half, opts.soakSeconds);
    sampling = false;
    await sampler;
    const after = await rssMiB(node.child.pid!);
    const secondHalf = samples.slice(Math.floor(samples.length / 2));
    const secondHalfMiB = secondHalf.map((r) => r.value);
    figures.push({
      name: `node RSS before the half-load run (${half}/s, ${opts.soakSeconds} s)`,
      value: before,
      unit: 'MiB',
    });
    figures.push({
      name: `node RSS after it`,
      value: after,
      unit: 'MiB',
      note: `${(after - before >= 0 ? '+' : '') + (after - before).toFixed(1)} MiB`,
    });
    figures.push({
      name: `node RSS, highest in the second half of the run`,
      value: Math.max(...secondHalfMiB),
      unit: 'MiB',
      note: `lowest ${Math.min(...secondHalfMiB).toFixed(0)} MiB; sampled every 5 s`,
    });
    figures.push({
      name: 'node RSS slope in the second half of the run (least squares)',
      value: slopePerMinute(secondHalf),
      unit: 'MiB/min',
      note: `${secondHalf.length} samples; goal: flat`,
    });
  } finally {
    node.child.kill('SIGTERM');
    await new Promise((r) => node.child.once('exit', r));
    if (own === undefined) {
      // The node's persistent session on the shared broker goes with the run.
      const c = await mqtt.connectAsync(brokerUrl, {
        clientId: node.clientId,
        clean: true,
        protocolVersion: 4,
        reconnectPeriod: 0,
      });
      await c.endAsync();
    }
    await own?.close();
    await rm(dir, { recursive: true, force: true });
  }
  return figures;
}

/**
 * CLI entry: `npm run bench -- ingest [--quick] [--soak=SECONDS] [--latency-cap=RATE]`
 * (`--latency-cap=0`: the latency run at 80 % of the sustained rate, as the full run, also
 * with `--quick`).
 */
export async function main(args: readonly string[]): Promise<void> {
  const quick = args.includes('--quick');
  let opts: IngestBenchOptions = quick
    ? { meters: 100, maxSeconds: 15, latencyRate: 2000, latencySeconds: 10, soakSeconds: 20 }
    : { meters: 500, maxSeconds: 60, latencySeconds: 30, soakSeconds: 300 };
  const soak = args.find((a) => a.startsWith('--soak='));
  if (soak !== undefined) opts = { ...opts, soakSeconds: Number(soak.slice(7)) };
  const cap = args.find((a) => a.startsWith('--latency-cap='));
  if (cap !== undefined) {
    const { latencyRate: _, ...rest } = opts;
    const n = Number(cap.slice('--latency-cap='.length));
    opts = n > 0 ? { ...rest, latencyRate: n } : rest;
  }
  const figures = await runIngestBench(opts);
  printTable(
    'Ingest through Mosquitto, QoS 1, ack after commit, pre-signed Ed25519 readings',
    figures,
  );
  console.log(`\nwritten to ${await writeResults('ingest', figures, opts)}`);
}
