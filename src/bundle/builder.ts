/**
 * Builds evidence bundles (DESIGN.md decision 10; docs/bundle.md) from a node's ledger, log and
 * registry: the readings of some meters over [from, to), the registry entries they depend on,
 * one multiproof at a published checkpoint of those that no later chained reading of the
 * bundle links to, and the summary the verifier will recompute (the same core function
 * computes both). Two passes: `plan.ts` measures the bundle and computes all but the entries,
 * `text.ts` reads the entries again and writes them out, so the node streams a bundle instead
 * of holding it (docs/bundle.md §Limits).
 */
import type { BundleJson, DisclosedEntryJson, ErasedEntryJson } from '../core/bundle/index.ts';
import type { BuildBundleOptions } from './options.ts';
import { planBundle } from './plan.ts';
import { bundleText, planEntries } from './text.ts';

/** A bundle ready to be sent: its length, and its JSON text. */
export interface BundleStream {
  /** Bytes of the JSON document (UTF-8). */
  readonly byteLength: number;
  /** The document's text, in chunks, read from the store as it is consumed. */
  readonly text: AsyncIterable<string>;
}

/**
 * Builds the bundle of `meters` over [`from`, `to`) at the latest published checkpoint (or
 * `options.checkpoint`), as one object. Entries beyond the checkpoint are left out; erased
 * readings become `{ index, erased: true, leaf, meter }`. Throws {@link BundleBuildError}
 * (`INVALID_REQUEST`, `BUNDLE_TOO_LARGE` with `options.limits`, `RECORD_MISSING`,
 * `RECORD_CHANGED`, `UNKNOWN_SIGNER`, `ABORTED` with `options.signal`) or storage errors.
 */
export async function buildBundle(options: BuildBundleOptions): Promise<BundleJson> {
  const plan = await planBundle(options);
  const entries: (DisclosedEntryJson | ErasedEntryJson)[] = [];
  for await (const e of planEntries(plan)) entries.push(e);
  const { format, log, checkpoint, request, ...after } = plan.rest;
  return { format, log, checkpoint, request, entries, ...after };
}

/**
 * The same bundle as {@link buildBundle}, as JSON text that is `JSON.stringify` of that
 * object byte for byte. Everything that can refuse the request (limits included) throws before
 * this resolves; reading `text` can still throw `RECORD_CHANGED` (an erasure meanwhile),
 * `ABORTED` or a storage error, and then stops before the document is complete.
 */
export async function streamBundle(options: BuildBundleOptions): Promise<BundleStream> {
  const plan = await planBundle(options);
  return { byteLength: plan.byteLength, text: bundleText(plan) };
}
