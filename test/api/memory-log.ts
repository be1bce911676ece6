/**
 * An in-memory {@link LogReadModel} for the API tests: tiles and bundles computed from the
 * entries with the core hashes, and a checkpoint signed as a C2SP signed note with Ed25519.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { concatBytes, toBase64, toHex, utf8 } from '../../src/core/bytes.ts';
import { leafHash, nodeHash, sha256Bytes } from '../../src/core/merkle/hash.ts';
import { rootFromLeafHashes } from '../../src/core/merkle/tree.ts';
import type { LogReadModel } from '../../src/log/read-model.ts';

export const ORIGIN = 'wattproof.example/test';

/** Entry `i` of the test log: a few bytes, different in length so bundles are not uniform. */
export function testEntry(i: number): Uint8Array {
  return utf8(`entry ${i} ${'.'.repeat(i % 7)}`);
}

/** Root of a perfect subtree, by hashing `hashes` (a power-of-two count) pairwise. */
export function perfectRoot(hashes: readonly Uint8Array[]): Uint8Array {
  let layer = hashes;
  while (layer.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < layer.length; i += 2) next.push(nodeHash(layer[i]!, layer[i + 1]!));
    layer = next;
  }
  return layer[0]!;
}

/** Big-endian uint16 length-prefixed concatenation (C2SP tlog-tiles entry bundle). */
export function bundleOf(entries: readonly Uint8Array[]): Uint8Array {
  return concatBytes(
    ...entries.flatMap((e) => [new Uint8Array([e.length >> 8, e.length & 0xff]), e]),
  );
}

/** A log of `size` entries (`testEntry(0..size-1)`); size 0 has no checkpoint yet. */
export function memoryLog(size: number): LogReadModel & { entries: Uint8Array[] } {
  const entries = Array.from({ length: size }, (_, i) => testEntry(i));
  const levels: Uint8Array[][] = [entries.map(leafHash)];
  for (let l = 0; levels[l]!.length >= 256; l++) {
    const below = levels[l]!;
    const above: Uint8Array[] = [];
    for (let n = 0; (n + 1) * 256 <= below.length; n++)
      above.push(perfectRoot(below.slice(n * 256, (n + 1) * 256)));
    levels.push(above);
  }

  const seed = new Uint8Array(32).fill(7);
  const pub = ed25519.getPublicKey(seed);
  const typed = concatBytes(new Uint8Array([0x01]), pub);
  const keyId = sha256Bytes(concatBytes(utf8(`${ORIGIN}\n`), typed)).subarray(0, 4);
  const vkey = `${ORIGIN}+${toHex(keyId)}+${toBase64(typed)}`;
  const body = `${ORIGIN}\n${size}\n${toBase64(rootFromLeafHashes(levels[0]!))}\n`;
  const sig = ed25519.sign(utf8(body), seed);
  const note = utf8(`${body}\n\u2014 ${ORIGIN} ${toBase64(concatBytes(keyId, sig))}\n`);

  return {
    entries,
    origin: ORIGIN,
    vkey,
    checkpoint: async () => (size === 0 ? undefined : note),
    publishedSize: () => size,
    readHashTile: async (level, index, width) => {
      const hashes = levels[level] ?? [];
      if (hashes.length < index * 256 + width) return undefined;
      return concatBytes(...hashes.slice(index * 256, index * 256 + width));
    },
    readEntryBundle: async (index, width) => {
      if (entries.length < index * 256 + width) return undefined;
      return bundleOf(entries.slice(index * 256, index * 256 + width));
    },
  };
}
