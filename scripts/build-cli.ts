/**
 * `npm run build:cli [-- --outdir DIR] [--manifest FILE]`: bundles the command line
 * (`src/cli/main.ts`) with esbuild into JavaScript that `bin/wattproof.js` runs instead of the
 * TypeScript sources while they are unchanged (docs/cli.md). ESM for Node 20, npm packages left
 * as imports but for @noble's (bundled: they load faster so), code splitting so that each command's dynamic `import()` stays a chunk of its own
 * (`verify` loads no server), source maps; `verify-worker.js` is the ingest pool's worker
 * (`src/node-fast/verify-pool.ts`). Default outdir `dist/cli`.
 *
 * The manifest (default `manifest.json` in the outdir, written last) lists every project file
 * the bundle was made from, with its size and mtime as read, `package.json` and `tsconfig.json`
 * (esbuild's TypeScript settings) besides, and every file written; `bin/prebuilt.js` checks it.
 * Exit status 1 when the build fails, which fails `npm ci` too (package.json `prepare`). esbuild
 * is there in every install, `--omit=dev` included: tsx depends on it.
 */
import { realpathSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build, formatMessages, type Loader, type Plugin } from 'esbuild';
import {
  DEFAULT_PREBUILT_DIR,
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  type ManifestInput,
  type ManifestOutput,
  type PrebuiltManifest,
} from '../bin/prebuilt.js';

/** The package root. */
const ROOT = resolve(import.meta.dirname, '..');

/** Project files esbuild does not list as inputs but reads or depends on. */
const CONFIG_FILES = ['package.json', 'tsconfig.json'] as const;

const LOADERS: Readonly<Record<string, Loader>> = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.js': 'js',
  '.mjs': 'js',
  '.json': 'json',
};

/** Options of {@link buildCli}; paths relative to the working folder. */
export interface BuildCliOptions {
  /** Where the bundle goes; default `dist/cli` of the package. */
  readonly outdir?: string;
  /** The manifest file; default `manifest.json` in `outdir`. */
  readonly manifest?: string;
}

/** What {@link buildCli} wrote. */
export interface BuildCliResult {
  readonly outdir: string;
  readonly manifest: string;
  readonly inputs: number;
  readonly outputs: number;
  readonly bytes: number;
}

/** Why {@link buildCli} stopped. */
export type CliBuildErrorCode =
  /** esbuild reported errors. */
  | 'BUILD_FAILED'
  /** A source or configuration file was written while the build read it. */
  | 'SOURCE_CHANGED';

/** Why the command line was not built; nothing was written. */
export class CliBuildError extends Error {
  override readonly name = 'CliBuildError';
  constructor(
    readonly code: CliBuildErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

function projectPath(file: string): string {
  return relative(ROOT, file).split(sep).join('/');
}

/**
 * Loads project files itself, to record each file's size and mtime together with the bytes
 * esbuild bundles: a file written during the build fails it rather than being recorded fresh.
 */
function recordingLoader(seen: Map<string, ManifestInput>): Plugin {
  return {
    name: 'wattproof-record-inputs',
    setup(b) {
      b.onLoad({ filter: /\.(?:m?ts|m?js|json)$/ }, async (args) => {
        if (args.namespace !== 'file' || args.path.split(sep).includes('node_modules')) return;
        const fh = await open(args.path, 'r');
        try {
          const before = await fh.stat();
          const contents = await fh.readFile();
          const after = await fh.stat();
          if (before.mtimeMs !== after.mtimeMs || contents.length !== after.size) {
            throw new CliBuildError(
              'SOURCE_CHANGED',
              `${args.path} changed while it was read; build again`,
            );
          }
          const path = projectPath(args.path);
          seen.set(path, { path, size: after.size, mtimeMs: after.mtimeMs });
          return { contents, loader: LOADERS[extname(args.path)] ?? 'js' };
        } finally {
          await fh.close();
        }
      });
    },
  };
}

async function statInput(path: string): Promise<ManifestInput> {
  const s = await stat(join(ROOT, path));
  return { path, size: s.size, mtimeMs: s.mtimeMs };
}

async function previousOutputs(manifest: string): Promise<string[]> {
  try {
    const m = JSON.parse(await readFile(manifest, 'utf8')) as Partial<PrebuiltManifest>;
    const dir = dirname(manifest);
    return (m.outputs ?? []).map((o) => resolve(dir, o.path));
  } catch {
    return [];
  }
}

/** Packages bundled into the command line rather than imported from node_modules. */
const BUNDLED = new Set(['@noble/curves', '@noble/hashes']);

/** Every dependency of package.json but {@link BUNDLED}, with its subpaths. */
async function externalPackages(): Promise<string[]> {
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
  return names.filter((n) => !BUNDLED.has(n)).flatMap((n) => [n, `${n}/*`]);
}

/**
 * Builds the command line into `outdir` and writes the manifest. The old manifest is removed
 * first and the new one written last, so `bin/wattproof.js` never takes a half-written build
 * for a fresh one. Throws {@link CliBuildError}.
 */
export async function buildCli(options: BuildCliOptions = {}): Promise<BuildCliResult> {
  const outdir = resolve(options.outdir ?? join(ROOT, DEFAULT_PREBUILT_DIR));
  const manifestFile = resolve(options.manifest ?? join(outdir, MANIFEST_FILE));
  const config = await Promise.all(CONFIG_FILES.map(statInput));
  const seen = new Map<string, ManifestInput>();
  let result;
  try {
    result = await build({
      absWorkingDir: ROOT,
      entryPoints: { main: 'src/cli/main.ts', 'verify-worker': 'src/node-fast/verify-worker.ts' },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // npm packages stay imports, but for @noble's: dozens of small modules that the
      // verifier loads at start, resolved and read one by one (about 40 ms) unless bundled.
      external: await externalPackages(),
      outdir,
      // Flat: every chunk beside main.js, so `new URL('./x.js', import.meta.url)` finds x.js.
      entryNames: '[name]',
      chunkNames: '[name]-[hash]',
      sourcemap: true,
      metafile: true,
      write: false,
      logLevel: 'silent',
      plugins: [recordingLoader(seen)],
    });
  } catch (e) {
    const changed = (e as { errors?: { detail?: unknown }[] }).errors
      ?.map((m) => m.detail)
      .find((d) => d instanceof CliBuildError);
    if (changed !== undefined) throw changed;
    const message = `the command line did not build: ${(e as Error).message}`;
    throw new CliBuildError('BUILD_FAILED', message, { cause: e });
  }
  for (const w of await formatMessages(result.warnings, { kind: 'warning' })) {
    process.stderr.write(w);
  }
  const inputs: ManifestInput[] = [];
  for (const path of Object.keys(result.metafile.inputs).sort()) {
    if (path.split('/').includes('node_modules') || path.includes(':')) continue;
    inputs.push(seen.get(path) ?? (await statInput(path)));
  }
  for (const [i, before] of config.entries()) {
    const now = await statInput(before.path);
    if (now.size !== before.size || now.mtimeMs !== before.mtimeMs) {
      throw new CliBuildError(
        'SOURCE_CHANGED',
        `${before.path} changed during the build; build again`,
      );
    }
    inputs.push(config[i]!);
  }

  // The previous build's files that this one does not write again (chunk names change).
  const fresh = new Set(result.outputFiles.map((f) => f.path));
  const old = (await previousOutputs(manifestFile)).filter(
    (f) => !fresh.has(f) && !relative(outdir, f).startsWith('..'),
  );
  await rm(manifestFile, { force: true });
  await Promise.all(old.map((f) => rm(f, { force: true })));
  await mkdir(outdir, { recursive: true });
  const outputs: ManifestOutput[] = [];
  let bytes = 0;
  for (const f of result.outputFiles) {
    await mkdir(dirname(f.path), { recursive: true });
    await writeFile(f.path, f.contents);
    bytes += f.contents.length;
    const path = relative(dirname(manifestFile), f.path).split(sep).join('/');
    outputs.push({ path, size: f.contents.length });
  }
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
  };
  const manifest: PrebuiltManifest = {
    format: MANIFEST_FORMAT,
    version: pkg.version,
    builtAt: new Date().toISOString(),
    entry: relative(dirname(manifestFile), join(outdir, 'main.js')).split(sep).join('/'),
    inputs,
    outputs,
  };
  await mkdir(dirname(manifestFile), { recursive: true });
  const tmp = `${manifestFile}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(manifest, null, 1)}\n`);
  await rename(tmp, manifestFile);
  return { outdir, manifest: manifestFile, inputs: inputs.length, outputs: outputs.length, bytes };
}

function isMain(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  const { values } = parseArgs({
    options: { outdir: { type: 'string' }, manifest: { type: 'string' } },
    strict: true,
  });
  try {
    const r = await buildCli({
      ...(values.outdir !== undefined ? { outdir: values.outdir } : {}),
      ...(values.manifest !== undefined ? { manifest: values.manifest } : {}),
    });
    const kb = Math.round(r.bytes / 1024);
    process.stdout.write(
      `built ${projectPath(r.outdir)}/ (${r.outputs} files, ${kb} kB) from ${r.inputs} project files; manifest ${projectPath(r.manifest)}\n`,
    );
  } catch (e) {
    process.stderr.write(`build:cli: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
