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

/**
 * Record type bytes. Every part of a node keeps its records in the one LevelDB database under
 * its own prefix, so that a batch can commit log entries and the records that go with them
 * atomically. docs/log-format.md lists them all.
 */
export const KeyPrefix = {
  /** Leaf data by index (the log). */
  entry: 0x01,
  /** Hash tiles (the log). */
  tile: 0x02,
  /** Tree state and sequenced size (the log). */
  meta: 0x03,
  /** Signed checkpoints by size (the log). */
  checkpoint: 0x04,
  /** Per-meter ingest state: last sequence, registers, flags (ingest). */
  meterState: 0x10,
  /** (meter, sequence) → leaf index and entry hash, for duplicates and equivocation (ingest). */
  meterSequence: 0x11,
  /** Equivocation evidence: the conflicting bytes (ingest). */
  evidence: 0x12,
  /** Private entry records: salt, entry bytes, metadata by leaf index (ledger). */
  entryRecord: 0x20,
  /** Meter index: (meter, interval start, leaf index) (ledger). */
  meterIndex: 0x21,
  /** Erasure audit records by request id (ledger). */
  erasure: 0x22,
  /** Chain heads: a meter's last chained reading, index and leaf hash (ledger). */
  chainHead: 0x23,
  /** Key registry: signers by id, OCMF serials (registry). */
  registry: 0x30,
  /** Quarantine: rejected messages and counters (ingest). */
  quarantine: 0x40,
  /** API tokens, stored hashed (api). */
  token: 0x50,
  /** Anchor records with the checkpoint they anchor, by (type, tree size) (anchors). */
  anchor: 0x60,
} as const;

/** A key made of a prefix byte and parts: byte arrays as they are, strings length-prefixed UTF-8, numbers u64be. */
export function compositeKey(
  prefix: number,
  ...parts: readonly (Uint8Array | string | number)[]
): Uint8Array {
  // Written in one allocation: keys are made for every record of every reading.
  let n = 1;
  let encoded: (Uint8Array | undefined)[] | undefined;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (typeof p === 'number') {
      if (!Number.isSafeInteger(p) || p < 0) {
        throw new RangeError('u64be: not a non-negative safe integer');
      }
      n += 8;
    } else if (typeof p === 'string') {
      let len = isAscii(p) ? p.length : -1;
      if (len < 0) {
        const e = utf8(p);
        (encoded ??= [])[i] = e;
        len = e.length;
      }
      if (len > 255) throw new RangeError('compositeKey: string part longer than 255 bytes');
      n += 1 + len;
    } else n += p.length;
  }
  const out = new Uint8Array(n);
  out[0] = prefix;
  let o = 1;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (typeof p === 'number') {
      const hi = Math.floor(p / 2 ** 32);
      const lo = p >>> 0;
      out[o] = hi >>> 24;
      out[o + 1] = (hi >>> 16) & 0xff;
      out[o + 2] = (hi >>> 8) & 0xff;
      out[o + 3] = hi & 0xff;
      out[o + 4] = lo >>> 24;
      out[o + 5] = (lo >>> 16) & 0xff;
      out[o + 6] = (lo >>> 8) & 0xff;
      out[o + 7] = lo & 0xff;
      o += 8;
    } else if (typeof p === 'string') {
      const e = encoded?.[i];
      if (e === undefined) {
        out[o++] = p.length;
        for (let j = 0; j < p.length; j++) out[o++] = p.charCodeAt(j);
      } else {
        out[o++] = e.length;
        out.set(e, o);
        o += e.length;
      }
    } else {
      out.set(p, o);
      o += p.length;
    }
  }
  return out;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

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
