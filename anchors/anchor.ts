/**
 * The one small interface every external anchor implements (RFC 3161 timestamps in
 * `anchors/tsa/`, EVM chains in `anchors/evm/`). An anchor takes a log checkpoint and puts a
 * commitment to it somewhere the log operator cannot rewrite; its record travels in evidence
 * bundles and a verifier checks it against the checkpoint it claims, offline where it can.
 *
 * What every anchor commits to is the checkpoint digest: SHA-256 over the UTF-8 bytes of the
 * checkpoint body (c2sp.org/tlog-checkpoint: origin line, decimal size line, base64 root line,
 * each ending in a newline; no extension lines, no signatures). Origin, size and root are all
 * in it, so the digest names one tree of one log.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { WattproofError } from '../src/core/errors.ts';
import { toBase64, utf8 } from '../src/core/bytes.ts';
import { formatCheckpoint } from '../src/core/note/index.ts';

/** The checkpoint an anchor commits to. */
export interface AnchoredCheckpoint {
  readonly origin: string;
  readonly size: number;
  /** RFC 9162 root hash, 32 bytes. */
  readonly root: Uint8Array;
}

/** The checkpoint body (c2sp.org/tlog-checkpoint) of `cp`, without extension lines. */
export function checkpointBody(cp: AnchoredCheckpoint): string {
  return formatCheckpoint({ origin: cp.origin, size: cp.size, root: cp.root, extensions: [] });
}

/** SHA-256 of the checkpoint body's UTF-8 bytes: the 32 bytes every anchor commits to. */
export function checkpointDigest(cp: AnchoredCheckpoint): Uint8Array {
  return sha256(utf8(checkpointBody(cp)));
}

/**
 * An anchor record as stored and as carried in bundles: JSON only. `type` names the anchor
 * kind (`rfc3161`, `evm`); `origin`, `size` and `root` (base64) name the anchored checkpoint;
 * everything else is the kind's own proof (a timestamp token, a transaction and its block).
 */
export interface AnchorRecordJson {
  readonly type: string;
  readonly origin: string;
  readonly size: number;
  readonly root: string;
  /** When the anchor was obtained, Unix seconds, as the anchor itself attests it. */
  readonly time: number;
  readonly [field: string]: unknown;
}

/** Builds the common part of a record. */
export function recordBase(
  type: string,
  cp: AnchoredCheckpoint,
  time: number,
): Pick<AnchorRecordJson, 'type' | 'origin' | 'size' | 'root' | 'time'> {
  return { type, origin: cp.origin, size: cp.size, root: toBase64(cp.root), time };
}

/** Puts checkpoints where the log operator cannot rewrite them. */
export interface Anchor {
  /** The record `type` this anchor writes. */
  readonly type: string;
  /** A short name for logs and metrics, e.g. the TSA URL or `evm:<chainId>`. */
  readonly name: string;
  /**
   * Anchors `cp` and returns its record. Throws an {@link AnchorError} on failure; the caller
   * retries with back-off and never lets an anchor block ingest.
   */
  anchor(cp: AnchoredCheckpoint, signal?: AbortSignal): Promise<AnchorRecordJson>;
}

/** What a verified record attests. */
export interface AnchorAttestation {
  readonly type: string;
  /** The anchored checkpoint size and root (base64). */
  readonly size: number;
  readonly root: string;
  /** The time the anchor attests, Unix seconds. */
  readonly time: number;
  /** A human line: who attested it and where, e.g. `TSA CN=Test TSA, serial 0x1f`. */
  readonly detail: string;
}

/** Checks records of one `type` against the checkpoint they claim to anchor. */
export interface AnchorVerifier {
  readonly type: string;
  /**
   * Verifies `record` as an anchor of `cp` (whose size and root the caller has already tied to
   * the bundle's checkpoint). Throws an {@link AnchorError} with a precise code on failure.
   */
  verify(record: AnchorRecordJson, cp: AnchoredCheckpoint): Promise<AnchorAttestation>;
}

/**
 * Why an anchor could not be obtained or did not verify.
 *
 * - `ANCHOR_UNAVAILABLE`: the TSA or chain could not be reached or refused the request.
 * - `ANCHOR_MALFORMED`: the record, token or transaction cannot be decoded.
 * - `ANCHOR_WRONG_CHECKPOINT`: the record commits to another digest (another root, size or log).
 * - `ANCHOR_BAD_SIGNATURE`: the token's or transaction's signature does not verify.
 * - `ANCHOR_UNTRUSTED`: the signer is not the trusted TSA certificate / the expected chain.
 * - `ANCHOR_NOT_FOUND`: the chain does not hold the recorded transaction in the recorded block.
 * - `ANCHOR_CONFIG`: a configured URL, key, certificate or contract cannot be used.
 */
export type AnchorErrorCode =
  | 'ANCHOR_UNAVAILABLE'
  | 'ANCHOR_MALFORMED'
  | 'ANCHOR_WRONG_CHECKPOINT'
  | 'ANCHOR_BAD_SIGNATURE'
  | 'ANCHOR_UNTRUSTED'
  | 'ANCHOR_NOT_FOUND'
  | 'ANCHOR_CONFIG';

/** Error of an anchor or anchor verifier. */
export class AnchorError extends WattproofError<AnchorErrorCode> {}
