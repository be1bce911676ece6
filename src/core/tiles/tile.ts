/**
 * Byte formats of C2SP tlog-tiles resources: hash tiles (concatenated 32-byte hashes) and entry
 * bundles (big-endian uint16 length-prefixed entries).
 */
import { HASH_SIZE } from '../merkle/index.ts';
import { TileError } from './errors.ts';
import { TILE_WIDTH } from './layout.ts';

/** Largest entry a uint16 length prefix can frame. */
export const MAX_ENTRY_SIZE = 0xffff;

/**
 * A hash tile's bytes: its 1..256 hashes concatenated (C2SP tlog-tiles "Merkle Tree"; a full
 * tile is 8,192 bytes). Throws `MALFORMED_TILE` for a wrong count or a hash that is not 32 bytes.
 */
export function encodeHashTile(hashes: readonly Uint8Array[]): Uint8Array {
  if (!Array.isArray(hashes) || hashes.length < 1 || hashes.length > TILE_WIDTH) {
    throw new TileError('MALFORMED_TILE', 'a tile holds 1..256 hashes', {
      evidence: { count: Array.isArray(hashes) ? hashes.length : typeof hashes },
    });
  }
  const out = new Uint8Array(hashes.length * HASH_SIZE);
  hashes.forEach((h, i) => {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
      throw new TileError('MALFORMED_TILE', `hash ${i} is not ${HASH_SIZE} bytes`);
    }
    out.set(h, i * HASH_SIZE);
  });
  return out;
}

/**
 * The hashes of a hash tile. Throws `MALFORMED_TILE` unless the length is a whole number of
 * 1..256 hashes and, when `width` is given, exactly `width` of them.
 */
export function decodeHashTile(bytes: Uint8Array, width?: number): Uint8Array[] {
  if (!(bytes instanceof Uint8Array) || bytes.length % HASH_SIZE !== 0) {
    throw new TileError('MALFORMED_TILE', 'tile length is not a multiple of 32', {
      evidence: { length: bytes instanceof Uint8Array ? bytes.length : typeof bytes },
    });
  }
  const count = bytes.length / HASH_SIZE;
  if (count < 1 || count > TILE_WIDTH || (width !== undefined && count !== width)) {
    throw new TileError('MALFORMED_TILE', `tile has ${count} hashes`, {
      evidence: { count, expected: width ?? '1..256' },
    });
  }
  const hashes: Uint8Array[] = [];
  for (let i = 0; i < count; i++) hashes.push(bytes.slice(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  return hashes;
}

/**
 * An entry bundle's bytes: each entry as a big-endian uint16 length then its bytes (C2SP
 * tlog-tiles "Log entries"). Throws `ENTRY_TOO_LARGE` for an entry over 65,535 bytes and
 * `MALFORMED_BUNDLE` for other than 1..256 entries.
 */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (!Array.isArray(entries) || entries.length < 1 || entries.length > TILE_WIDTH) {
    throw new TileError('MALFORMED_BUNDLE', 'a bundle holds 1..256 entries', {
      evidence: { count: Array.isArray(entries) ? entries.length : typeof entries },
    });
  }
  let total = 0;
  entries.forEach((e, i) => {
    if (!(e instanceof Uint8Array))
      throw new TileError('MALFORMED_BUNDLE', `entry ${i} is not bytes`);
    if (e.length > MAX_ENTRY_SIZE) {
      throw new TileError('ENTRY_TOO_LARGE', `entry ${i} is ${e.length} bytes, over 65535`, {
        evidence: { entry: i, length: e.length },
      });
    }
    total += 2 + e.length;
  });
  const out = new Uint8Array(total);
  let o = 0;
  for (const e of entries) {
    out[o] = e.length >> 8;
    out[o + 1] = e.length & 0xff;
    out.set(e, o + 2);
    o += 2 + e.length;
  }
  return out;
}

/**
 * The entries of an entry bundle. Throws `MALFORMED_BUNDLE` when a length prefix or entry is
 * truncated, when there are not 1..256 entries, or, when `width` is given, not exactly `width`.
 */
export function decodeEntryBundle(bytes: Uint8Array, width?: number): Uint8Array[] {
  if (!(bytes instanceof Uint8Array)) {
    throw new TileError('MALFORMED_BUNDLE', 'an entry bundle is bytes');
  }
  const entries: Uint8Array[] = [];
  let o = 0;
  while (o < bytes.length) {
    if (entries.length === TILE_WIDTH) {
      throw new TileError('MALFORMED_BUNDLE', 'more than 256 entries', { evidence: { offset: o } });
    }
    if (o + 2 > bytes.length) {
      throw new TileError('MALFORMED_BUNDLE', 'truncated length prefix', {
        evidence: { offset: o },
      });
    }
    const len = (bytes[o]! << 8) | bytes[o + 1]!;
    if (o + 2 + len > bytes.length) {
      throw new TileError('MALFORMED_BUNDLE', 'truncated entry', {
        evidence: { offset: o, length: len, available: bytes.length - o - 2 },
      });
    }
    entries.push(bytes.slice(o + 2, o + 2 + len));
    o += 2 + len;
  }
  if (entries.length === 0 || (width !== undefined && entries.length !== width)) {
    throw new TileError('MALFORMED_BUNDLE', `bundle has ${entries.length} entries`, {
      evidence: { count: entries.length, expected: width ?? '1..256' },
    });
  }
  return entries;
}
