/**
 * What the verifiable index needs to know of a log entry: the core's `indexFactsOf`
 * (core/bundle/index-facts.ts), which the node, `wattproof audit-index` and the bundle verifier
 * all run on an entry's bytes.
 */
export { indexFactsOf } from '../core/bundle/index.ts';
