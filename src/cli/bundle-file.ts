/**
 * Reads a bundle file for the CLI: JSON as written by the bundle route, or the same gzipped
 * (RFC 1952, recognised by its magic bytes 1f 8b), which is how a year's bundle is best kept
 * and sent: its base64 fields and proof hashes shrink to about their binary size.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

/** Largest bundle the CLI inflates, bytes (a year of 15-minute readings is about 25 MB). */
export const MAX_BUNDLE_BYTES = 1 << 30;

/** The bundle bytes of `path`, inflated when gzipped. Throws with a readable message. */
export async function readBundleFile(path: string): Promise<Uint8Array> {
  const raw = new Uint8Array(await readFile(path));
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return new Uint8Array(gunzipSync(raw, { maxOutputLength: MAX_BUNDLE_BYTES }));
    } catch (e) {
      throw new Error(`not a readable gzip file: ${(e as Error).message}`);
    }
  }
  return raw;
}
