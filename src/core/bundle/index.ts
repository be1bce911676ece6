/**
 * Evidence bundles (DESIGN.md decision 10; docs/bundle.md): the wattproof.bundle/v1 format, the
 * multiproof over RFC 9162 §2.1.1 trees, the summary, and offline verification. Pure core.
 */
export {
  MAX_ANCHOR_PROOF_HASHES,
  MAX_BUNDLE_ANCHORS,
  parseAnchors,
  checkAnchors,
  type AnchorContext,
  type BundleAnchorJson,
  type BundleAnchorRecordJson,
  type ParsedAnchor,
  type VerdictAnchor,
} from './anchors.ts';
export { BUNDLE_CODE_WORDS } from './code-words.ts';
export { BundleError, type BundleErrorCode } from './errors.ts';
export {
  buildMultiproof,
  multiproofRanges,
  rootFromMultiproof,
  type LeafRange,
} from './multiproof.ts';
export {
  MAX_BUNDLE_ENTRIES,
  parseBundle,
  type ParsedBundle,
  type ParsedDisclosed,
  type ParsedErased,
} from './parse.ts';
export { checkIndex, type IndexCheckInput } from './index-check.ts';
export type { IndexVerdict } from './verify-types.ts';
export { indexFactsOf } from './index-facts.ts';
export { indexLines } from './index-text.ts';
export { parseIndexSection, type BundleIndexJson, type ParsedIndex } from './index-section.ts';
export { readingFigures, type ReadingFigures } from './reading-figures.ts';
export { computeSummary, type SummaryReading } from './summary.ts';
export {
  checkTimeline,
  findTimelineBreak,
  type ContentFault,
  type TimelineBreak,
  type TimelineBreakCode,
  type TimelineEntry,
  type TimelineReading,
} from './timeline-check.ts';
export { formatUtc } from './utc-time.ts';
export {
  BUNDLE_FORMAT,
  type BundleJson,
  type BundleSummary,
  type DisclosedEntryJson,
  type ErasedEntryJson,
  type HourFigures,
  type IntervalGap,
  type MeterSummary,
  type SequenceGap,
  type TrustCounts,
} from './types.ts';
export {
  verifyBundle,
  verifyBundleAsync,
  type ReadingSignatureCheck,
  type Verdict,
  type VerifiedReading,
  type VerifyPolicy,
} from './verify.ts';
