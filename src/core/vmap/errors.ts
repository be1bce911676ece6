/**
 * Typed errors of the verifiable map's proof checks (MPT format, torchwood `mpt/tree.go`,
 * § Proofs and How to Verify Them; docs/index.md § The map).
 */
import { WattproofError } from '../errors.ts';

/**
 * Why a map proof was refused.
 *
 * - `INVALID_INPUT`: an argument that is not of its type or size: a root or subtree hash that is
 *   not 32 bytes, a key, value or prefix longer than {@link MAX_KEY_LEN} bytes, a non-array.
 * - `PROOF_TOO_LONG`: a proof longer than any tree of keys of at most {@link MAX_KEY_LEN} bytes
 *   can produce ({@link MAX_PROOF_LEN} bytes).
 * - `MALFORMED_PROOF`: bytes that do not parse: an unterminated, overlong or non-minimal varint,
 *   a length running past the end, a truncated sibling hash, a leaf field over its bound.
 * - `BIT_OUT_OF_RANGE`: a step's bit index that no key of at most {@link MAX_KEY_LEN} bytes can
 *   split at (≥ {@link MAX_KEY_BITS}).
 * - `BITS_NOT_DECREASING`: a step whose bit index is not below the one before it.
 * - `PREFIX_TOO_SPECIFIC`: a prefix proof whose first step splits at or past the prefix's end,
 *   so that the claimed subtree could leave out keys with the prefix.
 * - `KEY_MISMATCH`: an absence proof whose leaf disagrees with the looked-up key (or prefix) at a
 *   bit the path turns on: a lookup for the key would not end at that leaf.
 * - `NOT_ABSENT`: an absence proof whose leaf is the key itself, or has the prefix.
 * - `ROOT_MISMATCH`: the root recomputed from the proof differs from the expected one.
 * - `ENTRIES_NOT_SORTED`: disclosed key-values not in strictly increasing key order.
 * - `ENTRY_OUTSIDE_PREFIX`: a disclosed key-value whose key does not have the prefix.
 */
export type MapProofErrorCode =
  | 'INVALID_INPUT'
  | 'PROOF_TOO_LONG'
  | 'MALFORMED_PROOF'
  | 'BIT_OUT_OF_RANGE'
  | 'BITS_NOT_DECREASING'
  | 'PREFIX_TOO_SPECIFIC'
  | 'KEY_MISMATCH'
  | 'NOT_ABSENT'
  | 'ROOT_MISMATCH'
  | 'ENTRIES_NOT_SORTED'
  | 'ENTRY_OUTSIDE_PREFIX';

/** Every {@link MapProofErrorCode}, for tables that map codes to statuses. */
export const MAP_PROOF_ERROR_CODES: readonly MapProofErrorCode[] = [
  'INVALID_INPUT',
  'PROOF_TOO_LONG',
  'MALFORMED_PROOF',
  'BIT_OUT_OF_RANGE',
  'BITS_NOT_DECREASING',
  'PREFIX_TOO_SPECIFIC',
  'KEY_MISMATCH',
  'NOT_ABSENT',
  'ROOT_MISMATCH',
  'ENTRIES_NOT_SORTED',
  'ENTRY_OUTSIDE_PREFIX',
];

/**
 * Error thrown by the map's decoders and verifiers. Failed checks carry evidence (hex): the
 * expected and recomputed roots, the key or prefix, the offending step and offset.
 */
export class MapProofError extends WattproofError<MapProofErrorCode> {}
