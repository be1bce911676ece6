/**
 * esbuild for pages that use the WebCrypto checker (the test's and the benchmark's): the
 * worker (`src/web/webcrypto-worker.ts`) is bundled first as an IIFE, and its text goes into
 * the page's bundle through `define`, as a page built into one file gets it.
 */
import { join } from 'node:path';
import { build } from 'esbuild';

const ROOT = join(import.meta.dirname, '..', '..');
const WORKER = join(ROOT, 'src', 'web', 'webcrypto-worker.ts');

/** The worker's bundled source text. */
export async function webCryptoWorkerSource(): Promise<string> {
  const out = await build({
    entryPoints: [WORKER],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

/**
 * `source` (TypeScript, imports relative to the repository root) bundled for the browser as
 * an ES module, with the worker's text defined as `__WATTPROOF_WEBCRYPTO_WORKER__`.
 */
export async function bundlePage(source: string): Promise<string> {
  const worker = await webCryptoWorkerSource();
  const out = await build({
    stdin: { contents: source, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    define: { __WATTPROOF_WEBCRYPTO_WORKER__: JSON.stringify(worker) },
  });
  return out.outputFiles[0]!.text;
}

/** The flags the browser tests and benchmarks start Debian's Chromium with. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
