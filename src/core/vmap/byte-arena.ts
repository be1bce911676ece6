/**
 * Append-only byte storage for the map's keys and values (docs/index.md § The map): one chunk
 * list instead of one `Uint8Array` per field, so that a tree of ten million keys costs a few
 * typed arrays rather than twenty million small objects. A handle is
 * `chunk × 2^24 + offset`; fields never straddle chunks and chunks never move, so a view stays
 * valid for the arena's life.
 */

const CHUNK_BITS = 24;
const CHUNK_LIMIT = 2 ** CHUNK_BITS;
const FIRST_CHUNK = 4096;
const MAX_CHUNKS = 2 ** 32 / CHUNK_LIMIT;

/** Chunked append-only bytes, at most 4 GiB; fields are at most 2^24 bytes. */
export class ByteArena {
  readonly #chunks: Uint8Array[] = [];
  #used = 0;

  /** Copies `bytes` in; returns the handle of the copy. */
  put(bytes: Uint8Array): number {
    let chunk = this.#chunks[this.#chunks.length - 1];
    if (chunk === undefined || chunk.length - this.#used < bytes.length) {
      if (this.#chunks.length === MAX_CHUNKS) {
        throw new RangeError('ByteArena: the map holds at most 4 GiB of keys and values');
      }
      const size = Math.min(CHUNK_LIMIT, FIRST_CHUNK * 2 ** this.#chunks.length);
      chunk = new Uint8Array(Math.max(size, bytes.length));
      this.#chunks.push(chunk);
      this.#used = 0;
    }
    chunk.set(bytes, this.#used);
    const handle = (this.#chunks.length - 1) * CHUNK_LIMIT + this.#used;
    this.#used += bytes.length;
    return handle;
  }

  /** A view of the `length` bytes at `handle` (not a copy). */
  view(handle: number, length: number): Uint8Array {
    const chunk = this.#chunks[Math.floor(handle / CHUNK_LIMIT)]!;
    const at = handle % CHUNK_LIMIT;
    return chunk.subarray(at, at + length);
  }

  /** Overwrites the bytes at `handle` with `bytes` (the caller keeps within the field's room). */
  write(handle: number, bytes: Uint8Array): void {
    this.#chunks[Math.floor(handle / CHUNK_LIMIT)]!.set(bytes, handle % CHUNK_LIMIT);
  }

  /** Bytes allocated, used or not. */
  get allocated(): number {
    let n = 0;
    for (const c of this.#chunks) n += c.length;
    return n;
  }
}
