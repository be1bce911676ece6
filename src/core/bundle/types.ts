/**
 * The evidence bundle document, wattproof.bundle/v1 (DESIGN.md decision 10; docs/bundle.md):
 * JSON with bytes as standard base64 (RFC 4648 §4).
 */
import type { BundleAnchorJson } from './anchors.ts';
import type { BundleIndexJson } from './index-section.ts';

/** The `format` value of this version. */
export const BUNDLE_FORMAT = 'wattproof.bundle/v1';

/**
 * A disclosed entry: its leaf index, entry kind, salt and exact entry bytes (base64). For a
 * chained reading (kinds 3 and 4) `bytes` are the signed bytes after the link, and `link` is
 * present only when the link does not point at the meter's previous entry in this bundle (the
 * verifier rebuilds it from that entry otherwise; docs/bundle.md §Chains).
 */
export interface DisclosedEntryJson {
  readonly index: number;
  readonly kind: number;
  readonly salt: string;
  readonly bytes: string;
  readonly link?: string;
}

/**
 * An erased reading: only its 34-byte public leaf (base64) remains, with the meter it belonged
 * to (so that the meter's next chained reading can link to it).
 */
export interface ErasedEntryJson {
  readonly index: number;
  readonly erased: true;
  readonly leaf: string;
  readonly meter?: string;
  /** The index keys it was filed under (base64), kept by erasure (docs/index.md §The map function). */
  readonly indexKeys?: readonly string[];
}

/** The bundle document as JSON. */
export interface BundleJson {
  readonly format: typeof BUNDLE_FORMAT;
  readonly log: { readonly origin: string; readonly vkey: string };
  /** The checkpoint as a signed note (C2SP tlog-checkpoint), with any cosignature lines. */
  readonly checkpoint: string;
  /** Meters and the period [from, to) of interval starts, Unix seconds. */
  readonly request: {
    readonly meters: readonly string[];
    readonly from: number;
    readonly to: number;
  };
  /** The readings, in index order. */
  readonly entries: readonly (DisclosedEntryJson | ErasedEntryJson)[];
  /** Operator declarations, registrations and revocations the readings depend on, index order. */
  readonly registry: readonly DisclosedEntryJson[];
  /**
   * One multiproof of the disclosed leaves that no later chained reading of the bundle links
   * to (docs/bundle.md §Multiproof, §Chains).
   */
  readonly proof: { readonly treeSize: number; readonly hashes: readonly string[] };
  readonly summary: BundleSummary;
  /** External anchors of checkpoints covering the readings (optional; docs/bundle.md §Anchors). */
  readonly anchors?: readonly BundleAnchorJson[];
  /** The verifiable index's proofs of what the bundle leaves out (optional; docs/bundle.md §Index). */
  readonly index?: BundleIndexJson;
}

/** Gaps in a meter's sequence numbers: `[from, to]` inclusive were not disclosed. */
export interface SequenceGap {
  /** OCMF pagination scope (`T`, `F`) or `""` for native readings. */
  readonly scope: string;
  readonly from: number;
  readonly to: number;
}

/** A stretch of the period `[from, to)` covered by no disclosed reading of the meter. */
export interface IntervalGap {
  readonly from: number;
  readonly to: number;
}

/** Energy of one UTC hour, in Wh. */
export interface HourFigures {
  /** Start of the hour, Unix seconds. */
  readonly start: number;
  readonly importWh: number;
  readonly exportWh: number;
}

/** Counts of readings by the trust mode of their signer's registration. */
export interface TrustCounts {
  readonly device: number;
  readonly platform: number;
}

/** The recomputed figures of one meter. */
export interface MeterSummary {
  readonly meter: string;
  readonly readings: number;
  readonly trust: TrustCounts;
  readonly importWh: number;
  readonly exportWh: number;
  /** Readings of another OBIS register (neither 1-0:1.8.0 nor 1-0:2.8.0): counted, not summed. */
  readonly otherRegisterReadings: number;
  /** Readings longer than one hour: in the totals, not in `hours`. */
  readonly longIntervalReadings: number;
  /** UTC hours with at least one reading, in order. */
  readonly hours: readonly HourFigures[];
  readonly sequenceGaps: readonly SequenceGap[];
  readonly intervalGaps: readonly IntervalGap[];
}

/** The summary: per meter, then totals. Informational in the bundle; verifiers recompute it. */
export interface BundleSummary {
  readonly period: { readonly from: number; readonly to: number };
  readonly meters: readonly MeterSummary[];
  readonly totals: {
    readonly readings: number;
    readonly importWh: number;
    readonly exportWh: number;
    readonly trust: TrustCounts;
    readonly erased: number;
  };
}
