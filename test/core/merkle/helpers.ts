/**
 * Test helpers: an in-memory node store filled by CompactRange's visitor, and a NodeReader over
 * it that refuses nodes outside the tree being proven.
 */
import { bytesEqual, toHex } from '../../../src/core/bytes.ts';
import {
  CompactRange,
  coverage,
  nodeKey,
  type NodeId,
  type NodeReader,
} from '../../../src/core/merkle/index.ts';

/** Every node hash of the tree over `leafHashes`, plus the root of every prefix. */
export function buildTree(leafHashes: readonly Uint8Array[]): {
  nodes: Map<string, Uint8Array>;
  roots: Uint8Array[];
} {
  const nodes = new Map<string, Uint8Array>();
  const range = CompactRange.empty();
  const roots = [range.root()];
  for (const h of leafHashes) {
    range.append(h, (id, hash) => nodes.set(nodeKey(id), hash));
    roots.push(range.root());
  }
  return { nodes, roots };
}

/** A NodeReader for the tree of `size` leaves; throws on any node not inside [0, size). */
export function mapReader(nodes: Map<string, Uint8Array>, size: number): NodeReader {
  return (ids: readonly NodeId[]) =>
    ids.map((id) => {
      if (coverage(id).end > size) throw new Error(`node ${nodeKey(id)} is outside [0, ${size})`);
      const h = nodes.get(nodeKey(id));
      if (!h) throw new Error(`node ${nodeKey(id)} missing`);
      return h;
    });
}

/** True when both lists hold the same bytes in the same order. */
export function sameHashes(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  return a.length === b.length && a.every((h, i) => bytesEqual(h, b[i]!));
}

/** Hex of a list of hashes, for readable failures. */
export function hexList(list: readonly Uint8Array[]): string[] {
  return list.map(toHex);
}

/** A copy of `h` with bit `bit` (0 = most significant of byte 0) flipped. */
export function flipBit(h: Uint8Array, bit: number): Uint8Array {
  const out = h.slice();
  out[bit >> 3] = out[bit >> 3]! ^ (0x80 >> (bit & 7));
  return out;
}
