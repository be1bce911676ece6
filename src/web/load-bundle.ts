/**
 * Reads a bundle file the page was given: JSON as the bundle route writes it, or the same
 * gzipped (RFC 1952, recognised by its magic bytes 1f 8b) and inflated in the browser with
 * `DecompressionStream` (WHATWG Compression Standard §5).
 */

/**
 * Largest bundle the page reads or inflates, bytes: 500 MiB, as the CLI (a year of 15-minute
 * readings of one meter is 13.8 MB; a node serves at most 32 MiB by default).
 */
export const MAX_PAGE_BUNDLE_BYTES = 500 * 1024 * 1024;

/** Why a file could not be read: `TOO_LARGE`, `BAD_GZIP` or `UNREADABLE`. */
export type LoadErrorCode = 'TOO_LARGE' | 'BAD_GZIP' | 'UNREADABLE';

/** A bundle file could not be read (not a verdict on a bundle: there is none). */
export class BundleLoadError extends Error {
  override readonly name = 'BundleLoadError';

  constructor(
    readonly code: LoadErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function tooLarge(size: number | string): BundleLoadError {
  return new BundleLoadError(
    'TOO_LARGE',
    `${size} bytes, more than the ${MAX_PAGE_BUNDLE_BYTES} a bundle file may have`,
  );
}

/** True for the gzip magic bytes (RFC 1952 §2.3.1: ID1 = 31, ID2 = 139). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Inflates a gzip member, refusing more than {@link MAX_PAGE_BUNDLE_BYTES} of output. */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const reader = new Blob([bytes as Uint8Array<ArrayBuffer>])
      .stream()
      .pipeThrough(new DecompressionStream('gzip'))
      .getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > MAX_PAGE_BUNDLE_BYTES) {
        await reader.cancel();
        throw tooLarge(`more than ${MAX_PAGE_BUNDLE_BYTES}`);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof BundleLoadError) throw e;
    throw new BundleLoadError('BAD_GZIP', `not a readable gzip file: ${String(e)}`, { cause: e });
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The bundle bytes of `file`, inflated when gzipped. Throws {@link BundleLoadError}. */
export async function readBundleBlob(file: Blob): Promise<Uint8Array> {
  if (file.size > MAX_PAGE_BUNDLE_BYTES) throw tooLarge(file.size);
  let raw: Uint8Array;
  try {
    raw = new Uint8Array(await file.arrayBuffer());
  } catch (e) {
    throw new BundleLoadError('UNREADABLE', `cannot read the file: ${String(e)}`, { cause: e });
  }
  return isGzip(raw) ? gunzip(raw) : raw;
}
