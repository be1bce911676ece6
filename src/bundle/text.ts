/**
 * The second pass of a bundle (docs/bundle.md §Building): the entries read again one by one,
 * in index order, and written out between the plan's head and tail — as JSON text in chunks
 * for the HTTP route, or as objects for {@link buildBundle}. Only one chunk is held at a time.
 */
import type { DisclosedEntryJson, ErasedEntryJson } from '../core/bundle/index.ts';
import { bundleEntry, checkAborted } from './entry.ts';
import { BundleBuildError } from './errors.ts';
import { utf8Length, type BundlePlan } from './plan.ts';

/** Characters of JSON text gathered before a chunk is handed on. */
export const BUNDLE_CHUNK_CHARS = 64 * 1024;

/**
 * The plan's entries, read again, in index order. Throws {@link BundleBuildError}
 * `RECORD_CHANGED` when an entry was erased since it was measured (the summary would no longer
 * match), `RECORD_MISSING`, or `ABORTED` once the plan's signal fires.
 */
export async function* planEntries(
  plan: BundlePlan,
): AsyncGenerator<DisclosedEntryJson | ErasedEntryJson> {
  const meters = plan.rest.request.meters;
  const previous = new Map<number, number>();
  for (let k = 0; k < plan.indices.length; k++) {
    if ((k & 255) === 0) checkAborted(plan.signal);
    const index = plan.indices[k]!;
    const pos = plan.meterAt[k]!;
    const before = previous.get(pos);
    previous.set(pos, index);
    const e = await bundleEntry(plan, index, meters[pos]!, before);
    if (e.record.erased !== plan.erased.has(index)) {
      throw new BundleBuildError(
        'RECORD_CHANGED',
        `entry ${index} was erased while its bundle was being sent; ask again`,
        { evidence: { index } },
      );
    }
    yield e.json;
  }
}

/**
 * The bundle as UTF-8 JSON text, in chunks of about {@link BUNDLE_CHUNK_CHARS}: byte for byte
 * `JSON.stringify` of the document {@link buildBundle} returns. The last chunk is held back
 * until the length is checked against the plan's `byteLength`, so a document that changed
 * while being written is never sent whole (`RECORD_CHANGED`).
 */
export async function* bundleText(plan: BundlePlan): AsyncGenerator<string> {
  let chunk = plan.head;
  let bytes = 0;
  let first = true;
  for await (const entry of planEntries(plan)) {
    chunk += (first ? '' : ',') + JSON.stringify(entry);
    first = false;
    if (chunk.length >= BUNDLE_CHUNK_CHARS) {
      bytes += utf8Length(chunk);
      yield chunk;
      chunk = '';
    }
  }
  chunk += plan.tail;
  bytes += utf8Length(chunk);
  if (bytes !== plan.byteLength) {
    throw new BundleBuildError('RECORD_CHANGED', 'the bundle changed while being sent; ask again', {
      evidence: { planned: plan.byteLength, written: bytes },
    });
  }
  yield chunk;
}
