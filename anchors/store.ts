/**
 * Durable anchor records of a node: each record an anchor returned, together with the
 * log-signed checkpoint note (c2sp.org/tlog-checkpoint in a c2sp.org/signed-note) it anchors,
 * in the node's LevelDB under `KeyPrefix.anchor` (0x60).
 *
 * Key: `0x60 ‖ u8(len) ‖ type (UTF-8) ‖ u64be(tree size)`, so one type's records lie together
 * in size order. Value: UTF-8 JSON `{"checkpoint": <note>, "record": <AnchorRecordJson>}`.
 * Every write is an fsynced batch of its own.
 */
import { concatBytes, fromUtf8, utf8 } from '../src/core/bytes.ts';
import { compositeKey, KeyPrefix } from '../src/storage/index.ts';
import { StorageError } from '../src/storage/index.ts';
import type { LevelStore } from '../src/storage/index.ts';
import type { AnchorRecordJson } from './anchor.ts';

/** A stored anchor: the record and the log-signed checkpoint note it anchors. */
export interface StoredAnchor {
  /** The checkpoint as the log signed it (a signed note, no cosignatures). */
  readonly checkpoint: string;
  readonly record: AnchorRecordJson;
}

const MAX_SIZE_BYTES = new Uint8Array(8).fill(0xff);

function typePrefix(type: string): Uint8Array {
  return compositeKey(KeyPrefix.anchor, type);
}

/** Key of the record of `type` at tree size `size`. */
export function anchorKey(type: string, size: number): Uint8Array {
  return compositeKey(KeyPrefix.anchor, type, size);
}

/** The first key after every record of `type` (keys of a type are exactly prefix ‖ 8 bytes). */
function typeEnd(type: string): Uint8Array {
  return concatBytes(typePrefix(type), MAX_SIZE_BYTES, Uint8Array.of(0));
}

function decode(key: Uint8Array, value: Uint8Array): StoredAnchor {
  try {
    const v = JSON.parse(fromUtf8(value)) as unknown;
    if (typeof v !== 'object' || v === null) throw new TypeError('not an object');
    const { checkpoint, record } = v as { checkpoint?: unknown; record?: unknown };
    if (typeof checkpoint !== 'string') throw new TypeError('checkpoint is not a string');
    if (typeof record !== 'object' || record === null)
      throw new TypeError('record is not an object');
    const r = record as Record<string, unknown>;
    if (typeof r.type !== 'string' || typeof r.size !== 'number') {
      throw new TypeError('record has no type or size');
    }
    return { checkpoint, record: record as AnchorRecordJson };
  } catch (cause) {
    throw new StorageError('STORE_CORRUPT', 'an anchor record in the store cannot be decoded', {
      cause,
      evidence: { key: Array.from(key) },
    });
  }
}

/** Anchor records in a node's {@link LevelStore}. */
export class AnchorStore {
  constructor(private readonly store: LevelStore) {}

  /** Stores `anchor` under its record's type and size; resolves once it is fsynced. */
  async put(anchor: StoredAnchor): Promise<void> {
    const { type, size } = anchor.record;
    const value = utf8(JSON.stringify({ checkpoint: anchor.checkpoint, record: anchor.record }));
    await this.store.commit([this.store.putOp(anchorKey(type, size), value)], true);
  }

  /** The record of `type` at exactly `size`, if stored. */
  async get(type: string, size: number): Promise<StoredAnchor | undefined> {
    const key = anchorKey(type, size);
    const v = await this.store.get(key);
    return v === undefined ? undefined : decode(key, v);
  }

  /** The record of `type` with the largest size, if any. */
  async latest(type: string): Promise<StoredAnchor | undefined> {
    for await (const [k, v] of this.store.range({
      gte: typePrefix(type),
      lt: typeEnd(type),
      reverse: true,
      limit: 1,
    })) {
      return decode(k, v);
    }
    return undefined;
  }

  /** The record of `type` with the smallest size in [`min`, `max`], if any. */
  async smallestAtLeast(type: string, min: number, max: number): Promise<StoredAnchor | undefined> {
    if (min > max) return undefined;
    for await (const [k, v] of this.store.range({
      gte: anchorKey(type, min),
      lt: anchorKey(type, max + 1),
      limit: 1,
    })) {
      return decode(k, v);
    }
    return undefined;
  }

  /** The anchor types with at least one record, in key order (one seek per type). */
  async types(): Promise<string[]> {
    const out: string[] = [];
    let gte: Uint8Array = Uint8Array.of(KeyPrefix.anchor);
    const lt = Uint8Array.of(KeyPrefix.anchor + 1);
    for (;;) {
      let found: string | undefined;
      for await (const [k] of this.store.range({ gte, lt, limit: 1 })) {
        const len = k[1] ?? 0;
        if (k.length !== 2 + len + 8) {
          throw new StorageError('STORE_CORRUPT', 'an anchor record key has the wrong length', {
            evidence: { key: Array.from(k) },
          });
        }
        found = fromUtf8(k.subarray(2, 2 + len));
      }
      if (found === undefined) return out;
      out.push(found);
      gte = typeEnd(found);
    }
  }

  /** Every record of `type`, in size order. */
  async *all(type: string): AsyncGenerator<StoredAnchor> {
    for await (const [k, v] of this.store.range({ gte: typePrefix(type), lt: typeEnd(type) })) {
      yield decode(k, v);
    }
  }
}
