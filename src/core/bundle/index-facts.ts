/**
 * What the verifiable index needs to know of a log entry (docs/index.md §The map function),
 * read from its bytes with the core's own decoders (a reading as the verifier reads it): the
 * node, `wattproof audit-index` and a verifier run this same function, so that the node files
 * every entry exactly where they expect it. Pure core.
 */
import { readingFigures } from './reading-figures.ts';
import { isWattproofError } from '../errors.ts';
import { EntryKind, READING_KINDS } from '../leaf/index.ts';
import { decodeMeterFlag, type IndexFacts } from '../ledger-index/index.ts';
import { openRegistryEntry } from '../registry/index.ts';

/**
 * The index facts of the entry of `kind` with stored `bytes` (a chained reading's signed bytes,
 * without its link) at leaf `index`; undefined for an entry the index does not file (operator
 * key declarations, epochs) and for bytes its kind cannot decode (the ledger only stores
 * entries that decoded when they came in; should one not, every party files it nowhere alike).
 */
export function indexFactsOf(
  kind: number,
  bytes: Uint8Array,
  index: number,
): IndexFacts | undefined {
  try {
    return factsOf(kind, bytes, index);
  } catch (e) {
    if (isWattproofError(e)) return undefined;
    throw e;
  }
}

function factsOf(kind: number, bytes: Uint8Array, index: number): IndexFacts | undefined {
  if (READING_KINDS.has(kind)) {
    const f = readingFigures(kind, bytes, index);
    return {
      type: 'reading',
      meterId: f.meterId,
      channels: f.channels.map((c) => ({ obis: c.obis, intervalStart: c.intervalStart })),
    };
  }
  if (kind === EntryKind.keyRegistration || kind === EntryKind.keyRevocation) {
    const e = openRegistryEntry(bytes);
    const signerId =
      e.kind === EntryKind.keyRegistration ? e.registration.signerId : e.revocation.signerId;
    return { type: 'registry', signerId };
  }
  if (kind === EntryKind.meterFlag) {
    return { type: 'meter-flag', meterId: decodeMeterFlag(bytes).meterId };
  }
  return undefined;
}
