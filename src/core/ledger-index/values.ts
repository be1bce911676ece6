/**
 * The values of the ledger's verifiable index (docs/index.md §Values): whatever the family, a
 * key's value is a hash chain over the leaf indices of the log entries filed under it, in log
 * order:
 *
 *     v₀ = SHA-256(VALUE_TAG)
 *     vₖ = SHA-256(VALUE_TAG ‖ vₖ₋₁ ‖ u64(iₖ))
 *
 * and the map holds vₙ (a key with no entries is absent from the map). The node keeps only the
 * last link per key; a verifier holding those entries (with their inclusion proofs) recomputes
 * it, and an entry it lacks, or one too many, gives another value.
 */
import { utf8 } from '../bytes.ts';
import { nobleHasher, type LogHasher } from '../merkle/index.ts';
import { LedgerIndexError } from './errors.ts';

/** Domain separation of index values: ASCII `wattproof/v1/index-value` and a zero byte. */
export const INDEX_VALUE_TAG: Uint8Array = Uint8Array.from([
  ...utf8('wattproof/v1/index-value'),
  0,
]);

/** Checks that `indices` are strictly increasing non-negative safe integers. */
export function checkIndices(indices: readonly number[]): void {
  let last = -1;
  for (const [k, i] of indices.entries()) {
    if (!Number.isSafeInteger(i) || i <= last) {
      throw new LedgerIndexError(
        'INVALID_INDICES',
        `leaf index ${String(i)} at position ${k} is not above ${last} (strictly increasing)`,
        { evidence: { position: k, index: i, previous: last } },
      );
    }
    last = i;
  }
}

/** `v₀` (every hasher gives the same bytes: made once). */
const EMPTY_VALUE = nobleHasher.sha256(INDEX_VALUE_TAG);

/**
 * `v₀`, the start of every chain (a copy). `hasher` is accepted for symmetry with the other
 * functions; the bytes are a constant of the format.
 */
export function emptyIndexValue(hasher: LogHasher = nobleHasher): Uint8Array {
  void hasher;
  return EMPTY_VALUE.slice();
}

/** `VALUE_TAG ‖ previous ‖ u64(index)`, rewritten for every link (hashers read it at once). */
const LINK = new Uint8Array(INDEX_VALUE_TAG.length + 32 + 8);
LINK.set(INDEX_VALUE_TAG);
const LINK_VIEW = new DataView(LINK.buffer);

/** The next link: `SHA-256(VALUE_TAG ‖ previous ‖ u64(index))`. */
export function nextIndexValue(
  previous: Uint8Array,
  index: number,
  hasher: LogHasher = nobleHasher,
): Uint8Array {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new LedgerIndexError('INVALID_INDICES', `leaf index ${String(index)} is not a u64`, {
      evidence: { index },
    });
  }
  if (previous.length !== 32) {
    throw new LedgerIndexError('INVALID_INDICES', 'a previous value is 32 bytes', {
      evidence: { length: previous.length },
    });
  }
  const at = INDEX_VALUE_TAG.length;
  LINK.set(previous, at);
  LINK_VIEW.setUint32(at + 32, Math.floor(index / 2 ** 32));
  LINK_VIEW.setUint32(at + 36, index >>> 0);
  return hasher.sha256(LINK);
}

/** The index value of the entries at `indices` (strictly increasing leaf indices). */
export function indexValue(
  indices: readonly number[],
  hasher: LogHasher = nobleHasher,
): Uint8Array {
  checkIndices(indices);
  let v = EMPTY_VALUE;
  for (const i of indices) v = nextIndexValue(v, i, hasher);
  return v === EMPTY_VALUE ? EMPTY_VALUE.slice() : v;
}
