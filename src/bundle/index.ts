/** Building evidence bundles on the node (docs/bundle.md). */
export { buildBundle, streamBundle, type BundleStream } from './builder.ts';
export { BundleBuildError, type BundleBuildErrorCode } from './errors.ts';
export {
  bundleTooLarge,
  checkBundleLimits,
  DEFAULT_BUNDLE_LIMITS,
  NO_BUNDLE_LIMITS,
  type BundleLimits,
} from './limits.ts';
export type { AnchorRecordSource, BuildBundleOptions } from './options.ts';
export { planBundle, type BundlePlan } from './plan.ts';
export { BUNDLE_CHUNK_CHARS, bundleText } from './text.ts';
export type { BundleIndexSource } from './index-section.ts';
