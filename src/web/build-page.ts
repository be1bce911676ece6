/**
 * Builds the verifier page (docs/verifier.md) into one self-contained HTML file: the page
 * script (`main.ts`) and the signature worker (`webcrypto-worker.ts`) bundled by esbuild for
 * the browser, the worker inlined into the script as text, script and style inlined into
 * `page.html`, and a Content-Security-Policy (CSP Level 3) that allows exactly those two
 * inline blocks (by SHA-256 hash), workers from `blob:`, and fetches only for the online step.
 * The page thus makes no request of its own. Node side: used by `npm run build:verifier` and
 * by the node's `/verify/` route, never loaded into the page.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type * as EsbuildModule from 'esbuild';

/**
 * The package's root folder: the nearest one above this module that holds a package.json. The
 * same whether this module runs from `src/web/` or bundled into a chunk of the prebuilt
 * command line in `dist/cli/` (scripts/build-cli.ts).
 */
export function packageRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${import.meta.dirname}`);
    dir = up;
  }
  return dir;
}

/** The page's sources, read and bundled when the page is built. */
const HERE = join(packageRoot(), 'src', 'web');

/** The name of the global that `webcrypto-checker.ts` reads the worker source from. */
export const WORKER_SOURCE_GLOBAL = '__WATTPROOF_WEBCRYPTO_WORKER__';

/** Why the page could not be built: esbuild is missing (a production install) or failed. */
export class PageBuildError extends Error {
  override readonly name = 'PageBuildError';
}

type Esbuild = typeof EsbuildModule;

async function loadEsbuild(): Promise<Esbuild> {
  try {
    return await import('esbuild');
  } catch (e) {
    throw new PageBuildError(
      'esbuild is not installed (a devDependency): run `npm ci`, or serve a page built by `npm run build:verifier`',
      { cause: e },
    );
  }
}

async function bundle(
  esbuild: Esbuild,
  entry: string,
  define: Record<string, string> = {},
): Promise<string> {
  const out = await esbuild.build({
    entryPoints: [join(HERE, entry)],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
    define,
  });
  return out.outputFiles[0]!.text;
}

function sha256Source(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** Text that may stand inside a `<script>` element (HTML §4.12.1.3): no `</script`. */
function scriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** The page as one HTML document (UTF-8 text). Throws {@link PageBuildError}. */
export async function buildVerifierPage(): Promise<string> {
  const esbuild = await loadEsbuild();
  let worker: string;
  let script: string;
  try {
    worker = await bundle(esbuild, 'webcrypto-worker.ts');
    script = scriptSafe(
      await bundle(esbuild, 'main.ts', { [WORKER_SOURCE_GLOBAL]: JSON.stringify(worker) }),
    );
  } catch (e) {
    throw new PageBuildError(`the verifier page did not build: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const [template, style, pkg] = await Promise.all([
    readFile(join(HERE, 'page.html'), 'utf8'),
    readFile(join(HERE, 'style.css'), 'utf8'),
    readFile(join(HERE, '..', '..', 'package.json'), 'utf8'),
  ]);
  const version = (JSON.parse(pkg) as { version: string }).version;
  const csp = [
    "default-src 'none'",
    `script-src ${sha256Source(script)}`,
    `style-src ${sha256Source(style)}`,
    'worker-src blob:',
    // The online step only (a node the auditor names); nothing else is ever fetched.
    'connect-src http: https:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  // Functions as replacements: `$&` and the like in the script stay as they are.
  // The hashes are of each element's whole text, so nothing may stand beside the code.
  return template
    .replace('%CSP%', () => csp)
    .replace('%VERSION%', () => `wattproof ${version}`)
    .replace(/<style>\s*%STYLE%\s*<\/style>/, () => `<style>${style}</style>`)
    .replace(/<script>\s*%SCRIPT%\s*<\/script>/, () => `<script>${script}</script>`);
}
