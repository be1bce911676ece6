/**
 * Unsigned varints (protobuf base-128, least significant group first), as the MPT format writes
 * key and value lengths and bit indexes (torchwood `mpt/tree.go`, § Tree Snapshots).
 *
 * Decoding is strict: at most {@link MAX_VARINT_BYTES} bytes, minimal encoding only (no
 * redundant trailing 0x80-continued zero groups), value at most a caller-given bound. Every
 * refusal is a `MapProofError` with code `MALFORMED_PROOF`.
 */
import { MapProofError } from './errors.ts';

/** Most bytes a decoded varint may take (values below 2^28). */
export const MAX_VARINT_BYTES = 4;

/** Bytes {@link writeVarint} writes for `n`. */
export function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    len++;
  }
  return len;
}

/**
 * Writes the varint of `n` (a safe non-negative integer) into `out` at `at`; returns the offset
 * after it.
 */
export function writeVarint(n: number, out: Uint8Array, at: number): number {
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 0x80);
  }
  out[at++] = n;
  return at;
}

/** The varint of `n` as bytes. */
export function encodeVarint(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('encodeVarint: not a uint');
  const out = new Uint8Array(varintLength(n));
  writeVarint(n, out, 0);
  return out;
}

/** A decoded varint and the offset just after it. */
export interface DecodedVarint {
  readonly value: number;
  readonly next: number;
}

/**
 * Reads a varint from `bytes` at `at`. Throws `MALFORMED_PROOF` when it is unterminated, longer
 * than {@link MAX_VARINT_BYTES}, not minimal, or above `max`; `what` names the field.
 */
export function readVarint(
  bytes: Uint8Array,
  at: number,
  max: number,
  what: string,
): DecodedVarint {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    if (at + i >= bytes.length) break;
    const b = bytes[at + i]!;
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) {
      if (b === 0 && i > 0) throw malformed(`${what}: non-minimal varint`, at);
      if (value > max) throw malformed(`${what}: ${value} is above ${max}`, at);
      return { value, next: at + i + 1 };
    }
    scale *= 0x80;
  }
  throw malformed(`${what}: unterminated or overlong varint`, at);
}

function malformed(message: string, offset: number): MapProofError {
  return new MapProofError('MALFORMED_PROOF', message, { evidence: { offset } });
}
