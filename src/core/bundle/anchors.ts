/**
 * External anchors in an evidence bundle (docs/bundle.md §Anchors): parsing the optional
 * `anchors` field and tying each anchor to the bundle's checkpoint. An anchor carries the
 * checkpoint it anchored as the log signed it (c2sp.org/tlog-checkpoint in a
 * c2sp.org/signed-note), the RFC 9162 §2.1.4 consistency proof between that checkpoint and the
 * bundle's (smaller size to larger), and the anchor's own record. This file checks everything
 * but the record's own proof (a timestamp token, a transaction), which needs the anchor kind's
 * verifier (`anchors/verify.ts`). Pure core.
 */
import { bytesEqual, fromBase64, toBase64 } from '../bytes.ts';
import { verifyConsistency } from '../merkle/index.ts';
import { openNote, parseCheckpoint, splitNote, type NoteVerifier } from '../note/index.ts';
import { BundleError, type BundleErrorCode } from './errors.ts';

/** Most anchors one bundle may carry. */
export const MAX_BUNDLE_ANCHORS = 16;

/** Most hashes in one anchor's consistency proof (a tree of 2^53 leaves needs fewer than 110). */
export const MAX_ANCHOR_PROOF_HASHES = 128;

/**
 * An anchor record as carried in bundles: `type`, the anchored checkpoint's `origin`, `size` and
 * `root` (base64), the attested `time` (Unix seconds), and the kind's own proof fields. The same
 * shape as `AnchorRecordJson` of `anchors/anchor.ts`, restated here to keep the core free of
 * imports from outside it.
 */
export interface BundleAnchorRecordJson {
  readonly type: string;
  readonly origin: string;
  readonly size: number;
  readonly root: string;
  readonly time: number;
  readonly [field: string]: unknown;
}

/** One element of a bundle's `anchors` list. */
export interface BundleAnchorJson {
  /** The anchored checkpoint as the log signed it (a signed note). */
  readonly checkpoint: string;
  /** RFC 9162 §2.1.4 consistency proof between the two checkpoints' sizes, base64 hashes. */
  readonly consistency: readonly string[];
  readonly record: BundleAnchorRecordJson;
}

/** A parsed anchor: decoded proof hashes and record root. */
export interface ParsedAnchor {
  readonly checkpoint: string;
  readonly consistency: Uint8Array[];
  readonly record: BundleAnchorRecordJson;
  /** The record's root, decoded. */
  readonly recordRoot: Uint8Array;
}

/** An anchor whose checkpoint the bundle verification tied to the bundle's checkpoint. */
export interface VerdictAnchor {
  readonly type: string;
  /** The anchored tree size. */
  readonly size: number;
  /** The anchored root, base64. */
  readonly root: string;
  /** The time the record claims, Unix seconds (checked by the kind's verifier, not here). */
  readonly time: number;
  /** How many of the bundle's disclosed (not erased) readings lie below `size`. */
  readonly covers: number;
  /** The record, for the kind's verifier. */
  readonly record: BundleAnchorRecordJson;
}

function bad(path: string, why: string, cause?: unknown): never {
  throw new BundleError('MALFORMED_BUNDLE', `${path}: ${why}`, { evidence: { path }, cause });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function b64(v: unknown, path: string, size?: number): Uint8Array {
  if (typeof v !== 'string') bad(path, 'not a string');
  let b: Uint8Array;
  try {
    b = fromBase64(v);
  } catch (e) {
    bad(path, 'not canonical standard base64', e);
  }
  if (size !== undefined && b.length !== size) bad(path, `not ${size} bytes`);
  return b;
}

function record(v: unknown, path: string): { record: BundleAnchorRecordJson; root: Uint8Array } {
  if (!isObject(v)) bad(path, 'not an object');
  for (const k of ['type', 'origin', 'size', 'root', 'time']) {
    if (!Object.hasOwn(v, k)) bad(`${path}.${k}`, 'missing');
  }
  if (typeof v.type !== 'string' || v.type === '' || v.type.length > 64) {
    bad(`${path}.type`, 'not a type name');
  }
  if (typeof v.origin !== 'string') bad(`${path}.origin`, 'not a string');
  if (typeof v.size !== 'number' || !Number.isSafeInteger(v.size) || v.size < 0) {
    bad(`${path}.size`, 'not a non-negative safe integer');
  }
  if (typeof v.time !== 'number' || !Number.isFinite(v.time) || v.time < 0) {
    bad(`${path}.time`, 'not a non-negative number');
  }
  const root = b64(v.root, `${path}.root`, 32);
  return { record: v as BundleAnchorRecordJson, root };
}

/**
 * Parses a bundle's `anchors` value (docs/bundle.md §Anchors): at most
 * {@link MAX_BUNDLE_ANCHORS} objects of exactly `checkpoint`, `consistency` and `record`, one
 * per record type. Throws {@link BundleError} `MALFORMED_BUNDLE` naming the path.
 */
export function parseAnchors(value: unknown): ParsedAnchor[] {
  if (!Array.isArray(value)) bad('anchors', 'not an array');
  if (value.length > MAX_BUNDLE_ANCHORS) bad('anchors', 'too many elements');
  const types = new Set<string>();
  return value.map((a: unknown, i) => {
    const path = `anchors[${i}]`;
    if (!isObject(a)) bad(path, 'not an object');
    for (const k of Object.keys(a)) {
      if (!['checkpoint', 'consistency', 'record'].includes(k))
        bad(`${path}.${k}`, 'unknown field');
    }
    for (const k of ['checkpoint', 'consistency', 'record']) {
      if (!Object.hasOwn(a, k)) bad(`${path}.${k}`, 'missing');
    }
    if (typeof a.checkpoint !== 'string') bad(`${path}.checkpoint`, 'not a string');
    const proof = a.consistency;
    if (!Array.isArray(proof)) bad(`${path}.consistency`, 'not an array');
    if (proof.length > MAX_ANCHOR_PROOF_HASHES) bad(`${path}.consistency`, 'too many hashes');
    const r = record(a.record, `${path}.record`);
    if (types.has(r.record.type)) bad(`${path}.record.type`, 'a second anchor of this type');
    types.add(r.record.type);
    return {
      checkpoint: a.checkpoint,
      consistency: proof.map((h, j) => b64(h, `${path}.consistency[${j}]`, 32)),
      record: r.record,
      recordRoot: r.root,
    };
  });
}

/** What {@link checkAnchors} checks the anchors against: the already verified bundle. */
export interface AnchorContext {
  /** The bundle's origin (already tied to the trusted log key). */
  readonly origin: string;
  /** The trusted log key. */
  readonly log: NoteVerifier;
  /** The bundle checkpoint's size and root (already verified). */
  readonly size: number;
  readonly root: Uint8Array;
  /** Leaf indices of the disclosed, verified readings. */
  readonly readings: readonly number[];
}

function fail(
  code: BundleErrorCode,
  i: number,
  a: ParsedAnchor,
  message: string,
  options: { cause?: unknown; evidence?: Record<string, unknown> } = {},
): never {
  throw new BundleError(code, `anchor ${i} (${a.record.type}): ${message}`, {
    ...options,
    evidence: { anchor: i, type: a.record.type, ...options.evidence },
  });
}

function anchoredCheckpoint(
  a: ParsedAnchor,
  i: number,
  ctx: AnchorContext,
): { size: number; root: Uint8Array } {
  let cp;
  try {
    cp = parseCheckpoint(splitNote(a.checkpoint).text);
  } catch (e) {
    fail('ANCHOR_BAD_CHECKPOINT', i, a, `checkpoint: ${(e as Error).message}`, { cause: e });
  }
  if (cp.origin !== ctx.origin) {
    fail('ANCHOR_WRONG_LOG', i, a, `the anchored checkpoint is of log ${cp.origin}`);
  }
  let opened;
  try {
    opened = openNote(a.checkpoint, [ctx.log]);
  } catch (e) {
    fail('ANCHOR_BAD_CHECKPOINT', i, a, `checkpoint: ${(e as Error).message}`, { cause: e });
  }
  if (!opened.verified.some((s) => s.name === ctx.log.name && s.keyId === ctx.log.keyId)) {
    fail('ANCHOR_BAD_CHECKPOINT', i, a, 'the log key did not sign the anchored checkpoint');
  }
  return { size: cp.size, root: cp.root };
}

/**
 * Ties each anchor to the bundle (docs/bundle.md §Anchors): its checkpoint names the bundle's
 * origin (`ANCHOR_WRONG_LOG`) and is signed by the log key (c2sp.org/signed-note;
 * `ANCHOR_BAD_CHECKPOINT`); the record's origin, size and root equal the checkpoint's
 * (`ANCHOR_RECORD_MISMATCH`); and the RFC 9162 §2.1.4.2 consistency proof leads from the
 * smaller of the two checkpoints to the larger (`ANCHOR_INCONSISTENT`; equal sizes need an
 * empty proof and equal roots). Returns the anchors in bundle order.
 */
export function checkAnchors(
  anchors: readonly ParsedAnchor[],
  ctx: AnchorContext,
): VerdictAnchor[] {
  return anchors.map((a, i) => {
    const cp = anchoredCheckpoint(a, i, ctx);
    const r = a.record;
    if (r.origin !== ctx.origin || r.size !== cp.size || !bytesEqual(a.recordRoot, cp.root)) {
      fail('ANCHOR_RECORD_MISMATCH', i, a, 'the record names another checkpoint', {
        evidence: {
          checkpoint: { origin: ctx.origin, size: cp.size, root: toBase64(cp.root) },
          record: { origin: r.origin, size: r.size, root: r.root },
        },
      });
    }
    try {
      if (cp.size <= ctx.size) {
        verifyConsistency(cp.size, ctx.size, a.consistency, cp.root, ctx.root);
      } else {
        verifyConsistency(ctx.size, cp.size, a.consistency, ctx.root, cp.root);
      }
    } catch (e) {
      fail(
        'ANCHOR_INCONSISTENT',
        i,
        a,
        `the anchored checkpoint (size ${cp.size}) is not consistent with the bundle's (size ${ctx.size}): ${(e as Error).message}`,
        { cause: e },
      );
    }
    return {
      type: r.type,
      size: cp.size,
      root: toBase64(cp.root),
      time: r.time,
      covers: ctx.readings.filter((index) => index < cp.size).length,
      record: r,
    };
  });
}
