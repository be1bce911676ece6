/**
 * Reads a bundle file for the CLI: JSON as written by the bundle route, or the same gzipped
 * (RFC 1952, recognised by its magic bytes 1f 8b), which is how a year's bundle is best kept
 * and sent: its base64 fields and proof hashes shrink to about their binary size.
 */
import { open } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

/**
 * Largest bundle the CLI reads or inflates, bytes: 500 MiB, below the longest string V8 holds
 * (2^29 − 24 characters), which the JSON must become. A node serves bundles of at most 32 MiB
 * by default (docs/bundle.md §Limits); a year of 15-minute readings of one meter is 13.8 MB.
 */
export const MAX_BUNDLE_BYTES = 500 * 1024 * 1024;

/** A bundle file could not be read: missing, not a file, too large, or a broken gzip stream. */
export class BundleFileError extends Error {
  override readonly name = 'BundleFileError';
}

/**
 * The bundle bytes of `path`, inflated when gzipped. Throws {@link BundleFileError} with a
 * readable message (the CLI's usage error), never for a bundle of up to
 * {@link MAX_BUNDLE_BYTES}.
 */
export async function readBundleFile(path: string): Promise<Uint8Array> {
  let raw: Uint8Array;
  try {
    const file = await open(path);
    try {
      const { size } = await file.stat();
      if (size > MAX_BUNDLE_BYTES) {
        throw new BundleFileError(
          `${size} bytes, more than the ${MAX_BUNDLE_BYTES} a bundle file may have: ask for shorter periods or fewer meters`,
        );
      }
      raw = new Uint8Array(await file.readFile());
    } finally {
      await file.close();
    }
  } catch (e) {
    if (e instanceof BundleFileError) throw e;
    throw new BundleFileError((e as Error).message, { cause: e });
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return new Uint8Array(gunzipSync(raw, { maxOutputLength: MAX_BUNDLE_BYTES }));
    } catch (e) {
      throw new BundleFileError(`not a readable gzip file: ${(e as Error).message}`, { cause: e });
    }
  }
  return raw;
}
