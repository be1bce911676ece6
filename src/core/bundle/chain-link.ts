/**
 * The chain links of offline bundle verification (docs/bundle.md §Chains; docs/log-format.md
 * §Chained readings): a chained reading's link points back, at its meter's previous entry when
 * it names it. Pure core.
 */
import { bytesEqual } from '../bytes.ts';
import { decodeChainLink, encodeChainLink, type ChainLink } from '../leaf/index.ts';
import type { ParsedDisclosed } from './parse.ts';
import { fail } from './verify-types.ts';

/**
 * The link a chained reading's entry bytes start with (docs/bundle.md §Chains): its explicit
 * `link`, or else one rebuilt from the meter's previous entry in the bundle, which the reading
 * then proves. An explicit link must point back, and at that previous entry's leaf hash when it
 * names its index.
 */
export function chainLink(
  e: ParsedDisclosed,
  prev: { index: number; hash: Uint8Array } | undefined,
): Uint8Array {
  if (e.link === undefined) {
    if (prev === undefined) {
      fail('BROKEN_CHAIN', 'no link, and no earlier entry of its meter to link to', e.index);
    }
    return encodeChainLink({ index: prev.index, leafHash: prev.hash });
  }
  let to: ChainLink;
  try {
    to = decodeChainLink(e.link);
  } catch (err) {
    fail('BROKEN_CHAIN', (err as Error).message, e.index, err);
  }
  if (to !== undefined) {
    if (to.index >= e.index)
      fail('BROKEN_CHAIN', `its link points forward to ${to.index}`, e.index);
    if (prev !== undefined && to.index === prev.index && !bytesEqual(to.leafHash, prev.hash)) {
      fail('BROKEN_CHAIN', `its link names entry ${to.index} with another leaf hash`, e.index);
    }
  }
  return e.link;
}
