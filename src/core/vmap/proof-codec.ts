/**
 * Wire encoding of map proofs (MPT format, torchwood `mpt/tree.go`, § Proofs and How to Verify
 * Them). A path proof is
 *
 *     varint(len(key)) ‖ key ‖ varint(len(value)) ‖ value ‖ B₁ ‖ H₁ ‖ … ‖ B_N ‖ H_N
 *
 * with one (varint bit index, 32-byte sibling hash) step per inner node from the leaf up to the
 * root, bit indexes strictly decreasing. A presence proof is the steps alone; an absence proof is
 * the path proof of the leaf a lookup reaches instead; a prefix proof is the steps above the
 * prefix's subtree, or an absence proof.
 *
 * Decoding is bounded: the input is refused before parsing when it is longer than
 * {@link MAX_PROOF_LEN}; every field is checked against the bytes left; steps are at most
 * {@link MAX_KEY_BITS} (their bits strictly decrease below it). Every refusal is a
 * `MapProofError`.
 */
import { MapProofError } from './errors.ts';
import { MAP_HASH_SIZE } from './hashing.ts';
import { MAX_KEY_BITS, MAX_KEY_LEN, MAX_VALUE_LEN, type MapEntry } from './keys.ts';
import { readVarint, varintLength, writeVarint } from './varint.ts';

/** One step of a path: an inner node's bit index and the hash of the child off the path. */
export interface PathStep {
  readonly bit: number;
  readonly sibling: Uint8Array;
}

/** A path proof: the leaf reached and the steps from it up to the root. */
export interface PathProof {
  readonly leaf: MapEntry;
  readonly steps: readonly PathStep[];
}

/** Largest varint bit index the decoder reads before range-checking it. */
const VARINT_CEILING = 2 ** 28 - 1;

/**
 * Longest proof any tree of keys and values of at most 1024 bytes produces: a leaf of both at
 * full length and one step for each of the {@link MAX_KEY_BITS} bit indexes.
 */
export const MAX_PROOF_LEN =
  varintLength(MAX_KEY_LEN) +
  MAX_KEY_LEN +
  varintLength(MAX_VALUE_LEN) +
  MAX_VALUE_LEN +
  MAX_KEY_BITS * (varintLength(MAX_KEY_BITS - 1) + MAP_HASH_SIZE);

/** Throws `INVALID_INPUT` unless `proof` is a `Uint8Array`, `PROOF_TOO_LONG` over the bound. */
export function requireProofBytes(proof: unknown): asserts proof is Uint8Array {
  if (!(proof instanceof Uint8Array)) {
    throw new MapProofError('INVALID_INPUT', 'proof: expected a Uint8Array');
  }
  if (proof.length > MAX_PROOF_LEN) {
    throw new MapProofError('PROOF_TOO_LONG', `proof: ${proof.length} bytes > ${MAX_PROOF_LEN}`, {
      evidence: { length: proof.length, max: MAX_PROOF_LEN },
    });
  }
}

/** Bytes of `steps` on the wire. */
export function encodeSteps(steps: readonly PathStep[]): Uint8Array {
  let n = 0;
  for (const s of steps) n += varintLength(s.bit) + MAP_HASH_SIZE;
  const out = new Uint8Array(n);
  let at = 0;
  for (const s of steps) {
    at = writeVarint(s.bit, out, at);
    out.set(s.sibling, at);
    at += MAP_HASH_SIZE;
  }
  return out;
}

/** Bytes of a path proof on the wire: the length-prefixed leaf, then its steps. */
export function encodePathProof(proof: PathProof): Uint8Array {
  const { key, value } = proof.leaf;
  const steps = encodeSteps(proof.steps);
  const out = new Uint8Array(
    varintLength(key.length) +
      key.length +
      varintLength(value.length) +
      value.length +
      steps.length,
  );
  let at = writeVarint(key.length, out, 0);
  out.set(key, at);
  at = writeVarint(value.length, out, at + key.length);
  out.set(value, at);
  out.set(steps, at + value.length);
  return out;
}

/**
 * Steps from `bytes[at..]` to the end. Throws `MALFORMED_PROOF` (bad varint, truncated hash),
 * `BIT_OUT_OF_RANGE` (bit ≥ {@link MAX_KEY_BITS}) or `BITS_NOT_DECREASING`.
 */
export function decodeSteps(bytes: Uint8Array, at = 0): PathStep[] {
  requireProofBytes(bytes);
  const steps: PathStep[] = [];
  let previous = MAX_KEY_BITS;
  while (at < bytes.length) {
    const { value: bit, next } = readVarint(bytes, at, VARINT_CEILING, 'step bit');
    if (bit >= MAX_KEY_BITS) {
      throw new MapProofError('BIT_OUT_OF_RANGE', `step ${steps.length}: bit ${bit}`, {
        evidence: { offset: at, bit, max: MAX_KEY_BITS - 1 },
      });
    }
    if (bit >= previous) {
      throw new MapProofError(
        'BITS_NOT_DECREASING',
        `step ${steps.length}: bit ${bit} after bit ${previous}`,
        { evidence: { offset: at, bit, previous } },
      );
    }
    if (bytes.length - next < MAP_HASH_SIZE) {
      throw new MapProofError('MALFORMED_PROOF', `step ${steps.length}: truncated sibling hash`, {
        evidence: { offset: next, left: bytes.length - next },
      });
    }
    steps.push({ bit, sibling: bytes.slice(next, next + MAP_HASH_SIZE) });
    previous = bit;
    at = next + MAP_HASH_SIZE;
  }
  return steps;
}

function readField(
  bytes: Uint8Array,
  at: number,
  max: number,
  what: string,
): { field: Uint8Array; next: number } {
  const { value: len, next } = readVarint(bytes, at, max, what);
  if (bytes.length - next < len) {
    throw new MapProofError(
      'MALFORMED_PROOF',
      `${what}: ${len} bytes, ${bytes.length - next} left`,
      {
        evidence: { offset: at, length: len, left: bytes.length - next },
      },
    );
  }
  return { field: bytes.slice(next, next + len), next: next + len };
}

/** A path proof from its wire bytes; throws as {@link decodeSteps}, and on a bad leaf. */
export function decodePathProof(bytes: Uint8Array): PathProof {
  requireProofBytes(bytes);
  const k = readField(bytes, 0, MAX_KEY_LEN, 'leaf key');
  const v = readField(bytes, k.next, MAX_VALUE_LEN, 'leaf value');
  return { leaf: { key: k.field, value: v.field }, steps: decodeSteps(bytes, v.next) };
}
