/** Building evidence bundles on the node (docs/bundle.md). */
export { buildBundle, type AnchorRecordSource, type BuildBundleOptions } from './builder.ts';
export { BundleBuildError, type BundleBuildErrorCode } from './errors.ts';
