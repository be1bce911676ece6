// Whether the prebuilt command line (`npm run build:cli`, scripts/build-cli.ts) may run: its
// manifest lists every project file the bundle was made from with its size and modification
// time, and every file the build wrote with its size; the build is fresh while all of them
// still match. Stat calls only, no reading or hashing of the sources (docs/cli.md).
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

/** The manifest's name in the folder of a prebuilt command line. */
export const MANIFEST_FILE = 'manifest.json';

/** The manifest format written by scripts/build-cli.ts and read here. */
export const MANIFEST_FORMAT = 1;

/** The folder of the prebuilt command line below the package root, by default. */
export const DEFAULT_PREBUILT_DIR = 'dist/cli';

function isRecord(v, withTime) {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.path === 'string' &&
    typeof v.size === 'number' &&
    (!withTime || typeof v.mtimeMs === 'number')
  );
}

/**
 * Checks the manifest `manifestPath` against the files as they are now: inputs relative to
 * `root`, outputs relative to the manifest's folder.
 */
export function checkManifest(root, manifestPath) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch {
    return { reason: `no readable manifest at ${manifestPath}` };
  }
  if (
    manifest?.format !== MANIFEST_FORMAT ||
    typeof manifest.entry !== 'string' ||
    !Array.isArray(manifest.inputs) ||
    !Array.isArray(manifest.outputs) ||
    !manifest.inputs.every((f) => isRecord(f, true)) ||
    !manifest.outputs.every((f) => isRecord(f, false))
  ) {
    return { reason: `${manifestPath} is not a manifest of format ${MANIFEST_FORMAT}` };
  }
  for (const f of manifest.inputs) {
    const s = statSync(join(root, f.path), { throwIfNoEntry: false });
    if (s === undefined) return { reason: `${f.path} is gone` };
    if (s.size !== f.size || s.mtimeMs !== f.mtimeMs) return { reason: `${f.path} changed` };
  }
  const dir = dirname(manifestPath);
  for (const f of manifest.outputs) {
    const s = statSync(join(dir, f.path), { throwIfNoEntry: false });
    if (s === undefined || s.size !== f.size) return { reason: `the built ${f.path} changed` };
  }
  return { entry: pathToFileURL(join(dir, manifest.entry)).href };
}

/**
 * What `bin/wattproof.js` runs for the package at `root`: the prebuilt entry module (a file URL)
 * when `WATTPROOF_NO_PREBUILT` is not set and the build in `WATTPROOF_PREBUILT_DIR` (relative
 * to the working folder; default `dist/cli` of the package) is fresh, otherwise `entry`
 * undefined and the reason.
 */
export function choosePrebuilt(root, env = process.env) {
  const off = env.WATTPROOF_NO_PREBUILT;
  if (off !== undefined && off !== '' && off !== '0') {
    return { reason: 'WATTPROOF_NO_PREBUILT is set' };
  }
  const set = env.WATTPROOF_PREBUILT_DIR;
  const dir = set ? resolve(set) : join(root, DEFAULT_PREBUILT_DIR);
  return checkManifest(root, join(dir, MANIFEST_FILE));
}
