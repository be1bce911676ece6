/**
 * The first of a bundle's two passes (docs/bundle.md §Building, §Limits): find the entries,
 * check them against the limits, read and measure each one, and compute everything that
 * follows the entries (registry entries, multiproof, summary, anchors). What is kept is small
 * — leaf indices, the few figures the summary needs, the document's tail — so that the entries
 * themselves can be read again and written out one by one (`text.ts`) rather than held.
 */
import { Buffer } from 'node:buffer';
import { fromUtf8, toBase64 } from '../core/bytes.ts';
import {
  BUNDLE_FORMAT,
  buildMultiproof,
  computeSummary,
  readingFigures,
  type BundleAnchorJson,
  type BundleJson,
  type DisclosedEntryJson,
  type SummaryReading,
} from '../core/bundle/index.ts';
import { parseCheckpoint, splitNote } from '../core/note/index.ts';
import { tileNodeReader } from '../core/tiles/index.ts';
import type { MerkleLog } from '../log/index.ts';
import { bundleEntry, checkAborted, disclosedJson, type EntrySource } from './entry.ts';
import { indexSection } from './index-section.ts';
import { BundleBuildError } from './errors.ts';
import { bundleTooLarge, checkBundleLimits, NO_BUNDLE_LIMITS, type MeterTally } from './limits.ts';
import type { AnchorRecordSource, BuildBundleOptions } from './options.ts';

/** Everything of a bundle but its entries, and where to read those again. */
export interface BundlePlan extends EntrySource {
  /** The document without `entries`, in the order the document has its fields. */
  readonly rest: Omit<BundleJson, 'entries'>;
  /** Leaf indices of the entries, ascending. */
  readonly indices: Float64Array;
  /** For each of `indices`, the position of its meter in `rest.request.meters`. */
  readonly meterAt: Uint32Array;
  /** The entries that were erased when measured. */
  readonly erased: ReadonlySet<number>;
  /** JSON text before the first entry: `{"format":…,"request":{…},"entries":[`. */
  readonly head: string;
  /** JSON text after the last entry: `],"registry":[…],…}`. */
  readonly tail: string;
  /** Bytes of the whole document (UTF-8). */
  readonly byteLength: number;
  readonly signal: AbortSignal | undefined;
}

// Counting beyond the limit stops here, so that refusing a huge request stays cheap.
const COUNT_BEYOND_LIMIT = 4;

/** The bytes of `text` in UTF-8. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Plans the bundle of `options.meters` over [`from`, `to`) at the latest published checkpoint
 * (or `options.checkpoint`). Entries beyond the checkpoint are left out. Throws
 * {@link BundleBuildError} `INVALID_REQUEST`, `BUNDLE_TOO_LARGE` (before reading any record
 * when there are too many entries; as soon as the measured bytes pass the limit otherwise),
 * `RECORD_MISSING`, `UNKNOWN_SIGNER`, `ABORTED`, or storage errors.
 */
export async function planBundle(options: BuildBundleOptions): Promise<BundlePlan> {
  const { ledger, log, registry, from, to, signal } = options;
  const limits = checkBundleLimits(options.limits ?? NO_BUNDLE_LIMITS);
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

  // Scan the meter index (keys only): refuse too many entries before reading any record.
  const perMeter = new Map<string, MeterTally>();
  const found: number[] = [];
  const foundMeter: number[] = [];
  let total = 0;
  let atLeast = false;
  scan: for (let pos = 0; pos < meters.length; pos++) {
    const tally: MeterTally = { count: 0, firstStart: Infinity, lastStart: -Infinity };
    perMeter.set(meters[pos]!, tally);
    for await (const { index, intervalStart } of ledger.meterEntries(meters[pos]!, from, to)) {
      if (index >= size) continue;
      if ((++total & 1023) === 0) checkAborted(signal);
      tally.count++;
      tally.firstStart = Math.min(tally.firstStart, intervalStart);
      tally.lastStart = Math.max(tally.lastStart, intervalStart);
      if (total <= limits.maxEntries) {
        found.push(index);
        foundMeter.push(pos);
      } else if (total >= limits.maxEntries * COUNT_BEYOND_LIMIT) {
        atLeast = true;
        break scan;
      }
    }
  }
  checkAborted(signal);
  if (total > limits.maxEntries) {
    throw bundleTooLarge({ limits, entries: total, entriesAtLeast: atLeast, perMeter });
  }
  const order = Array.from(found.keys()).sort((a, b) => found[a]! - found[b]!);
  const indices = Float64Array.from(order, (k) => found[k]!);
  const meterAt = Uint32Array.from(order, (k) => foundMeter[k]!);

  // Read and measure each entry; keep only what the summary and the multiproof need.
  const readings: SummaryReading[] = [];
  const signerIds = new Set<string>();
  const channels = new Map<string, Set<string>>();
  const erased = new Set<number>();
  // docs/bundle.md §Chains: a chained reading whose link points at its meter's previous entry
  // in the bundle leaves its link out (the verifier rebuilds it) and proves that entry, which
  // then needs no hashes of the multiproof.
  const linked = new Set<number>();
  const previous = new Map<number, number>();
  let entriesBytes = 0;
  for (let k = 0; k < indices.length; k++) {
    if ((k & 255) === 0) checkAborted(signal);
    const index = indices[k]!;
    const pos = meterAt[k]!;
    const before = previous.get(pos);
    previous.set(pos, index);
    const e = await bundleEntry(options, index, meters[pos]!, before);
    entriesBytes += utf8Length(JSON.stringify(e.json)) + (k > 0 ? 1 : 0);
    if (entriesBytes > limits.maxBytes) {
      const estimate = Math.ceil((entriesBytes / (k + 1)) * indices.length);
      throw bundleTooLarge({
        limits,
        entries: total,
        entriesAtLeast: false,
        bytes: estimate,
        perMeter,
      });
    }
    if (e.record.erased) {
      erased.add(index);
      continue;
    }
    const f = readingFigures(e.record.kind, e.record.bytes, index);
    const signer = registry.get(f.signerId);
    if (signer === undefined) {
      throw new BundleBuildError('UNKNOWN_SIGNER', `entry ${index}: no signer ${f.signerId}`, {
        evidence: { index, signerId: f.signerId },
      });
    }
    signerIds.add(f.signerId);
    const own = channels.get(f.meterId) ?? new Set<string>();
    for (const c of f.channels) own.add(c.obis);
    channels.set(f.meterId, own);
    if ('implicit' in e && e.implicit) linked.add(before!);
    readings.push({
      meterId: f.meterId,
      sequence: f.sequence,
      sequenceScope: f.sequenceScope,
      intervalStart: f.intervalStart,
      intervalEnd: f.intervalEnd,
      channels: f.channels,
      trustMode: signer.mode,
    });
  }
  checkAborted(signal);

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
    const r = await ledger.record(index);
    if (r === undefined || r.erased) {
      throw new BundleBuildError('RECORD_MISSING', `no live private record for entry ${index}`, {
        evidence: { index },
      });
    }
    registryEntries.push(disclosedJson(index, r, false));
  }

  const proven = [...indices.filter((i) => !linked.has(i)), ...registryIndices].sort(
    (a, b) => a - b,
  );
  const read = tileNodeReader(size, (ref) => log.readHashTile(ref.level, ref.index, ref.width));
  const hashes = await buildMultiproof(proven, size, read);
  checkAborted(signal);
  const request = { meters, from, to };
  // The anchors must cover the readings (indices is sorted), or the registry when there are none.
  const highest = indices.at(-1) ?? [...registryIndices].reduce((m, i) => Math.max(m, i), -1);
  const anchors =
    options.anchors === undefined || highest < 0
      ? []
      : await bundleAnchors(options.anchors, log, size, highest + 1);
  const index =
    options.index === undefined
      ? undefined
      : await indexSection(options.index, ledger, log, {
          meters,
          from,
          to,
          size,
          highest: Math.max(indices.at(-1) ?? -1, ...registryIndices),
          signers: signerIds,
          channels,
        });
  checkAborted(signal);
  const rest: Omit<BundleJson, 'entries'> = {
    format: BUNDLE_FORMAT,
    log: { origin: log.origin, vkey: log.vkey },
    checkpoint: note,
    request,
    registry: registryEntries,
    proof: { treeSize: size, hashes: hashes.map(toBase64) },
    summary: computeSummary(request, readings, erased.size),
    ...(anchors.length > 0 ? { anchors } : {}),
    ...(index === undefined ? {} : { index }),
  };
  // JSON.stringify of the whole document is exactly these pieces with the entries between.
  const head =
    `{"format":${JSON.stringify(rest.format)},"log":${JSON.stringify(rest.log)}` +
    `,"checkpoint":${JSON.stringify(rest.checkpoint)},"request":${JSON.stringify(request)}` +
    `,"entries":[`;
  const tail =
    `],"registry":${JSON.stringify(rest.registry)},"proof":${JSON.stringify(rest.proof)}` +
    `,"summary":${JSON.stringify(rest.summary)}` +
    (rest.anchors === undefined ? '' : `,"anchors":${JSON.stringify(rest.anchors)}`) +
    (rest.index === undefined ? '' : `,"index":${JSON.stringify(rest.index)}`) +
    '}';
  const byteLength = utf8Length(head) + entriesBytes + utf8Length(tail);
  if (byteLength > limits.maxBytes) {
    throw bundleTooLarge({
      limits,
      entries: total,
      entriesAtLeast: false,
      bytes: byteLength,
      perMeter,
    });
  }
  return { ledger, log, rest, indices, meterAt, erased, head, tail, byteLength, signal };
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
