/**
 * One entry of a bundle's `entries` (docs/bundle.md §Schema, §Chains): a disclosed reading with
 * its salt and bytes, its link only where the verifier cannot rebuild it, or an erased reading
 * with its public leaf and meter. The plan and the writer both make entries here, so the
 * document sent is the one measured.
 */
import { toBase64 } from '../core/bytes.ts';
import type { DisclosedEntryJson, ErasedEntryJson } from '../core/bundle/index.ts';
import { decodeChainLink } from '../core/leaf/index.ts';
import type { EntryRecord } from '../ledger/index.ts';
import type { Ledger } from '../ledger/index.ts';
import type { MerkleLog } from '../log/index.ts';
import { BundleBuildError } from './errors.ts';

/** The parts an entry is read from. */
export interface EntrySource {
  readonly ledger: Pick<Ledger, 'record'>;
  readonly log: Pick<MerkleLog, 'entry'>;
}

/** An entry as it goes into the bundle, with the record it was made from. */
export type BundleEntry =
  | {
      readonly json: DisclosedEntryJson;
      readonly record: EntryRecord & { erased: false };
      /** The link points at the meter's previous entry in the bundle, and is left out. */
      readonly implicit: boolean;
    }
  | { readonly json: ErasedEntryJson; readonly record: EntryRecord & { erased: true } };

/** A disclosed entry's JSON: `{ index, kind, salt, bytes, link? }` in that order. */
export function disclosedJson(
  index: number,
  r: EntryRecord & { erased: false },
  withLink: boolean,
): DisclosedEntryJson {
  return {
    index,
    kind: r.kind,
    salt: toBase64(r.salt),
    bytes: toBase64(r.bytes),
    ...(withLink && r.link !== undefined ? { link: toBase64(r.link) } : {}),
  };
}

/**
 * The entry at leaf `index` of `meter`, whose previous entry in the bundle is `before` (if
 * any). Throws {@link BundleBuildError} `RECORD_MISSING` when the private record is gone.
 */
export async function bundleEntry(
  source: EntrySource,
  index: number,
  meter: string,
  before: number | undefined,
): Promise<BundleEntry> {
  const r = await source.ledger.record(index);
  if (r === undefined) {
    throw new BundleBuildError('RECORD_MISSING', `no private record for entry ${index}`, {
      evidence: { index },
    });
  }
  if (r.erased) {
    const leaf = toBase64(await source.log.entry(index));
    const keys = r.indexKeys ?? [];
    return {
      json: {
        index,
        erased: true,
        leaf,
        meter,
        ...(keys.length > 0 ? { indexKeys: keys.map(toBase64) } : {}),
      },
      record: r,
    };
  }
  const to = r.link === undefined ? undefined : decodeChainLink(r.link);
  const implicit = to !== undefined && before !== undefined && to.index === before;
  return { json: disclosedJson(index, r, !implicit), record: r, implicit };
}

/** Throws `ABORTED` once `signal` has fired. */
export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) {
    throw new BundleBuildError('ABORTED', 'the bundle request was abandoned', {
      cause: signal.reason,
    });
  }
}
