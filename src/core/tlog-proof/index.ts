/** c2sp.org/tlog-proof@v1: text serialisation of an offline-verifiable inclusion proof. */
export { TlogProofError } from './errors.ts';
export type { TlogProofErrorCode } from './errors.ts';
export {
  MAX_PROOF_HASHES,
  TLOG_PROOF_HEADER,
  formatTlogProof,
  parseTlogProof,
} from './tlog-proof.ts';
export type { TlogProof, TlogProofInput } from './tlog-proof.ts';
