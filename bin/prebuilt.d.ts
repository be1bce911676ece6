/** Types of `prebuilt.js`: the freshness check of the prebuilt command line (docs/cli.md). */

/** The manifest's name in the folder of a prebuilt command line. */
export declare const MANIFEST_FILE: 'manifest.json';

/** The manifest format written by scripts/build-cli.ts and read here. */
export declare const MANIFEST_FORMAT: 1;

/** The folder of the prebuilt command line below the package root, by default. */
export declare const DEFAULT_PREBUILT_DIR: 'dist/cli';

/** A project file the bundle was made from, relative to the package root. */
export interface ManifestInput {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** A file the build wrote, relative to the manifest's folder. */
export interface ManifestOutput {
  readonly path: string;
  readonly size: number;
}

/** `manifest.json` of a prebuilt command line. */
export interface PrebuiltManifest {
  readonly format: typeof MANIFEST_FORMAT;
  /** The package.json version the build was made from. */
  readonly version: string;
  /** When the build ran (ISO 8601), for people. */
  readonly builtAt: string;
  /** The module to import, relative to the manifest's folder. */
  readonly entry: string;
  readonly inputs: readonly ManifestInput[];
  readonly outputs: readonly ManifestOutput[];
}

/** Fresh: the entry module's file URL; stale or absent: why. */
export type PrebuiltCheck =
  | { readonly entry: string; readonly reason?: undefined }
  | { readonly entry?: undefined; readonly reason: string };

/**
 * Checks the manifest `manifestPath` against the files as they are now: inputs relative to
 * `root`, outputs relative to the manifest's folder.
 */
export declare function checkManifest(root: string, manifestPath: string): PrebuiltCheck;

/**
 * What `bin/wattproof.js` runs for the package at `root`: the prebuilt entry module when
 * `WATTPROOF_NO_PREBUILT` is not set and the build in `WATTPROOF_PREBUILT_DIR` (default
 * `dist/cli` of the package) is fresh, otherwise the reason it is not used.
 */
export declare function choosePrebuilt(
  root: string,
  env?: Readonly<Record<string, string | undefined>>,
): PrebuiltCheck;
