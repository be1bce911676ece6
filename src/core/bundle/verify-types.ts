/**
 * The policy, options and verdict of offline bundle verification (docs/bundle.md §What the
 * verifier checks), and the refusal every check raises. Pure core.
 */
import type { CoseAlgorithm } from '../cose/index.ts';
import type { LogHasher } from '../merkle/index.ts';
import { BundleError, type BundleErrorCode } from './errors.ts';
import type { SummaryReading } from './summary.ts';
import type { BundleSummary } from './types.ts';
import type { VerdictAnchor } from './anchors.ts';

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

export function fail(
  code: BundleErrorCode,
  message: string,
  index?: number,
  cause?: unknown,
): never {
  throw new BundleError(code, index === undefined ? message : `entry ${index}: ${message}`, {
    index,
    cause,
  });
}
