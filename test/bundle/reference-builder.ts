/**
 * The bundle builder as it was before bundles were streamed: it builds the whole document in
 * memory. Kept verbatim (imports adjusted) as the reference the streamed bundle must equal
 * byte for byte (test/bundle/stream.test.ts).
 */
import { fromUtf8, toBase64 } from '../../src/core/bytes.ts';
import {
  BUNDLE_FORMAT,
  buildMultiproof,
  type BundleAnchorJson,
  type BundleAnchorRecordJson,
  computeSummary,
  readingFigures,
  type BundleJson,
  type DisclosedEntryJson,
  type ErasedEntryJson,
  type SummaryReading,
} from '../../src/core/bundle/index.ts';
import { decodeChainLink } from '../../src/core/leaf/leaf.ts';
import { parseCheckpoint, splitNote } from '../../src/core/note/index.ts';
import { tileNodeReader } from '../../src/core/tiles/index.ts';
import type { EntryRecord } from '../../src/ledger/entry-record.ts';
import type { Ledger } from '../../src/ledger/ledger.ts';
import type { MerkleLog } from '../../src/log/merkle-log.ts';
import type { Registry } from '../../src/registry/registry.ts';
import { BundleBuildError } from '../../src/bundle/errors.ts';

/** Where the node's stored anchor records come from (an `AnchorStore` of `anchors/store.ts`). */
export interface AnchorRecordSource {
  /** The anchor types with at least one record. */
  types(): Promise<string[]>;
  /** The record of `type` with the smallest tree size in [`min`, `max`], with its checkpoint. */
  smallestAtLeast(
    type: string,
    min: number,
    max: number,
  ): Promise<{ readonly checkpoint: string; readonly record: BundleAnchorRecordJson } | undefined>;
}

/** What {@link buildBundle} needs. */
export interface BuildBundleOptions {
  readonly ledger: Ledger;
  readonly log: MerkleLog;
  readonly registry: Registry;
  /** Meter ids, distinct, at least one. */
  readonly meters: readonly string[];
  /** The period [from, to) of interval starts, Unix seconds. */
  readonly from: number;
  readonly to: number;
  /**
   * The checkpoint to build at (a signed note of this log, e.g. one carrying witness
   * cosignatures); the latest published checkpoint when absent.
   */
  readonly checkpoint?: string;
  /** Stored anchors to include (docs/bundle.md §Anchors); none when absent. */
  readonly anchors?: AnchorRecordSource;
}

function disclosed(
  index: number,
  r: EntryRecord & { erased: false },
  withLink = false,
): DisclosedEntryJson {
  return {
    index,
    kind: r.kind,
    salt: toBase64(r.salt),
    bytes: toBase64(r.bytes),
    ...(withLink && r.link !== undefined ? { link: toBase64(r.link) } : {}),
  };
}

async function liveRecord(ledger: Ledger, index: number): Promise<EntryRecord & { erased: false }> {
  const r = await ledger.record(index);
  if (r === undefined || r.erased) {
    throw new BundleBuildError('RECORD_MISSING', `no live private record for entry ${index}`, {
      evidence: { index },
    });
  }
  return r;
}

/**
 * Builds the bundle of `meters` over [`from`, `to`) at the latest published checkpoint (or
 * `options.checkpoint`). Entries beyond the checkpoint are left out; erased readings become
 * `{ index, erased: true, leaf }`. Throws {@link BundleBuildError} (`INVALID_REQUEST`,
 * `RECORD_MISSING`, `UNKNOWN_SIGNER`) or storage errors.
 */
export async function referenceBundle(options: BuildBundleOptions): Promise<BundleJson> {
  const { ledger, log, registry, from, to } = options;
  const meters = [...options.meters];
  if (meters.length === 0 || new Set(meters).size !== meters.length) {
    throw new BundleBuildError('INVALID_REQUEST', 'give one or more distinct meters');
  }
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to <= from) {
    throw new BundleBuildError('INVALID_REQUEST', 'the period must be [from, to) with from < to');
  }
  const note = options.checkpoint ?? fromUtf8((await log.checkpoint()) ?? new Uint8Array());
  const cp = parseCheckpoint(splitNote(note).text);
  if (cp.origin !== log.origin || cp.size > log.publishedSize()) {
    throw new BundleBuildError('INVALID_REQUEST', 'the checkpoint is not one this log published');
  }
  const size = cp.size;

  const meterOf = new Map<number, string>();
  for (const m of meters) {
    for await (const { index } of ledger.meterEntries(m, from, to)) {
      if (index < size) meterOf.set(index, m);
    }
  }
  const indices = [...meterOf.keys()].sort((a, b) => a - b);

  const entries: (DisclosedEntryJson | ErasedEntryJson)[] = [];
  const readings: SummaryReading[] = [];
  const signerIds = new Set<string>();
  // docs/bundle.md §Chains: a chained reading whose link points at its meter's previous entry
  // in the bundle leaves its link out (the verifier rebuilds it) and proves that entry, which
  // then needs no hashes of the multiproof.
  const previous = new Map<string, number>();
  const linked = new Set<number>();
  let erased = 0;
  for (const index of indices) {
    const meter = meterOf.get(index)!;
    const before = previous.get(meter);
    previous.set(meter, index);
    const r = await ledger.record(index);
    if (r === undefined) {
      throw new BundleBuildError('RECORD_MISSING', `no private record for entry ${index}`, {
        evidence: { index },
      });
    }
    if (r.erased) {
      erased++;
      // An erased entry keeps the index keys it was filed under (docs/bundle.md §Index).
      const keys = r.indexKeys ?? [];
      entries.push({
        index,
        erased: true,
        leaf: toBase64(await log.entry(index)),
        meter,
        ...(keys.length > 0 ? { indexKeys: keys.map(toBase64) } : {}),
      });
      continue;
    }
    const f = readingFigures(r.kind, r.bytes, index);
    const signer = registry.get(f.signerId);
    if (signer === undefined) {
      throw new BundleBuildError('UNKNOWN_SIGNER', `entry ${index}: no signer ${f.signerId}`, {
        evidence: { index, signerId: f.signerId },
      });
    }
    signerIds.add(f.signerId);
    const to = r.link === undefined ? undefined : decodeChainLink(r.link);
    const implicit = to !== undefined && before !== undefined && to.index === before;
    if (implicit) linked.add(before);
    entries.push(disclosed(index, r, !implicit));
    readings.push({ ...f, trustMode: signer.mode });
  }

  const registryIndices = new Set<number>();
  for (const d of registry.operatorDeclarations()) {
    if (d.index < size) registryIndices.add(d.index);
  }
  for (const id of signerIds) {
    const s = registry.get(id)!;
    for (const i of [s.registeredAt, s.revokedAt]) {
      if (i !== undefined && i < size) registryIndices.add(i);
    }
  }
  const registryEntries: DisclosedEntryJson[] = [];
  for (const index of [...registryIndices].sort((a, b) => a - b)) {
    registryEntries.push(disclosed(index, await liveRecord(ledger, index)));
  }

  const all = [...indices.filter((i) => !linked.has(i)), ...registryIndices].sort((a, b) => a - b);
  const read = tileNodeReader(size, (ref) => log.readHashTile(ref.level, ref.index, ref.width));
  const hashes = await buildMultiproof(all, size, read);
  const request = { meters, from, to };
  // The anchors must cover the readings (indices is sorted), or the registry when there are none.
  const highest = indices.at(-1) ?? [...registryIndices].reduce((m, i) => Math.max(m, i), -1);
  const anchors =
    options.anchors === undefined || highest < 0
      ? []
      : await bundleAnchors(options.anchors, log, size, highest + 1);
  return {
    format: BUNDLE_FORMAT,
    log: { origin: log.origin, vkey: log.vkey },
    checkpoint: note,
    request,
    entries,
    registry: registryEntries,
    proof: { treeSize: size, hashes: hashes.map(toBase64) },
    summary: computeSummary(request, readings, erased),
    ...(anchors.length > 0 ? { anchors } : {}),
  };
}

/**
 * Per anchor type, the stored record of the smallest tree size that is at least `min` (so it
 * covers every disclosed reading), with the RFC 9162 §2.1.4.1 consistency proof between the
 * bundle checkpoint's size and the anchored size, smaller to larger (empty when equal).
 */
async function bundleAnchors(
  source: AnchorRecordSource,
  log: MerkleLog,
  size: number,
  min: number,
): Promise<BundleAnchorJson[]> {
  const out: BundleAnchorJson[] = [];
  for (const type of await source.types()) {
    const a = await source.smallestAtLeast(type, min, log.publishedSize());
    if (a === undefined) continue;
    const anchored = a.record.size;
    const proof = await log.consistencyProof(Math.min(size, anchored), Math.max(size, anchored));
    out.push({ checkpoint: a.checkpoint, consistency: proof.map(toBase64), record: a.record });
  }
  return out;
}
