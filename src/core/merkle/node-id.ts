/**
 * Node coordinates in a log Merkle tree (RFC 9162 §2.1), as in transparency-dev/merkle
 * `compact.NodeID`.
 */
import { bitLength, trailingZeros } from './bit-math.ts';

/**
 * The complete (perfect) subtree of height `level` covering leaves
 * `[index · 2^level, (index + 1) · 2^level)`. Level 0 nodes are leaf hashes.
 */
export type NodeId = { readonly level: number; readonly index: number };

/** The node with the given coordinates. */
export function nodeId(level: number, index: number): NodeId {
  return { level, index };
}

/** The parent of `id`. */
export function parentOf(id: NodeId): NodeId {
  return { level: id.level + 1, index: Math.floor(id.index / 2) };
}

/** The sibling of `id` (the other child of its parent). */
export function siblingOf(id: NodeId): NodeId {
  return { level: id.level, index: id.index % 2 === 0 ? id.index + 1 : id.index - 1 };
}

/** The `[begin, end)` range of leaves under `id`. */
export function coverage(id: NodeId): { begin: number; end: number } {
  const width = 2 ** id.level;
  return { begin: id.index * width, end: (id.index + 1) * width };
}

/** A stable string key for `id` (`"<level>/<index>"`), for maps. */
export function nodeKey(id: NodeId): string {
  return `${id.level}/${id.index}`;
}

/**
 * The perfect subtrees that exactly cover `[begin, end)`, left to right, with no two that could
 * merge into one (the compact range of transparency-dev/merkle `compact.RangeNodes`). For
 * `[0, size)` these are the roots of the subtrees whose sizes are the one bits of `size`,
 * largest first.
 */
export function rangeNodes(begin: number, end: number): NodeId[] {
  const ids: NodeId[] = [];
  let pos = begin;
  while (pos < end) {
    // Largest aligned power of two starting at `pos` that still fits before `end`.
    let level = pos === 0 ? 64 : trailingZeros(pos);
    level = Math.min(level, bitLength(end - pos) - 1);
    const width = 2 ** level;
    ids.push({ level, index: pos / width });
    pos += width;
  }
  return ids;
}
