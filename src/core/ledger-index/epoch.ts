/**
 * The index epoch entry (docs/index.md §Epochs): at each epoch the node appends to its own log
 * an entry naming the verifiable map's root and the log size the map reflects, so that the
 * witnesses' cosignatures cover the map too and no one is shown two maps. Its entry bytes are
 * a deterministic CBOR map (RFC 8949 §4.2.1):
 *
 * | key | field | type |
 * |---|---|---|
 * | 1 | format version, 1 | uint |
 * | 2 | epoch number, from 1, one more than the previous epoch's | uint |
 * | 3 | log size: the map holds exactly the entries at indices below it | uint |
 * | 4 | map root, SHA-256 (the map's snapshot hash) | bstr .size 32 |
 * | 5 | time the epoch was cut, Unix seconds | uint |
 */
import { encodeCbor, type CborValue } from '../cbor/index.ts';
import { decodeEntryMap } from './entry-map.ts';
import { LedgerIndexError } from './errors.ts';

/** Format version of {@link IndexEpoch} entries. */
export const INDEX_EPOCH_VERSION = 1;

/** What an epoch entry says. */
export interface IndexEpoch {
  readonly epoch: number;
  readonly logSize: number;
  readonly mapRoot: Uint8Array;
  readonly time: number;
}

const K = { version: 1, epoch: 2, logSize: 3, mapRoot: 4, time: 5 } as const;

function malformed(why: string, evidence: Record<string, unknown> = {}, cause?: unknown): never {
  throw new LedgerIndexError('MALFORMED_EPOCH', `index epoch entry: ${why}`, {
    evidence,
    ...(cause === undefined ? {} : { cause }),
  });
}

function checkUint(field: string, v: unknown, min = 0): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    malformed(`${field} is not an integer ≥ ${min}`, { field });
  }
  return v;
}

/** The entry bytes of `e`. */
export function encodeIndexEpoch(e: IndexEpoch): Uint8Array {
  checkUint('epoch', e.epoch, 1);
  checkUint('logSize', e.logSize);
  checkUint('time', e.time);
  if (!(e.mapRoot instanceof Uint8Array) || e.mapRoot.length !== 32) {
    malformed('mapRoot is not 32 bytes', { field: 'mapRoot' });
  }
  const m = new Map<number, CborValue>([
    [K.version, INDEX_EPOCH_VERSION],
    [K.epoch, e.epoch],
    [K.logSize, e.logSize],
    [K.mapRoot, e.mapRoot],
    [K.time, e.time],
  ]);
  return encodeCbor(m);
}

/** Decodes epoch entry bytes; throws {@link LedgerIndexError} `MALFORMED_EPOCH` only. */
export function decodeIndexEpoch(bytes: Uint8Array): IndexEpoch {
  const v = decodeEntryMap(bytes, Object.values(K), INDEX_EPOCH_VERSION, malformed);
  const mapRoot = v.get(K.mapRoot);
  if (!(mapRoot instanceof Uint8Array) || mapRoot.length !== 32) {
    malformed('mapRoot is not a 32-byte string', { field: 'mapRoot' });
  }
  return {
    epoch: checkUint('epoch', v.get(K.epoch), 1),
    logSize: checkUint('logSize', v.get(K.logSize)),
    mapRoot: mapRoot.slice(),
    time: checkUint('time', v.get(K.time)),
  };
}
