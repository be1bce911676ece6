/**
 * The policy, options and verdict of offline bundle verification (docs/bundle.md §What the
 * verifier checks), and the refusal every check raises. Pure core.
 */
import type { LogHasher } from '../merkle/index.ts';
import type { MapHasher } from '../vmap/index.ts';
import type { SignatureCheck } from '../signature/index.ts';
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
 * A reading signature check (COSE_Sign1, RFC 9052 §4.4) as {@link verifyBundleAsync} hands it
 * to its `VerifySignatures`: the core's {@link SignatureCheck} (`message` the Sig_structure
 * built from the exact bytes received, `keyType` the registered key's), with the leaf index of
 * the reading, by which a refusal names it. A verifier of plain checks may ignore `index`.
 */
export interface ReadingSignatureCheck extends SignatureCheck {
  readonly index: number;
}

/** How the verifier computes (never what it checks). */
export interface VerifyOptions {
  /**
   * Commitments, leaf and node hashes: the core's `nobleHasher` by default; a host may pass an
   * equal faster one (the CLI passes `node:crypto`'s `nodeHasher`).
   */
  readonly hasher?: LogHasher;
  /**
   * The verifiable map's hashes (the index section's proofs): the core's `nobleMapHasher` by
   * default; the CLI passes `node:crypto`'s `nodeMapHasher`.
   */
  readonly mapHasher?: MapHasher;
}

/** What the index section proved, for the verdict (docs/bundle.md §Index). */
export interface IndexVerdict {
  readonly epoch: number;
  /** The map reflects the log's entries below this size. */
  readonly logSize: number;
  /** The epoch's map root, base64. */
  readonly mapRoot: string;
  /** Leaf index of the epoch entry. */
  readonly entry: number;
  /** Requested meters with flags, and the leaf indices of their flag entries. */
  readonly flagged: readonly { readonly meter: string; readonly indices: readonly number[] }[];
  /** The whole UTC periods of the request proven complete, per meter and channel. */
  readonly complete: readonly {
    readonly meter: string;
    readonly obis: string;
    readonly periods: readonly string[];
  }[];
  /** Signers whose registrations and revocations are proven complete. */
  readonly signers: readonly string[];
}

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
      /**
       * What the verifiable index proved of what the bundle leaves out (docs/bundle.md §Index);
       * undefined when the bundle carries no index section: it then proves no absence (no
       * revocation left out, no reading hidden, no flag).
       */
      readonly index?: IndexVerdict;
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
