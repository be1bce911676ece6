/**
 * Cuts what the log read model returns down to exactly the resource a C2SP tlog-tiles path
 * names: a tile `.p/<W>` is exactly W hashes (a bundle exactly W entries), never a wider one.
 * Tiles only grow, so the first W hashes of a wider tile are the partial tile of width W.
 */
import { HASH_SIZE } from '../core/merkle/index.ts';
import { ApiError } from './errors.ts';

/**
 * The first `width` hashes of `tile` (C2SP tlog-tiles "Merkle Tree"). Throws `INTERNAL_ERROR`
 * when the read model returned fewer, a storage fault rather than a client error.
 */
export function exactHashTile(tile: Uint8Array, width: number): Uint8Array {
  const length = width * HASH_SIZE;
  if (tile.length < length || tile.length % HASH_SIZE !== 0) {
    throw new ApiError('INTERNAL_ERROR', 'read model returned a malformed hash tile', {
      evidence: { width, bytes: tile.length },
    });
  }
  return tile.subarray(0, length);
}

/**
 * The first `width` entries of `bundle`, a sequence of big-endian uint16 length-prefixed
 * entries (C2SP tlog-tiles "Log entries"). Throws `INTERNAL_ERROR` when it holds fewer.
 */
export function exactEntryBundle(bundle: Uint8Array, width: number): Uint8Array {
  let offset = 0;
  for (let i = 0; i < width; i++) {
    if (offset + 2 > bundle.length) throw shortBundle(width, i, bundle.length);
    const size = (bundle[offset]! << 8) | bundle[offset + 1]!;
    offset += 2 + size;
    if (offset > bundle.length) throw shortBundle(width, i, bundle.length);
  }
  return bundle.subarray(0, offset);
}

function shortBundle(width: number, entries: number, bytes: number): ApiError {
  return new ApiError('INTERNAL_ERROR', 'read model returned a malformed entry bundle', {
    evidence: { width, entries, bytes },
  });
}
