/**
 * LevelDB key layout of the log (docs/log-format.md). Every key starts with a one-byte record
 * type, followed by big-endian integers so that LevelDB's bytewise order is index order.
 *
 * | prefix | key                               | value                                        |
 * |--------|-----------------------------------|----------------------------------------------|
 * | 0x01   | u64be(index)                      | leaf data (the exact bytes that were hashed)  |
 * | 0x02   | u8(level) ‖ u64be(tile index)     | hash tile (C2SP tlog-tiles), 32..8192 bytes   |
 * | 0x03   | "tree"                            | integrated tree state (size, root, frontier)  |
 * | 0x03   | "seq"                             | sequenced size (next index to assign)         |
 * | 0x04   | u64be(tree size)                  | checkpoint signed at that size (signed note)  |
 */
import { readU64be, u64be, utf8 } from '../core/bytes.ts';

/** Record type bytes. */
export const KeyPrefix = {
  entry: 0x01,
  tile: 0x02,
  meta: 0x03,
  checkpoint: 0x04,
} as const;

function withPrefix(prefix: number, body: Uint8Array): Uint8Array {
  const k = new Uint8Array(1 + body.length);
  k[0] = prefix;
  k.set(body, 1);
  return k;
}

/** Key of the leaf data at `index`. */
export function entryKey(index: number): Uint8Array {
  return withPrefix(KeyPrefix.entry, u64be(index));
}

/** Index encoded in an entry key. */
export function indexOfEntryKey(key: Uint8Array): number {
  return readU64be(key, 1);
}

/** Key of hash tile `level`/`index`. */
export function tileKey(level: number, index: number): Uint8Array {
  const k = new Uint8Array(10);
  k[0] = KeyPrefix.tile;
  k[1] = level;
  k.set(u64be(index), 2);
  return k;
}

/** Key of the integrated tree state. */
export const TREE_STATE_KEY: Uint8Array = withPrefix(KeyPrefix.meta, utf8('tree'));

/** Key of the sequencer's next index. */
export const SEQUENCE_KEY: Uint8Array = withPrefix(KeyPrefix.meta, utf8('seq'));

/** Key of the checkpoint signed at `size`. */
export function checkpointKey(size: number): Uint8Array {
  return withPrefix(KeyPrefix.checkpoint, u64be(size));
}

/** Tree size encoded in a checkpoint key. */
export function sizeOfCheckpointKey(key: Uint8Array): number {
  return readU64be(key, 1);
}

/** First key after every key with this one-byte prefix (an exclusive range end). */
export function prefixEnd(prefix: number): Uint8Array {
  return Uint8Array.of(prefix + 1);
}

/** The one-byte key that starts a prefix range. */
export function prefixStart(prefix: number): Uint8Array {
  return Uint8Array.of(prefix);
}
