/**
 * The private record kept for each log entry (docs/log-format.md §Private records): the salt
 * and exact entry bytes that the public leaf commits to, and the metadata the node needs to find
 * and summarise entries. Stored as a deterministic CBOR map with small integer keys. Erasure
 * replaces a record with a tombstone that keeps only the kind and the erasure time.
 */
import {
  decodeCbor,
  encodeCborIntMapView,
  encodeCborView,
  type CborMap,
  type CborValue,
} from '../core/cbor/index.ts';
import type { EntryKind } from '../core/leaf/index.ts';
import { StorageError } from '../storage/index.ts';
import type { TrustMode } from '../core/registry/index.ts';

/** Metadata of an entry, kept privately beside it. */
export interface EntryMeta {
  readonly meterId?: string;
  readonly sequence?: number;
  readonly trustMode?: TrustMode;
  readonly signerId?: string;
  readonly topic?: string;
  /** When the node received the entry, ms since the Unix epoch. */
  readonly receivedAt: number;
  /** Interval start and end, Unix seconds. */
  readonly intervalStart?: number;
  readonly intervalEnd?: number;
  readonly obis?: string;
  /** Energy of the interval and register value, in milliwatt-hours (exact for OCMF too). */
  readonly energyMilliWh?: number;
  readonly registerMilliWh?: number;
}

/** A stored record: live (salt and bytes present) or erased (tombstone). */
export type EntryRecord =
  | {
      readonly erased: false;
      readonly kind: EntryKind;
      readonly salt: Uint8Array;
      /** The signed bytes (for a chained reading, without its link). */
      readonly bytes: Uint8Array;
      /** A chained reading's encoded link (docs/log-format.md §Chained readings). */
      readonly link?: Uint8Array;
      readonly meta: EntryMeta;
    }
  | {
      readonly erased: true;
      readonly kind: EntryKind;
      readonly erasedAt: number;
      /**
       * The verifiable index keys the entry was filed under (docs/index.md §Erasure): kept so
       * that the index rebuilds to the same roots after its bytes are gone.
       */
      readonly indexKeys?: readonly Uint8Array[];
    };

const K = {
  kind: 1,
  salt: 2,
  bytes: 3,
  meterId: 4,
  sequence: 5,
  trustMode: 6,
  signerId: 7,
  topic: 8,
  receivedAt: 9,
  intervalStart: 10,
  intervalEnd: 11,
  obis: 12,
  energyMilliWh: 13,
  registerMilliWh: 14,
  link: 15,
  erasedAt: 20,
  indexKeys: 21,
} as const;

const META_FIELDS = [
  'meterId',
  'sequence',
  'trustMode',
  'signerId',
  'topic',
  'receivedAt',
  'intervalStart',
  'intervalEnd',
  'obis',
  'energyMilliWh',
  'registerMilliWh',
] as const satisfies readonly (keyof EntryMeta)[];

/** Reused by {@link encodeEntryRecord}: the keys and values of the record being written. */
const recordKeys: number[] = [];
const recordValues: CborValue[] = [];

/** Encodes a record (a view into a shared slab: written to storage and dropped). */
export function encodeEntryRecord(r: EntryRecord): Uint8Array {
  if (r.erased) {
    const m: CborMap = new Map<number, CborValue>([[K.kind, r.kind]]);
    m.set(K.erasedAt, r.erasedAt);
    if (r.indexKeys !== undefined) m.set(K.indexKeys, [...r.indexKeys]);
    return encodeCborView(m);
  }
  // In key order, written without a Map (RFC 8949 §4.2.1): one record per reading.
  let n = 0;
  const put = (k: number, v: CborValue): void => {
    recordKeys[n] = k;
    recordValues[n++] = v;
  };
  put(K.kind, r.kind);
  put(K.salt, r.salt);
  put(K.bytes, r.bytes);
  const meta = r.meta;
  for (const f of META_FIELDS) {
    const v = meta[f];
    if (v !== undefined) put(K[f], v);
  }
  if (r.link !== undefined) put(K.link, r.link);
  try {
    return encodeCborIntMapView(recordKeys, recordValues, n);
  } finally {
    recordValues.fill(undefined, 0, n);
  }
}

function corrupt(why: string): never {
  throw new StorageError('STORE_CORRUPT', `entry record: ${why}`);
}

/** Decodes a record written by {@link encodeEntryRecord}. */
export function decodeEntryRecord(b: Uint8Array): EntryRecord {
  const m = decodeCbor(b);
  if (!(m instanceof Map)) corrupt('not a map');
  const kind = m.get(K.kind);
  if (typeof kind !== 'number') corrupt('no kind');
  const erasedAt = m.get(K.erasedAt);
  if (typeof erasedAt === 'number') {
    const keys = m.get(K.indexKeys);
    if (keys === undefined) return { erased: true, kind: kind as EntryKind, erasedAt };
    if (!Array.isArray(keys) || !keys.every((k) => k instanceof Uint8Array)) {
      corrupt('index keys that are not byte strings');
    }
    return { erased: true, kind: kind as EntryKind, erasedAt, indexKeys: keys as Uint8Array[] };
  }
  const salt = m.get(K.salt);
  const bytes = m.get(K.bytes);
  if (!(salt instanceof Uint8Array) || !(bytes instanceof Uint8Array)) corrupt('no salt or bytes');
  const meta: Record<string, unknown> = {};
  for (const f of META_FIELDS) {
    const v = m.get(K[f]);
    if (v !== undefined) meta[f] = v;
  }
  if (typeof meta.receivedAt !== 'number') corrupt('no receivedAt');
  const link = m.get(K.link);
  if (link !== undefined && !(link instanceof Uint8Array)) corrupt('a link that is not bytes');
  return {
    erased: false,
    kind: kind as EntryKind,
    salt,
    bytes,
    ...(link === undefined ? {} : { link }),
    meta: meta as unknown as EntryMeta,
  };
}
