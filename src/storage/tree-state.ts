/**
 * The integrated tree state record: `0x01 ‖ u64be(size) ‖ root(32) ‖ frontier hashes`, where
 * the frontier is the compact range of [0, size) — the roots of the perfect subtrees that make
 * it up, largest first, popcount(size) hashes of 32 bytes (docs/log-format.md).
 */
import { readU64be, u64be } from '../core/bytes.ts';
import { StorageError } from './errors.ts';

const VERSION = 0x01;
const HASH = 32;

/** Integrated size, root and frontier of the log. */
export interface TreeState {
  readonly size: number;
  readonly root: Uint8Array;
  readonly frontier: readonly Uint8Array[];
}

function popcount(n: number): number {
  let c = 0;
  while (n > 0) {
    c += n % 2;
    n = Math.floor(n / 2);
  }
  return c;
}

/** Encodes a tree state record. */
export function encodeTreeState(s: TreeState): Uint8Array {
  const out = new Uint8Array(1 + 8 + HASH + s.frontier.length * HASH);
  out[0] = VERSION;
  out.set(u64be(s.size), 1);
  out.set(s.root, 9);
  s.frontier.forEach((h, i) => out.set(h, 9 + HASH + i * HASH));
  return out;
}

/** Decodes a tree state record; a record of the wrong shape is a corrupt store. */
export function decodeTreeState(b: Uint8Array): TreeState {
  if (b.length < 1 + 8 + HASH || b[0] !== VERSION) {
    throw new StorageError('STORE_CORRUPT', 'tree state record has an unknown version or is short');
  }
  const size = readU64be(b, 1);
  const n = popcount(size);
  if (b.length !== 1 + 8 + HASH + n * HASH) {
    throw new StorageError(
      'STORE_CORRUPT',
      `tree state of size ${size} must hold ${n} frontier hashes`,
    );
  }
  const root = b.slice(9, 9 + HASH);
  const frontier: Uint8Array[] = [];
  for (let i = 0; i < n; i++) frontier.push(b.slice(9 + HASH + i * HASH, 9 + 2 * HASH + i * HASH));
  return { size, root, frontier };
}
