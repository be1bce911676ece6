/**
 * The one shape of the index's own log entries (epoch, meter flag): a deterministic CBOR map
 * (RFC 8949 §4.2.1) with exactly the keys of its table and key 1 its format version.
 */
import { CborError, decodeCbor, type CborMap } from '../cbor/index.ts';

/** Refuses an entry: throws the entry's own typed error. */
export type Refuse = (why: string, evidence?: Record<string, unknown>, cause?: unknown) => never;

/**
 * Decodes `bytes` as such a map with exactly the integer `keys` and `version` under key 1;
 * anything else goes to `refuse`.
 */
export function decodeEntryMap(
  bytes: Uint8Array,
  keys: readonly number[],
  version: number,
  refuse: Refuse,
): CborMap {
  let v: unknown;
  try {
    v = decodeCbor(bytes, { maxDepth: 2 });
  } catch (e) {
    if (!(e instanceof CborError)) throw e;
    refuse(`not strict CBOR: ${e.message}`, { cbor: e.code }, e);
  }
  if (!(v instanceof Map)) refuse('not a CBOR map');
  const known = new Set<unknown>(keys);
  for (const k of v.keys()) if (!known.has(k)) refuse(`unknown key ${String(k)}`, { key: k });
  for (const k of keys) if (!v.has(k)) refuse(`missing key ${String(k)}`, { key: k });
  if (v.get(1) !== version) {
    refuse(`version ${String(v.get(1))} is not ${version}`, { field: 'version' });
  }
  return v as CborMap;
}
