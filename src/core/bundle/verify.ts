/**
 * Offline verification of an evidence bundle (DESIGN.md decision 10 and trust model;
 * docs/bundle.md §What the verifier checks), trusting only the log's verifier key and the
 * witness keys the caller names. Pure core: runs in Node and in browsers.
 */
import { CoseAlg, type CoseAlgorithm } from '../cose/algorithms.ts';
import { verifyWithAlg } from '../cose/algorithms.ts';
import {
  decodeChainLink,
  decodeLeaf,
  encodeChainLink,
  encodeLeaf,
  encodeChainedLeaf,
  EntryKind,
  isChainedKind,
  LeafError,
  READING_KINDS,
  type ChainLink,
} from '../leaf/leaf.ts';
import { nobleHasher, type LogHasher } from '../merkle/hasher.ts';
import { ByteSlab, bytesEqual, toBase64 } from '../bytes.ts';
import { openNote, parseCheckpoint, parseVerifierKey, type NoteVerifier } from '../note/index.ts';
import { verifyOcmfRecord } from '../ocmf/index.ts';
import {
  operatorKeyAt,
  verifyOperatorDeclaration,
  verifyRegistryEntry,
  type KeyRegistration,
  type VerifiedOperatorDeclaration,
} from '../registry/index.ts';
import { checkAnchors, type VerdictAnchor } from './anchors.ts';
import { BundleError, type BundleErrorCode } from './errors.ts';
import { rootFromMultiproof } from './multiproof.ts';
import { parseBundleLazily, type LazyBundle, type ParsedDisclosed } from './parse.ts';
import { readingFigures, type ReadingFigures } from './reading-figures.ts';
import { computeSummary, type SummaryReading } from './summary.ts';
import { legacyOcmfChannel } from './legacy-summary.ts';
import type { ChannelFigures } from '../reading/index.ts';
import { checkTimeline, type ContentFault } from './timeline-check.ts';
import type { BundleSummary } from './types.ts';

/** What the verifier trusts. */
export interface VerifyPolicy {
  /** The log's verifier key, `origin+keyid+base64(0x01‖pub)` (c2sp.org/signed-note). */
  readonly logVkey: string;
  /** Witness cosigner keys (c2sp.org/tlog-cosignature, type 0x04) the verifier trusts. */
  readonly witnessVkeys?: readonly string[];
  /** How many of those witnesses must have cosigned the checkpoint (default 0). */
  readonly minWitnesses?: number;
}

/**
 * A reading signature check (COSE_Sign1, RFC 9052 §4.4) that {@link verifyBundleAsync} hands to
 * its caller, so that it can run on `node:crypto`, worker threads or WebCrypto. `message` is the
 * Sig_structure built from the exact bytes received; `signature` is Ed25519 (RFC 8032) or ES256
 * `r ‖ s` (RFC 9053 §2.1); `publicKey` is the registered key (Ed25519 32 bytes, P-256 SEC1).
 */
export interface SignatureJob {
  readonly index: number;
  readonly alg: CoseAlgorithm;
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

/** How the verifier computes (never what it checks). */
export interface VerifyOptions {
  /**
   * Commitments, leaf and node hashes: the core's `nobleHasher` by default; a host may pass an
   * equal faster one (the CLI passes `node:crypto`'s `nodeHasher`).
   */
  readonly hasher?: LogHasher;
}

/**
 * Checks signature jobs; resolves to one boolean per job, in order. Must return false (never
 * throw) for a malformed key or signature; a rejection means the checker itself failed.
 */
export type SignatureChecker = (jobs: readonly SignatureJob[]) => Promise<readonly boolean[]>;

/** A reading that passed every check. */
export interface VerifiedReading extends SummaryReading {
  readonly index: number;
  readonly signerId: string;
}

/** The outcome of {@link verifyBundle}. */
export type Verdict =
  | {
      readonly valid: true;
      readonly origin: string;
      readonly treeSize: number;
      /** The checkpoint root, base64. */
      readonly root: string;
      /** Names of the trusted witnesses whose cosignatures verified. */
      readonly witnesses: readonly string[];
      readonly readings: readonly VerifiedReading[];
      /** Leaf indices of erased readings. */
      readonly erased: readonly number[];
      /** The summary recomputed from the verified readings. */
      readonly summary: BundleSummary;
      /**
       * Anchors tied to the checkpoint (docs/bundle.md §Anchors); their records' own proofs are
       * checked by the kinds' verifiers, not here. Always set by the verifier (empty without
       * anchors); optional for verdicts made by hand.
       */
      readonly anchors?: readonly VerdictAnchor[];
    }
  | {
      readonly valid: false;
      readonly code: BundleErrorCode;
      readonly message: string;
      /** Leaf index of the failing entry, when one entry failed. */
      readonly index: number | undefined;
      readonly error: BundleError;
    };

const REGISTRY_KINDS = new Set<number>([
  EntryKind.operatorKey,
  EntryKind.keyRegistration,
  EntryKind.keyRevocation,
]);

function fail(code: BundleErrorCode, message: string, index?: number, cause?: unknown): never {
  throw new BundleError(code, index === undefined ? message : `entry ${index}: ${message}`, {
    index,
    cause,
  });
}

/** Parses the policy keys; a malformed key throws (the caller's error, not the bundle's). */
function verifiers(policy: VerifyPolicy): { log: NoteVerifier; witnesses: NoteVerifier[] } {
  const log = parseVerifierKey(policy.logVkey);
  const witnesses = (policy.witnessVkeys ?? []).map((k) => parseVerifierKey(k));
  return { log, witnesses };
}

function checkCheckpoint(
  note: string,
  origin: string,
  keys: { log: NoteVerifier; witnesses: NoteVerifier[] },
  minWitnesses: number,
): { size: number; root: Uint8Array; witnesses: string[] } {
  let opened;
  try {
    opened = openNote(note, [keys.log, ...keys.witnesses]);
  } catch (e) {
    fail('BAD_CHECKPOINT', `checkpoint: ${(e as Error).message}`, undefined, e);
  }
  const signedBy = (v: NoteVerifier): boolean =>
    opened.verified.some((s) => s.name === v.name && s.keyId === v.keyId);
  if (!signedBy(keys.log)) fail('BAD_CHECKPOINT', 'the log key did not sign the checkpoint');
  const witnesses = keys.witnesses.filter(signedBy).map((w) => w.name);
  if (new Set(witnesses).size < minWitnesses) {
    fail(
      'TOO_FEW_WITNESSES',
      `${new Set(witnesses).size} trusted witness cosignature(s), ${minWitnesses} required`,
    );
  }
  let cp;
  try {
    cp = parseCheckpoint(opened.text);
  } catch (e) {
    fail('BAD_CHECKPOINT', `checkpoint: ${(e as Error).message}`, undefined, e);
  }
  if (cp.origin !== origin) fail('WRONG_LOG', `the checkpoint is of log ${cp.origin}`);
  return { size: cp.size, root: cp.root, witnesses };
}

function checkIndices(list: readonly number[], treeSize: number, seen: Set<number>): void {
  list.forEach((index, i) => {
    if (index >= treeSize) {
      fail('INDEX_OUT_OF_RANGE', `index is not below tree size ${treeSize}`, index);
    }
    if (i > 0 && index <= list[i - 1]!) fail('INDEX_ORDER', 'out of index order', index);
    if (seen.has(index)) fail('INDEX_ORDER', 'disclosed twice', index);
    seen.add(index);
  });
}

function leafOf(e: ParsedDisclosed, kinds: ReadonlySet<number>, hasher: LogHasher): Uint8Array {
  if (!kinds.has(e.kind)) fail('WRONG_ENTRY_KIND', `kind ${e.kind} does not belong here`, e.index);
  return encodeLeaf(e.kind as EntryKind, e.salt, e.bytes, hasher);
}

interface SignerHistory {
  registrations: { index: number; registration: KeyRegistration }[];
  revocations: number[];
}

function checkRegistry(
  registry: readonly ParsedDisclosed[],
  policy: VerifyPolicy,
  origin: string,
): Map<string, SignerHistory> {
  const declarations: { index: number; declaration: VerifiedOperatorDeclaration }[] = [];
  const signers = new Map<string, SignerHistory>();
  const history = (id: string): SignerHistory => {
    let h = signers.get(id);
    if (h === undefined) {
      h = { registrations: [], revocations: [] };
      signers.set(id, h);
    }
    return h;
  };
  for (const e of registry) {
    if (e.kind === EntryKind.operatorKey) {
      let d: VerifiedOperatorDeclaration;
      try {
        d = verifyOperatorDeclaration(e.bytes, policy.logVkey);
      } catch (err) {
        fail('BAD_OPERATOR_DECLARATION', (err as Error).message, e.index, err);
      }
      if (d.origin !== origin) fail('BAD_OPERATOR_DECLARATION', 'issued by another log', e.index);
      declarations.push({ index: e.index, declaration: d });
      continue;
    }
    const operator = operatorKeyAt(declarations, e.index);
    if (operator === undefined) {
      fail('NO_OPERATOR_KEY', 'no operator key declaration precedes it', e.index);
    }
    let entry;
    try {
      entry = verifyRegistryEntry(e.bytes, operator);
    } catch (err) {
      fail('BAD_REGISTRY_ENTRY', (err as Error).message, e.index, err);
    }
    if (entry.kind !== e.kind) fail('WRONG_ENTRY_KIND', 'the leaf kind differs', e.index);
    if (entry.kind === EntryKind.keyRegistration) {
      history(entry.registration.signerId).registrations.push({
        index: e.index,
        registration: entry.registration,
      });
    } else {
      history(entry.revocation.signerId).revocations.push(e.index);
    }
  }
  return signers;
}

function checkSignature(
  f: ReadingFigures,
  r: KeyRegistration,
  index: number,
  jobs: JobQueue,
): void {
  if (f.cose !== undefined) {
    const alg = r.keyType === 'Ed25519' ? CoseAlg.EdDSA : CoseAlg.ES256;
    // The algorithm is the registered key's, never the message's alone (RFC 9052 §8.1 note).
    if (f.cose.alg !== alg) {
      fail('BAD_READING_SIGNATURE', 'header alg differs from the key algorithm', index);
    }
    jobs.push({
      index,
      alg,
      publicKey: r.publicKey,
      // The Sig_structure (RFC 9052 §4.4), built once by readingFigures.
      message: f.signedContent,
      signature: f.cose.signature,
    });
  } else if (f.ocmf !== undefined) {
    try {
      verifyOcmfRecord(f.ocmf, r.publicKey);
    } catch (e) {
      fail('BAD_READING_SIGNATURE', (e as Error).message, index, e);
    }
  }
}

/** Jobs handed to the checker at a time, so that checks run while the rest is verified. */
export const SIGNATURE_CHUNK = 1_024;

/** The first chunk: small, so that the checker starts early; each next one twice as large. */
const FIRST_CHUNK = 128;

/** Collects signature jobs and hands them on in chunks as they come. */
class JobQueue {
  readonly all: SignatureJob[] = [];
  #sent = 0;
  #chunk = FIRST_CHUNK;

  constructor(private readonly dispatch: (jobs: readonly SignatureJob[]) => void) {}

  push(job: SignatureJob): void {
    this.all.push(job);
    if (this.all.length - this.#sent >= this.#chunk) {
      this.flush();
      this.#chunk = Math.min(2 * this.#chunk, SIGNATURE_CHUNK);
    }
  }

  flush(): void {
    if (this.#sent === this.all.length) return;
    const chunk = this.all.slice(this.#sent);
    this.#sent = this.all.length;
    this.dispatch(chunk);
  }
}

/** Checks jobs here, with the pure core's Ed25519 / P-256 (the default of {@link verifyBundle}). */
function checkJobsHere(jobs: readonly SignatureJob[]): boolean[] {
  return jobs.map((j) => {
    try {
      return verifyWithAlg(j.alg, j.signature, j.message, j.publicKey);
    } catch {
      return false;
    }
  });
}

/** The signer's last registration before leaf `index` (registrations are in index order). */
function registrationBefore(
  h: SignerHistory,
  index: number,
): SignerHistory['registrations'][number] | undefined {
  const list = h.registrations;
  for (let i = list.length - 1; i >= 0; i--) if (list[i]!.index < index) return list[i];
  return undefined;
}

function checkReading(
  e: ParsedDisclosed,
  request: { meters: readonly string[]; from: number; to: number },
  signers: ReadonlyMap<string, SignerHistory>,
  jobs: JobQueue,
  faults: ContentFault[],
  legacy: Map<number, ChannelFigures>,
  slab: ByteSlab,
  decoded?: ReadingFigures,
): VerifiedReading {
  const f = decoded ?? readingFigures(e.kind, e.bytes, e.index, { slab });
  if (!request.meters.includes(f.meterId)) {
    fail('OUTSIDE_REQUEST', `meter ${f.meterId} was not requested`, e.index);
  }
  if (f.intervalStart < request.from || f.intervalStart >= request.to) {
    fail('OUTSIDE_REQUEST', `interval start ${f.intervalStart} is outside the period`, e.index);
  }
  const h = signers.get(f.signerId);
  const reg = h === undefined ? undefined : registrationBefore(h, e.index);
  if (h === undefined || reg === undefined) {
    fail('KEY_NOT_REGISTERED', `signer ${f.signerId} was not registered before it`, e.index);
  }
  const revoked = h.revocations.find((x) => x < e.index);
  if (revoked !== undefined) {
    fail('KEY_REVOKED', `signer ${f.signerId} was revoked at entry ${revoked}`, e.index);
  }
  const registration = reg.registration;
  if (!registration.meters.includes(f.meterId)) {
    fail('METER_NOT_AUTHORIZED', `${f.signerId} is not registered for ${f.meterId}`, e.index);
  }
  if (registration.keyType !== f.keyType) {
    fail(
      'KEY_TYPE_MISMATCH',
      `needs a ${f.keyType} key, the signer has ${registration.keyType}`,
      e.index,
    );
  }
  if (f.issuer !== undefined && f.issuer !== f.signerId) {
    fail('ISSUER_MISMATCH', `iss ${f.issuer} is not the signer ${f.signerId}`, e.index);
  }
  checkSignature(f, registration, e.index, jobs);
  // Reported with the timeline, once every signature is known to be good.
  if (f.fault !== undefined) faults.push({ index: e.index, ...f.fault });
  if (f.ocmf !== undefined) {
    const c = legacyOcmfChannel(f.ocmf);
    if (c !== undefined) legacy.set(e.index, c);
  }
  return {
    index: e.index,
    signerId: f.signerId,
    meterId: f.meterId,
    sequence: f.sequence,
    sequenceScope: f.sequenceScope,
    intervalStart: f.intervalStart,
    intervalEnd: f.intervalEnd,
    channels: f.channels,
    trustMode: registration.mode,
  };
}

function checkSequences(readings: readonly VerifiedReading[]): void {
  const last = new Map<string, { sequence: number }>();
  let run: { meterId: string; scope: string; last: { sequence: number } } | undefined;
  for (const r of readings) {
    // A meter's readings come one after another: most continue the run of the one before.
    if (run === undefined || run.meterId !== r.meterId || run.scope !== r.sequenceScope) {
      const key = `${r.meterId}\u0000${r.sequenceScope}`;
      let seen = last.get(key);
      if (seen === undefined) {
        seen = { sequence: -1 };
        last.set(key, seen);
      }
      run = { meterId: r.meterId, scope: r.sequenceScope, last: seen };
    }
    const prev = run.last.sequence;
    if (prev >= 0 && r.sequence <= prev) {
      fail('SEQUENCE_BROKEN', `sequence ${r.sequence} of ${r.meterId} follows ${prev}`, r.index);
    }
    run.last.sequence = r.sequence;
  }
}

/**
 * The link a chained reading's entry bytes start with (docs/bundle.md §Chains): its explicit
 * `link`, or else one rebuilt from the meter's previous entry in the bundle, which the reading
 * then proves. An explicit link must point back, and at that previous entry's leaf hash when it
 * names its index.
 */
function chainLink(
  e: ParsedDisclosed,
  prev: { index: number; hash: Uint8Array } | undefined,
): Uint8Array {
  if (e.link === undefined) {
    if (prev === undefined) {
      fail('BROKEN_CHAIN', 'no link, and no earlier entry of its meter to link to', e.index);
    }
    return encodeChainLink({ index: prev.index, leafHash: prev.hash });
  }
  let to: ChainLink;
  try {
    to = decodeChainLink(e.link);
  } catch (err) {
    fail('BROKEN_CHAIN', (err as Error).message, e.index, err);
  }
  if (to !== undefined) {
    if (to.index >= e.index)
      fail('BROKEN_CHAIN', `its link points forward to ${to.index}`, e.index);
    if (prev !== undefined && to.index === prev.index && !bytesEqual(to.leafHash, prev.hash)) {
      fail('BROKEN_CHAIN', `its link names entry ${to.index} with another leaf hash`, e.index);
    }
  }
  return e.link;
}

/** Everything checked but the deferred reading signatures. */
interface Prepared {
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
  /** Every signature job, in the order they were dispatched. */
  readonly jobs: readonly SignatureJob[];
  /** Ties the bundle's anchors to its checkpoint (docs/bundle.md §Anchors), after the rest. */
  readonly anchors: () => VerdictAnchor[];
}

function prepare(
  input: unknown,
  policy: VerifyPolicy,
  keys: { log: NoteVerifier; witnesses: NoteVerifier[] },
  dispatch: (jobs: readonly SignatureJob[]) => void,
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
  dispatch: (jobs: readonly SignatureJob[]) => void,
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
  const faults: ContentFault[] = [];
  const legacy = new Map<number, ChannelFigures>();
  const queue = new JobQueue(dispatch);
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
    jobs: queue.all,
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

/** True when the bundle's summary is the one an earlier version computed (legacy-summary.ts). */
function legacySummaryMatches(p: Prepared, given: string): boolean {
  if (p.legacy.size === 0) return false;
  const readings = p.readings.map((r) => {
    const c = p.legacy.get(r.index);
    return c === undefined ? r : { ...r, channels: [c] };
  });
  return JSON.stringify(computeSummary(p.request, readings, p.erased.length)) === given;
}

/** What the checks after the signatures found: their figures, or the first refusal. */
type Content =
  | { readonly ok: true; readonly summary: BundleSummary; readonly anchors: VerdictAnchor[] }
  | { readonly ok: false; readonly error: unknown };

/**
 * The checks that come after the signatures in the order of failures (sequences, timeline,
 * summary, anchors). They do not depend on the signatures' results, so {@link verifyBundleAsync}
 * runs them while the signatures are still being checked; a failure waits in the result and is
 * reported only when every signature is good.
 */
function checkContent(p: Prepared): Content {
  try {
    checkSequences(p.readings);
    checkTimeline(p.readings, p.faults);
    const summary = computeSummary(p.request, p.readings, p.erased.length);
    const given = JSON.stringify(p.summary);
    if (JSON.stringify(summary) !== given && !legacySummaryMatches(p, given)) {
      fail('SUMMARY_MISMATCH', 'the summary differs from the one recomputed from the readings');
    }
    return { ok: true, summary, anchors: p.anchors() };
  } catch (error) {
    return { ok: false, error };
  }
}

function finish(p: Prepared, results: readonly boolean[], content: Content): Verdict {
  if (results.length !== p.jobs.length) {
    throw new Error(`signature checker gave ${results.length} results for ${p.jobs.length} jobs`);
  }
  const bad = results.indexOf(false);
  if (bad >= 0) {
    fail('BAD_READING_SIGNATURE', 'COSE_Sign1 signature does not verify', p.jobs[bad]!.index);
  }
  if (!content.ok) throw content.error;
  const { summary, anchors } = content;
  return {
    valid: true,
    origin: p.origin,
    treeSize: p.cp.size,
    root: toBase64(p.cp.root),
    witnesses: p.cp.witnesses,
    readings: p.readings,
    erased: p.erased,
    summary,
    anchors,
  };
}

function refusal(e: unknown): Verdict {
  // Anything a deeper check throws is a refusal, never a crash; an error no check raises on
  // purpose is the verifier's own failure, not a verdict on the bundle (fail closed, and say so).
  const err =
    e instanceof BundleError
      ? e
      : new BundleError('VERIFIER_ERROR', `the verifier failed: ${String(e)}`, { cause: e });
  return { valid: false, code: err.code, message: err.message, index: err.index, error: err };
}

/**
 * Verifies a wattproof.bundle/v1 document (JSON text, UTF-8 bytes or a parsed value) against
 * `policy`: the checkpoint is signed by the log key (c2sp.org/signed-note) and cosigned by at
 * least `minWitnesses` trusted witnesses (c2sp.org/tlog-cosignature); every disclosed leaf
 * (RFC 9162 §2.1.1 over the 34-byte commitment leaf) is in its tree through the multiproof or
 * through the link of the meter's next chained reading, which is itself proven so; the
 * operator declarations verify under the log key and the registrations and revocations under
 * the operator key in force at their index; each reading verifies (COSE_Sign1, RFC 9052 §4.4,
 * or OCMF ECDSA) under a key registered for its meter before its index and not revoked before
 * it; the readings (and the meters of erased ones) fall inside the request; sequences never
 * repeat or go backwards; per meter and channel the readings' intervals never overlap and the
 * registers agree with the interval energies (`timelineFault`, docs/formats.md "Energy
 * counted once"); and the summary equals the one recomputed from the verified readings.
 * Failures come in the order proofs, registry, readings, signatures, sequences, timeline,
 * summary, anchors (docs/bundle.md §What the verifier checks). Never throws for hostile
 * bundle content (an unexpected failure of the verifier itself is refused `VERIFIER_ERROR`);
 * throws for a malformed `policy` key (the caller's error).
 */
export function verifyBundle(
  input: unknown,
  policy: VerifyPolicy,
  options: VerifyOptions = {},
): Verdict {
  const keys = verifiers(policy);
  try {
    const results: boolean[] = [];
    const check = (jobs: readonly SignatureJob[]): void => {
      for (const r of checkJobsHere(jobs)) results.push(r);
    };
    const p = prepare(input, policy, keys, check, options);
    return finish(p, results, checkContent(p));
  } catch (e) {
    return refusal(e);
  }
}

/**
 * {@link verifyBundle} with the reading signatures (the bulk of the work for a long period)
 * checked by `checkSignatures`: the CLI runs them on `node:crypto` across worker threads, a
 * browser may use WebCrypto. Every other check, and the verdict, are the same. A rejection of
 * `checkSignatures` (the checker failed, not the bundle) rejects this promise.
 */
export async function verifyBundleAsync(
  input: unknown,
  policy: VerifyPolicy,
  checkSignatures: SignatureChecker,
  options: VerifyOptions = {},
): Promise<Verdict> {
  const keys = verifiers(policy);
  const parts: Promise<readonly boolean[]>[] = [];
  let p: Prepared;
  try {
    // Chunks go to the checker as soon as they fill, so the checks (on other threads) overlap
    // the parsing and hashing still going on here.
    const check = (jobs: readonly SignatureJob[]): void => {
      const part = checkSignatures(jobs);
      part.catch(() => undefined); // awaited below unless the bundle is refused first
      parts.push(part);
    };
    p = prepare(input, policy, keys, check, options);
  } catch (e) {
    return refusal(e);
  }
  // Run while the checker is still at work on the last chunks.
  const content = checkContent(p);
  const results = (await Promise.all(parts)).flat();
  try {
    return finish(p, results, content);
  } catch (e) {
    return refusal(e);
  }
}
