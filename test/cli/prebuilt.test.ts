/**
 * `bin/wattproof.js` runs the prebuilt command line (`npm run build:cli`, scripts/build-cli.ts)
 * while its manifest matches the files, and the TypeScript sources through tsx's loader
 * otherwise: the same output and exit status both ways. A changed or missing file, a missing
 * manifest or `WATTPROOF_NO_PREBUILT=1` takes the loader. The build goes to a folder of its own
 * under `.tmp/` (inside the package, so that npm packages resolve), never to `dist/`.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkManifest,
  choosePrebuilt,
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  type PrebuiltManifest,
} from '../../bin/prebuilt.js';
import { buildCli } from '../../scripts/build-cli.ts';
import { meterReadingsTopic } from '../../src/ingest/topics.ts';
import vector from '../core/bundle/bundle-v1.json' with { type: 'json' };
import { DEV_C, NOW_MS, reading, signed } from '../ingest/helpers/fixtures.ts';
import { registerDevice } from '../helpers/register-signer.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'wattproof.js');

/** A module-resolution hook that appends every module URL resolved to the file it is given. */
const TRACE_HOOKS = `
import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(file, r.url + '\\n');
  return r;
}
`;

/** Waits until `cond` holds, or fails after `ms`. */
async function waitFor(cond: () => boolean, what: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

let work: string;
let built: string;
let tmp: { path: string; remove: () => Promise<void> };
let trace: string;
let good: string;
let bad: string;

beforeAll(async () => {
  await mkdir(join(ROOT, '.tmp'), { recursive: true });
  work = await mkdtemp(join(ROOT, '.tmp', 'prebuilt-test-'));
  built = join(work, 'cli');
  await buildCli({ outdir: built });
  tmp = await tempDir('wattproof-prebuilt-');
  await writeFile(join(tmp.path, 'trace-hooks.mjs'), TRACE_HOOKS);
  trace = join(tmp.path, 'trace.mjs');
  await writeFile(
    trace,
    `import { register } from 'node:module';\n` +
      `register('./trace-hooks.mjs', import.meta.url, { data: process.env.TRACE_FILE });\n`,
  );
  good = join(tmp.path, 'good.json');
  bad = join(tmp.path, 'bad.json');
  await writeFile(good, JSON.stringify(vector.bundle));
  const tampered = JSON.parse(JSON.stringify(vector.bundle));
  tampered.summary.totals.importWh = 9999;
  await writeFile(bad, JSON.stringify(tampered));
}, 60_000);

afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
  await tmp?.remove();
});

interface Run {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
  /** Which main module ran: the prebuilt `main.js` or the TypeScript `main.ts`. */
  readonly ran: 'prebuilt' | 'loader' | 'neither';
  /** Every module URL resolved. */
  readonly modules: readonly string[];
}

/** How the bin is run: with a prebuilt folder, or the loader forced. */
interface Via {
  readonly dir?: string;
  readonly noPrebuilt?: boolean;
}

function environment(via: Via, traceFile: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', TRACE_FILE: traceFile };
  delete env.WATTPROOF_NO_PREBUILT;
  env.WATTPROOF_PREBUILT_DIR = via.dir ?? built;
  if (via.noPrebuilt === true) env.WATTPROOF_NO_PREBUILT = '1';
  return env;
}

async function ranFrom(traceFile: string, dir: string): Promise<Pick<Run, 'ran' | 'modules'>> {
  const modules = (await readFile(traceFile, 'utf8').catch(() => '')).split('\n');
  const prebuilt = pathToFileURL(join(dir, 'main.js')).href;
  const loader = pathToFileURL(join(ROOT, 'src', 'cli', 'main.ts')).href;
  const ran = modules.includes(prebuilt)
    ? 'prebuilt'
    : modules.includes(loader)
      ? 'loader'
      : 'neither';
  return { ran, modules };
}

/** `node bin/wattproof.js <args>` as `npx wattproof` runs it, with the module trace. */
function wattproof(args: readonly string[], via: Via = {}): Promise<Run> {
  const traceFile = join(tmp.path, `trace-${randomBytes(6).toString('hex')}.txt`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', pathToFileURL(trace).href, BIN, ...args], {
      cwd: tmp.path,
      env: environment(via, traceFile),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      ranFrom(traceFile, via.dir ?? built).then((r) => resolve({ code, out, err, ...r }), reject);
    });
  });
}

/** Every command's usage, and two usage errors. */
const HELP: readonly (readonly string[])[] = [
  ['--help'],
  ['start', '--help'],
  ['devices', '--help'],
  ['verify', '--help'],
  ['certify', '--help'],
  ['witness', '--help'],
  ['evm', '--help'],
  ['broker-config', '--help'],
  ['tokens', '--help'],
  ['readings', '--help'],
  ['bundle', '--help'],
  ['quarantine', '--help'],
  ['erase', '--help'],
  ['sign-reading', '--help'],
  ['no-such-command'],
  ['verify', '--no-such-flag'],
];

describe('when the prebuilt command line is fresh', () => {
  it.concurrent.for(HELP.map((a) => [a.join(' '), a] as const))(
    'wattproof %s prints the same as through the loader',
    { timeout: 60_000 },
    async ([, args], { expect }) => {
      const [pre, ts] = await Promise.all([wattproof(args), wattproof(args, { noPrebuilt: true })]);
      expect(pre.ran).toBe('prebuilt');
      expect(ts.ran).toBe('loader');
      expect(pre.code).toBe(ts.code);
      expect(pre.out).toBe(ts.out);
      expect(pre.err).toBe(ts.err);
      expect(pre.out + pre.err).toMatch(/usage:/);
    },
  );

  it.concurrent.for([
    ['a valid bundle', () => [good, '--log-key', vector.logVkey], 0],
    ['a valid bundle, --json', () => [good, '--log-key', vector.logVkey, '--json'], 0],
    ['a tampered bundle', () => [bad, '--log-key', vector.logVkey], 1],
    ['a missing file', () => [join(tmp.path, 'none.json'), '--log-key', vector.logVkey], 2],
  ] as const)(
    'verify of %s gives the same output and exit status both ways',
    { timeout: 60_000 },
    async ([, args, code], { expect }) => {
      const [pre, ts] = await Promise.all([
        wattproof(['verify', ...args()]),
        wattproof(['verify', ...args()], { noPrebuilt: true }),
      ]);
      expect(pre.ran).toBe('prebuilt');
      expect(ts.ran).toBe('loader');
      expect(pre.code).toBe(code);
      expect(ts.code).toBe(code);
      expect(pre.out).toBe(ts.out);
      expect(pre.err).toBe(ts.err);
    },
  );

  it('verify loads none of the server modules', async () => {
    const r = await wattproof(['verify', good, '--log-key', vector.logVkey]);
    expect(r.ran).toBe('prebuilt');
    expect(r.out).toMatch(/^OK bundle of log /);
    const server = r.modules.filter((u) =>
      /\/node_modules\/(fastify|@fastify|level|classic-level|mqtt|aedes|viem|tsx)\//.test(u),
    );
    expect(server).toEqual([]);
  });
});

describe('when the prebuilt command line is not fresh', () => {
  /** A copy of the build whose manifest is changed by `edit`. */
  async function copyWith(edit: (m: PrebuiltManifest) => PrebuiltManifest): Promise<string> {
    const dir = await mkdtemp(join(work, 'copy-'));
    await cp(built, dir, { recursive: true });
    const file = join(dir, MANIFEST_FILE);
    const m = JSON.parse(await readFile(file, 'utf8')) as PrebuiltManifest;
    await writeFile(file, JSON.stringify(edit(m)));
    return dir;
  }

  it('takes the loader when a source has another mtime than at the build', async () => {
    const dir = await copyWith((m) => ({
      ...m,
      inputs: m.inputs.map((f) =>
        f.path === 'src/cli/verify.ts' ? { ...f, mtimeMs: f.mtimeMs - 1000 } : f,
      ),
    }));
    expect(choosePrebuilt(ROOT, { WATTPROOF_PREBUILT_DIR: dir }).reason).toBe(
      'src/cli/verify.ts changed',
    );
    const r = await wattproof(['verify', bad, '--log-key', vector.logVkey], { dir });
    expect(r.ran).toBe('loader');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAILED SUMMARY_MISMATCH: /);
  });

  it('takes the loader when there is no manifest', async () => {
    const dir = await mkdtemp(join(work, 'empty-'));
    const r = await wattproof(['--help'], { dir });
    expect(r.ran).toBe('loader');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: wattproof <command>/);
  });

  it('takes the loader with WATTPROOF_NO_PREBUILT=1, and the build with =0', async () => {
    expect(choosePrebuilt(ROOT, { WATTPROOF_PREBUILT_DIR: built }).entry).toBe(
      pathToFileURL(join(built, 'main.js')).href,
    );
    expect(
      choosePrebuilt(ROOT, { WATTPROOF_PREBUILT_DIR: built, WATTPROOF_NO_PREBUILT: '1' }).entry,
    ).toBeUndefined();
    expect(
      choosePrebuilt(ROOT, { WATTPROOF_PREBUILT_DIR: built, WATTPROOF_NO_PREBUILT: '0' }).entry,
    ).toBeDefined();
  });
});

describe('when the manifest is checked against the files', () => {
  /** A package root with two sources and a built file, and the manifest of that build. */
  async function fixture(): Promise<{ root: string; manifest: string }> {
    const root = await mkdtemp(join(tmp.path, 'root-'));
    await mkdir(join(root, 'src'));
    await mkdir(join(root, 'out'));
    await writeFile(join(root, 'src', 'a.ts'), 'export const a = 1;\n');
    await writeFile(join(root, 'src', 'b.ts'), 'export const b = 2;\n');
    await writeFile(join(root, 'out', 'main.js'), 'export {};\n');
    const inputs = [];
    for (const path of ['src/a.ts', 'src/b.ts']) {
      const s = await stat(join(root, path));
      inputs.push({ path, size: s.size, mtimeMs: s.mtimeMs });
    }
    const m: PrebuiltManifest = {
      format: MANIFEST_FORMAT,
      version: '0.0.0',
      builtAt: new Date().toISOString(),
      entry: 'main.js',
      inputs,
      outputs: [{ path: 'main.js', size: 11 }],
    };
    const manifest = join(root, 'out', MANIFEST_FILE);
    await writeFile(manifest, JSON.stringify(m));
    return { root, manifest };
  }

  it('is fresh while every file is as recorded', async () => {
    const f = await fixture();
    expect(checkManifest(f.root, f.manifest)).toEqual({
      entry: pathToFileURL(join(f.root, 'out', 'main.js')).href,
    });
  });

  it('is stale once a source is touched, even with the same bytes', async () => {
    const f = await fixture();
    const later = new Date(Date.now() + 5_000);
    await utimes(join(f.root, 'src', 'b.ts'), later, later);
    expect(checkManifest(f.root, f.manifest)).toEqual({ reason: 'src/b.ts changed' });
  });

  it('is stale once a source changes size, or is gone', async () => {
    let f = await fixture();
    const s = await stat(join(f.root, 'src', 'a.ts'));
    await writeFile(join(f.root, 'src', 'a.ts'), 'export const a = 10;\n');
    await utimes(join(f.root, 'src', 'a.ts'), s.atime, s.mtime);
    expect(checkManifest(f.root, f.manifest).reason).toBe('src/a.ts changed');
    f = await fixture();
    await rm(join(f.root, 'src', 'a.ts'));
    expect(checkManifest(f.root, f.manifest).reason).toBe('src/a.ts is gone');
  });

  it('is stale when a built file is missing or another size', async () => {
    let f = await fixture();
    await rm(join(f.root, 'out', 'main.js'));
    expect(checkManifest(f.root, f.manifest).reason).toBe('the built main.js changed');
    f = await fixture();
    await writeFile(join(f.root, 'out', 'main.js'), 'export const x = 1;\n');
    expect(checkManifest(f.root, f.manifest).reason).toBe('the built main.js changed');
  });

  it('is stale without a manifest, or with one it cannot read', async () => {
    const f = await fixture();
    expect(checkManifest(f.root, join(f.root, 'none.json')).reason).toMatch(/^no readable/);
    await writeFile(f.manifest, '{"format":2}');
    expect(checkManifest(f.root, f.manifest).reason).toMatch(/is not a manifest of format 1$/);
    await writeFile(f.manifest, '{');
    expect(checkManifest(f.root, f.manifest).reason).toMatch(/^no readable/);
  });
});

describe('when the command line is built', () => {
  it('records every project source with its size and mtime, and nothing from node_modules', async () => {
    const m = JSON.parse(await readFile(join(built, MANIFEST_FILE), 'utf8')) as PrebuiltManifest;
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(m.format).toBe(MANIFEST_FORMAT);
    expect(m.version).toBe(pkg.version);
    expect(m.entry).toBe('main.js');
    const paths = m.inputs.map((f) => f.path);
    for (const p of [
      'src/cli/main.ts',
      'src/cli/verify.ts',
      'src/cli/start.ts',
      'src/node-fast/verify-worker.ts',
      'anchors/witness/cli.ts',
      'package.json',
      'tsconfig.json',
    ]) {
      expect(paths).toContain(p);
    }
    expect(paths.filter((p) => p.includes('node_modules') || p.startsWith('/'))).toEqual([]);
    for (const f of m.inputs) {
      const s = await stat(join(ROOT, f.path));
      expect({ path: f.path, size: s.size }).toEqual({ path: f.path, size: f.size });
    }
    const outputs = m.outputs.map((f) => f.path);
    expect(outputs).toContain('main.js');
    expect(outputs).toContain('verify-worker.js');
    expect(outputs).toContain('main.js.map');
    // One chunk per command, so that each loads only its own modules.
    for (const command of ['verify', 'certify', 'start', 'bundle', 'devices']) {
      expect(outputs.some((p) => p.startsWith(`${command}-`) && p.endsWith('.js'))).toBe(true);
    }
  });
});

describe('when wattproof start runs prebuilt', () => {
  it('comes up on free ports, serves /verify/ and /docs, and checks signatures', async () => {
    const data = await tempDir('wattproof-prebuilt-start-');
    const root = `prebuilt-${randomBytes(4).toString('hex')}/wattproof/v1`;
    const traceFile = join(tmp.path, 'trace-start.txt');
    const child = spawn(
      process.execPath,
      [
        '--import',
        pathToFileURL(trace).href,
        BIN,
        'start',
        '--data-dir',
        data.path,
        '--http-port',
        '0',
        '--mqtt-port',
        '0',
        '--topic-root',
        root,
        '--clock-skew',
        '86400',
      ],
      { cwd: tmp.path, env: environment({}, traceFile), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      await waitFor(() => /API\s+http:\S+/.test(out), 'the node to start', 20_000);
      const api = /API\s+(http:\S+)/.exec(out)![1]!;
      const port = Number(/embedded broker on 127\.0\.0\.1:(\d+)/.exec(out)![1]);

      const page = await fetch(`${api}/verify/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toMatch(/<script>[^]+<\/script>/);
      const docs = await fetch(`${api}/docs`);
      expect(docs.status).toBe(200);
      expect(await docs.text()).toMatch(/swagger/i);

      const token = (await readFile(join(data.path, 'operator.token'), 'utf8')).trim();
      const credential = await registerDevice(api, token, DEV_C, ['mtr-C']);
      // A reading dated a day ago, so that the real clock accepts it.
      const shift = Math.floor(Date.now() / 1000) - NOW_MS / 1000 - 86_400;
      const r = reading('mtr-C', 1);
      const bytes = signed(DEV_C, {
        ...r,
        intervalStart: r.intervalStart + shift,
        intervalEnd: r.intervalEnd + shift,
      });
      const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
        protocolVersion: 4,
        reconnectPeriod: 0,
        username: credential.username,
        password: credential.password,
      });
      try {
        await device.publishAsync(meterReadingsTopic('mtr-C', root), Buffer.from(bytes), {
          qos: 1,
        });
      } finally {
        await device.endAsync();
      }
      const metrics = await (await fetch(`${api}/metrics`)).text();
      expect(metrics).toMatch(/ingest_readings_total\{outcome="accepted"\} 1\b/);

      child.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(0);
      expect((await ranFrom(traceFile, built)).ran).toBe('prebuilt');
      // The signature workers started from verify-worker.js (a failure is logged as [verify]).
      expect(err).not.toMatch(/\[verify\]/);
    } finally {
      child.kill('SIGKILL');
      await data.remove();
    }
  }, 60_000);
});
