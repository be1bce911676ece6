/**
 * The preparation of offline bundle verification: the entries parsed as the loop reaches them,
 * their leaves (RFC 9162 §2.1.1 over the commitment leaf) proven through the multiproof or a
 * chained reading's link, and the checkpoint, registry and reading checks run along the way in
 * the order of failures proofs, registry, readings (docs/bundle.md §What the verifier checks).
 * Pure core.
 */
import { ByteSlab, bytesEqual, toBase64 } from '../bytes.ts';
import {
  decodeLeaf,
  encodeLeaf,
  encodeChainedLeaf,
  type EntryKind,
  isChainedKind,
  LeafError,
  READING_KINDS,
} from '../leaf/index.ts';
import { nobleHasher, type LogHasher } from '../merkle/index.ts';
import type { MapHasher } from '../vmap/index.ts';
import type { NoteVerifier } from '../note/index.ts';
import type { ChannelFigures } from '../reading/index.ts';
import { checkAnchors, type VerdictAnchor } from './anchors.ts';
import { chainLink } from './chain-link.ts';
import { checkCheckpoint, checkIndices } from './checkpoint-check.ts';
import { BundleError } from './errors.ts';
import { rootFromMultiproof } from './multiproof.ts';
import type { ParsedIndex } from './index-section.ts';
import {
  parseBundleLazily,
  type LazyBundle,
  type ParsedDisclosed,
  type ParsedErased,
} from './parse.ts';
import { checkReading, CheckQueue } from './reading-check.ts';
import { readingFigures, type ReadingFigures } from './reading-figures.ts';
import { checkRegistry, REGISTRY_KINDS, type SignerHistory } from './registry-check.ts';
import type { ContentFault } from './timeline-check.ts';
import {
  fail,
  type ReadingSignatureCheck,
  type VerifiedReading,
  type VerifyOptions,
  type VerifyPolicy,
} from './verify-types.ts';

function leafOf(e: ParsedDisclosed, kinds: ReadonlySet<number>, hasher: LogHasher): Uint8Array {
  if (!kinds.has(e.kind)) fail('WRONG_ENTRY_KIND', `kind ${e.kind} does not belong here`, e.index);
  return encodeLeaf(e.kind as EntryKind, e.salt, e.bytes, hasher);
}

/** Everything checked but the deferred reading signatures. */
export interface Prepared {
  readonly origin: string;
  readonly cp: { size: number; root: Uint8Array; witnesses: string[] };
  readonly request: { meters: readonly string[]; from: number; to: number };
  readonly summary: unknown;
  readonly readings: VerifiedReading[];
  readonly erased: number[];
  /** Faults of verified readings' own signed content (docs/bundle.md step 9). */
  readonly faults: readonly ContentFault[];
  /** The channel earlier versions took from each OCMF reading, by leaf index (legacy-summary.ts). */
  readonly legacy: ReadonlyMap<number, ChannelFigures>;
  /** Every reading signature check, in the order they were dispatched. */
  readonly checks: readonly ReadingSignatureCheck[];
  /** Ties the bundle's anchors to its checkpoint (docs/bundle.md §Anchors), after the rest. */
  readonly anchors: () => VerdictAnchor[];
  /** The index section (docs/bundle.md §Index), checked after the summary. */
  readonly index: ParsedIndex | undefined;
  /** The registry entries, as disclosed. */
  readonly registry: readonly ParsedDisclosed[];
  /** The erased entries, as disclosed. */
  readonly erasedEntries: readonly ParsedErased[];
  readonly hasher: LogHasher;
  readonly mapHasher: MapHasher | undefined;
}

export function prepare(
  input: unknown,
  policy: VerifyPolicy,
  keys: { log: NoteVerifier; witnesses: NoteVerifier[] },
  dispatch: (checks: readonly ReadingSignatureCheck[]) => void,
  options: VerifyOptions,
): Prepared {
  // The entries are parsed as the loop below reaches them, so that the first signatures go to
  // the checker early; any refusal waits for the rest to be parsed, since a malformed entry
  // comes first (as it would with the whole bundle parsed up front).
  const b = parseBundleLazily(input);
  try {
    return prepareParsed(b, policy, keys, dispatch, options);
  } catch (err) {
    b.parseRest();
    throw err;
  }
}

function prepareParsed(
  b: LazyBundle,
  policy: VerifyPolicy,
  keys: { log: NoteVerifier; witnesses: NoteVerifier[] },
  dispatch: (checks: readonly ReadingSignatureCheck[]) => void,
  options: VerifyOptions,
): Prepared {
  const hasher = options.hasher ?? nobleHasher;
  // RFC 9162 §2.1.1: leaf hash SHA-256(0x00 ‖ leaf), node hash SHA-256(0x01 ‖ left ‖ right).
  const leafHash = (leaf: Uint8Array): Uint8Array => hasher.leafHash(leaf);
  const nodeHash = (l: Uint8Array, r: Uint8Array): Uint8Array => hasher.nodeHash(l, r);
  if (b.vkey !== policy.logVkey) fail('WRONG_LOG', 'the bundle names another log key');
  if (b.origin !== keys.log.name) fail('WRONG_LOG', `origin ${b.origin} is not the log's`);
  const cp = checkCheckpoint(b.checkpoint, b.origin, keys, policy.minWitnesses ?? 0);
  if (b.treeSize !== cp.size) fail('PROOF_MISMATCH', 'proof tree size is not the checkpoint size');

  const seen = new Set<number>();
  checkIndices(b.indices(), cp.size, seen);
  checkIndices(
    b.registry.map((e) => e.index),
    cp.size,
    seen,
  );
  // The registry and the readings are checked as the leaves are computed, so that the reading
  // signatures go to the checker (other threads) while the rest is hashed; but their failures
  // are reported only once the leaves are known to be the log's, in the order: proofs,
  // registry, readings (then, in `finish`, signatures, sequences and the timeline).
  let deferred: unknown;
  let signers: Map<string, SignerHistory> | undefined;
  try {
    signers = checkRegistry(b.registry, policy, b.origin);
  } catch (err) {
    deferred = err;
  }
  const readings: VerifiedReading[] = [];
  const erased: number[] = [];
  const erasedEntries: ParsedErased[] = [];
  const faults: ContentFault[] = [];
  const legacy = new Map<number, ChannelFigures>();
  const queue = new CheckQueue(dispatch);
  // The entries' bytes are the parser's own copies: figures are views into them, and the
  // Sig_structures are carved out of one slab.
  const slab = new ByteSlab();
  // The leaves. Those that a later chained reading of the bundle links to are proven through
  // that link (docs/bundle.md §Chains); the others, and the registry's, through the multiproof.
  const hashes: Uint8Array[] = [];
  const linked = new Uint8Array(b.entryCount);
  const lastOfMeter = new Map<string, { position: number; index: number; hash: Uint8Array }>();
  for (let position = 0; position < b.entryCount; position++) {
    const e = b.entry(position);
    let leaf: Uint8Array;
    let meter: string | undefined;
    let figures: ReadingFigures | undefined;
    if (e.erased) {
      try {
        leaf = e.leaf;
        const kind = decodeLeaf(leaf).kind;
        if (!READING_KINDS.has(kind))
          fail('WRONG_ENTRY_KIND', 'erased leaf is not a reading', e.index);
      } catch (err) {
        if (!(err instanceof LeafError)) throw err;
        fail('MALFORMED_LEAF', err.message, e.index, err);
      }
      meter = e.meter;
    } else if (isChainedKind(e.kind)) {
      // The meter, to find the entry the link points at, is in the signed bytes.
      figures = readingFigures(e.kind, e.bytes, e.index, { slab });
      meter = figures.meterId;
      const prev = lastOfMeter.get(meter);
      const link = chainLink(e, prev);
      if (e.link === undefined) linked[prev!.position] = 1;
      // The entry bytes are link ‖ signed bytes (docs/log-format.md §Chained readings).
      leaf = encodeChainedLeaf(e.kind as EntryKind, e.salt, link, e.bytes, hasher);
    } else {
      leaf = leafOf(e, READING_KINDS, hasher);
    }
    if (e.erased) {
      erased.push(e.index);
      erasedEntries.push(e);
      // Its meter is the builder's word (or its chain's), but it must be one requested.
      if (deferred === undefined && e.meter !== undefined && !b.request.meters.includes(e.meter)) {
        deferred = new BundleError(
          'OUTSIDE_REQUEST',
          `entry ${e.index}: erased reading of meter ${e.meter}, which was not requested`,
          { index: e.index },
        );
      }
    } else if (deferred === undefined) {
      try {
        readings.push(checkReading(e, b.request, signers!, queue, faults, legacy, slab, figures));
      } catch (err) {
        deferred = err;
      }
    }
    // Kept to the end: copied into the slab, out of the hash function's own buffer.
    const hash = slab.take(32);
    hash.set(leafHash(leaf));
    hashes.push(hash);
    if (meter !== undefined) {
      const last = lastOfMeter.get(meter);
      if (last === undefined) lastOfMeter.set(meter, { position, index: e.index, hash });
      else {
        last.position = position;
        last.index = e.index;
        last.hash = hash;
      }
    }
  }
  const leaves: { index: number; hash: Uint8Array }[] = [];
  b.entries.forEach((e, position) => {
    if (linked[position] === 0) leaves.push({ index: e.index, hash: hashes[position]! });
  });
  for (const e of b.registry)
    leaves.push({ index: e.index, hash: leafHash(leafOf(e, REGISTRY_KINDS, hasher)) });
  leaves.sort((x, y) => x.index - y.index);
  const root = rootFromMultiproof(cp.size, leaves, b.hashes, nodeHash);
  if (!bytesEqual(root, cp.root)) {
    throw new BundleError('PROOF_MISMATCH', 'the multiproof does not lead to the checkpoint root', {
      evidence: { expected: toBase64(cp.root), got: toBase64(root) },
    });
  }

  if (deferred !== undefined) throw deferred;
  queue.flush();

  return {
    origin: b.origin,
    cp,
    request: b.request,
    summary: b.summary,
    readings,
    erased,
    faults,
    legacy,
    checks: queue.all,
    index: b.index,
    registry: b.registry,
    erasedEntries,
    hasher,
    mapHasher: options.mapHasher,
    anchors: () =>
      checkAnchors(b.anchors, {
        origin: b.origin,
        log: keys.log,
        size: cp.size,
        root: cp.root,
        readings: readings.map((r) => r.index),
      }),
  };
}
