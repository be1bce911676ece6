/**
 * RFC 9162 §2.1.1 leaf and node hashes through `node:crypto` (OpenSSL), for the server's hot
 * paths (DESIGN.md decision 9). They must agree with the core's `@noble` versions; the tests
 * check that they do.
 */
import { createHash } from 'node:crypto';
import { COMMITMENT_TAG, LEAF_SIZE, LEAF_VERSION } from '../core/leaf/leaf.ts';

const LEAF = Uint8Array.of(0x00);

function view(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}
const NODE = Uint8Array.of(0x01);

/** `SHA-256(0x00 ‖ data)` with OpenSSL. */
export function fastLeafHash(data: Uint8Array): Uint8Array {
  return view(createHash('sha256').update(LEAF).update(data).digest());
}

/** `SHA-256(0x01 ‖ left ‖ right)` with OpenSSL. */
export function fastNodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== 32 || right.length !== 32)
    throw new RangeError('fastNodeHash: children must be 32-byte hashes');
  return view(createHash('sha256').update(NODE).update(left).update(right).digest());
}

/**
 * The 34-byte public leaf `version ‖ kind ‖ SHA-256(tag ‖ salt ‖ entry)` (core/leaf) with
 * OpenSSL; byte-identical to the core's `encodeLeaf`.
 */
export function fastLeaf(kind: number, salt: Uint8Array, entry: Uint8Array): Uint8Array {
  const out = new Uint8Array(LEAF_SIZE);
  out[0] = LEAF_VERSION;
  out[1] = kind;
  out.set(createHash('sha256').update(COMMITMENT_TAG).update(salt).update(entry).digest(), 2);
  return out;
}
