/**
 * `npm run demo`: a node with its embedded broker on free ports and a temporary data folder; a
 * small fleet (PV, wind, households, an EV charger; meters that sign themselves, a collection
 * platform, a relay) replaying yesterday; an evidence bundle for one PV meter, verified with
 * `wattproof verify`; the verdict with the energy figures; then everything stopped and removed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatorError } from '../errors.ts';
import { parseFleet } from '../fleet/fleet.ts';
import { NodeApi } from '../node-api.ts';
import { parseFaults } from '../run/faults.ts';
import { progressReporter } from '../run/progress.ts';
import { runFleet } from '../run/run-fleet.ts';
import { formatSummary } from '../run/summary.ts';
import type { SimIo } from './common.ts';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

/** The demo's fleet: every kind and every collection mode, small enough for a minute. */
export const DEMO_FLEET =
  'pv-rooftop:1@device,pv-rooftop:1@relay,pv-utility:1@device,wind:1@relay,household:1@device,household:2@platform,ev:1@device';

/** The faults the demo injects, to show the quarantine at work. */
export const DEMO_FAULTS = 'bad-signature,equivocation,clock-skew';

/** What the demo found. */
export interface DemoResult {
  /** `wattproof verify` said the bundle is valid. */
  readonly valid: boolean;
  readonly meterId: string;
  /** Export of the meter: acknowledged by the node, and in the verified bundle, Wh. */
  readonly ackedWh: number;
  readonly bundleWh: number;
  readonly verifyOutput: string;
}

function fail(step: string, detail: string, cause?: unknown): never {
  throw new SimulatorError(
    'DEMO_FAILED',
    `${step}: ${detail}`,
    cause === undefined ? {} : { cause },
  );
}

/** Runs a CLI child and collects its output. */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface StartedNode {
  readonly child: ChildProcess;
  readonly api: string;
  readonly mqttUrl: string;
}

async function startNode(dir: string, topicRoot: string): Promise<StartedNode> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      MAIN,
      'start',
      '--data-dir',
      dir,
      '--http-port',
      '0',
      '--mqtt-port',
      '0',
      // The simulated fleet shares a few anonymous connections (docs/mqtt.md §Access control).
      '--mqtt-allow-anonymous',
      '--topic-root',
      topicRoot,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const until = Date.now() + 45_000;
  for (;;) {
    const api = /API\s+(http:\/\/\S+)/.exec(out)?.[1];
    const mqtt = /MQTT\s+embedded broker on (\S+:\d+)/.exec(out)?.[1];
    if (api !== undefined && mqtt !== undefined) return { child, api, mqttUrl: `mqtt://${mqtt}` };
    if (child.exitCode !== null)
      fail('starting the node', `it exited with status ${child.exitCode}:\n${out}`);
    if (Date.now() > until) {
      child.kill('SIGKILL');
      fail('starting the node', `no "API" and "MQTT" lines within 45 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stopNode(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Runs the demo; resolves with its findings (and prints them to `io`). */
export async function runDemo(io: SimIo): Promise<DemoResult> {
  const t0 = performance.now();
  const dir = await mkdtemp(join(tmpdir(), 'wattproof-demo-'));
  const say = (s: string): void => io.stdout(`${s}\n`);
  let node: StartedNode | undefined;
  try {
    say(`wattproof demo: a node, a simulated fleet for one day, a bundle, an offline verification`);
    node = await startNode(join(dir, 'data'), 'wattproof/v1');
    say(`  node          ${node.api}  (MQTT ${node.mqttUrl}, data in ${join(dir, 'data')})`);
    const api = new NodeApi(node.api);
    const operator = (await readFile(join(dir, 'data', 'operator.token'), 'utf8')).trim();
    const { vkey } = await api.logInfo();
    say(`  log key       ${vkey}`);

    const day = Math.floor(Date.now() / 86_400_000) * 86_400 - 86_400;
    say(`  fleet         ${DEMO_FLEET}`);
    say(
      `  day           ${new Date(day * 1000).toISOString().slice(0, 10)} (UTC), 15-minute intervals; faults: ${DEMO_FAULTS}\n`,
    );
    const progress = progressReporter({ write: io.stderr, isTTY: io.stderrIsTTY }, 2000);
    const run = await runFleet({
      mqttUrl: node.mqttUrl,
      topicRoot: 'wattproof/v1',
      node: api,
      operatorToken: operator,
      register: true,
      groups: parseFleet(DEMO_FLEET),
      seed: 7,
      prefix: 'demo',
      start: day,
      intervals: 96,
      intervalSeconds: 900,
      faults: parseFaults([DEMO_FAULTS]),
      logVkey: vkey,
      onProgress: progress.update,
    }).catch((e: unknown) => fail('running the fleet', (e as Error).message, e));
    progress.end();
    io.stdout(formatSummary(run.summary));

    const pv = run.fleet.meters.find((m) => m.kind === 'pv-rooftop' && m.mode === 'device')!;
    const issuer = await api.createToken(operator, 'issuer', 'demo issuer');
    const bundle = await api
      .bundle(issuer, [pv.meterId], run.from, run.to)
      .catch((e: unknown) => fail('requesting the bundle', (e as Error).message, e));
    const file = join(dir, 'bundle.json');
    await writeFile(file, bundle);
    say(
      `\nbundle for ${pv.meterId} over the day: ${bundle.length} bytes; wattproof verify ${file} --log-key ${vkey}`,
    );
    const verify = await runCli(['verify', file, '--log-key', vkey]);
    io.stdout(verify.stdout);
    if (verify.stderr !== '') io.stderr(verify.stderr);
    const line = new RegExp(`meter ${pv.meterId}:.* export (\\d+(?:\\.\\d+)?) Wh`).exec(
      verify.stdout,
    );
    const bundleWh = line ? Number(line[1]) : Number.NaN;
    const ackedWh = run.account.meters.get(pv.meterId)!.ackedWh;
    const valid = verify.code === 0 && verify.stdout.startsWith('OK');
    if (!valid)
      fail(
        'verifying the bundle',
        `wattproof verify exited with ${verify.code}:\n${verify.stdout}${verify.stderr}`,
      );
    const match = bundleWh === ackedWh;
    say(
      `\nverdict: ${valid ? 'VALID' : 'INVALID'}. ${pv.meterId} exported ${(ackedWh / 1000).toFixed(3)} kWh by the simulator's books, ` +
        `${(bundleWh / 1000).toFixed(3)} kWh by the verified bundle: ${match ? 'they match' : 'MISMATCH'}.`,
    );
    if (!match)
      fail('comparing energy', `the bundle says ${bundleWh} Wh, the simulator ${ackedWh} Wh`);
    say(
      `demo done in ${((performance.now() - t0) / 1000).toFixed(1)} s; stopping the node and removing ${dir}`,
    );
    return { valid, meterId: pv.meterId, ackedWh, bundleWh, verifyOutput: verify.stdout };
  } finally {
    if (node) await stopNode(node.child);
    await rm(dir, { recursive: true, force: true });
  }
}
