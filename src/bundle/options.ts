/** What a bundle is built from and over (docs/bundle.md §Building). */
import type { BundleAnchorRecordJson } from '../core/bundle/index.ts';
import type { Ledger } from '../ledger/index.ts';
import type { MerkleLog } from '../log/index.ts';
import type { Registry } from '../registry/index.ts';
import type { BundleIndexSource } from './index-section.ts';
import type { BundleLimits } from './limits.ts';

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

/** What {@link buildBundle} and {@link streamBundle} need. */
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
  /** The verifiable index, for the bundle's index proofs (docs/bundle.md §Index); none when absent. */
  readonly index?: BundleIndexSource;
  /** The most the bundle may hold (docs/bundle.md §Limits); none when absent. */
  readonly limits?: BundleLimits;
  /** Stops the work (`ABORTED`) when it fires: the client went away. */
  readonly signal?: AbortSignal;
}
