/**
 * The audit record of an erasure request (right to erasure, GDPR Art. 17; docs/operations.md
 * §Erasure): who asked, when, for which meter and period, and how many readings lost their
 * entry bytes and salt. Stored under its own key prefix as a deterministic CBOR map with small
 * integer keys, one record per request, ids increasing from 1.
 */
import { decodeCbor, encodeCbor, type CborMap, type CborValue } from '../core/cbor/index.ts';
import { compositeKey, KeyPrefix } from '../storage/index.ts';
import { StorageError } from '../storage/index.ts';

/**
 * Key prefix of erasure audit records, beside the ledger's private entry records (`0x20`) and
 * meter index (`0x21`).
 */
export const ERASURE_KEY_PREFIX = KeyPrefix.erasure;

/** Who asked for an erasure: the API token that made the request. */
export interface ErasureRequester {
  /** Public id of the token. */
  readonly tokenId: string;
  /** Its label, as it was at the time of the request. */
  readonly label: string;
}

/** What an operator asks to erase. */
export interface ErasureRequest {
  readonly meterId: string;
  /** The period [from, to) of interval starts, Unix seconds. */
  readonly from: number;
  readonly to: number;
  readonly requestedBy: ErasureRequester;
  /** Why (a ticket or case reference), optional. */
  readonly reason?: string;
}

/** An erasure as recorded for audit. */
export interface ErasureRecord extends ErasureRequest {
  /** Increasing from 1, in request order. */
  readonly id: number;
  /** When the erasure was committed, ms since the Unix epoch. */
  readonly erasedAt: number;
  /** Readings of the meter in the period (erased now or before). */
  readonly matched: number;
  /** Readings whose entry bytes and salt this request deleted (0 when repeated). */
  readonly erased: number;
}

const K = {
  meterId: 1,
  from: 2,
  to: 3,
  tokenId: 4,
  label: 5,
  reason: 6,
  erasedAt: 7,
  matched: 8,
  erased: 9,
} as const;

/** Key of erasure audit record `id`. */
export function erasureRecordKey(id: number): Uint8Array {
  return compositeKey(ERASURE_KEY_PREFIX, id);
}

/** Encodes an audit record (the id is in the key). */
export function encodeErasureRecord(r: ErasureRecord): Uint8Array {
  const m: CborMap = new Map<number, CborValue>([
    [K.meterId, r.meterId],
    [K.from, r.from],
    [K.to, r.to],
    [K.tokenId, r.requestedBy.tokenId],
    [K.label, r.requestedBy.label],
    [K.erasedAt, r.erasedAt],
    [K.matched, r.matched],
    [K.erased, r.erased],
  ]);
  if (r.reason !== undefined) m.set(K.reason, r.reason);
  return encodeCbor(m);
}

function corrupt(id: number, why: string, cause?: unknown): never {
  throw new StorageError('STORE_CORRUPT', `erasure record ${id}: ${why}`, { cause });
}

/** Decodes the audit record `id` written by {@link encodeErasureRecord}. */
export function decodeErasureRecord(id: number, b: Uint8Array): ErasureRecord {
  let m: CborValue;
  try {
    m = decodeCbor(b);
  } catch (e) {
    corrupt(id, 'not CBOR', e);
  }
  if (!(m instanceof Map)) corrupt(id, 'not a map');
  const str = (k: number): string => {
    const v = m.get(k);
    if (typeof v !== 'string') corrupt(id, `field ${k} is not a string`);
    return v;
  };
  const num = (k: number): number => {
    const v = m.get(k);
    if (typeof v !== 'number' || !Number.isSafeInteger(v))
      corrupt(id, `field ${k} is not an integer`);
    return v;
  };
  const reason = m.get(K.reason);
  if (reason !== undefined && typeof reason !== 'string') corrupt(id, 'reason is not a string');
  return {
    id,
    meterId: str(K.meterId),
    from: num(K.from),
    to: num(K.to),
    requestedBy: { tokenId: str(K.tokenId), label: str(K.label) },
    ...(reason === undefined ? {} : { reason }),
    erasedAt: num(K.erasedAt),
    matched: num(K.matched),
    erased: num(K.erased),
  };
}
