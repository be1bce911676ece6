/**
 * Each refusal code of bundle verification in words, for people: one table that the CLI
 * (`wattproof verify`, `certify`) and the browser verifier page both show, so that a code reads
 * the same wherever a bundle is checked (docs/bundle.md §What the verifier checks). Pure core.
 */
import type { BundleErrorCode } from './errors.ts';

/** What each {@link BundleErrorCode} means, in one line of words. */
export const BUNDLE_CODE_WORDS: Readonly<Record<BundleErrorCode, string>> = {
  MALFORMED_BUNDLE: 'the file is not a well-formed wattproof.bundle/v1 document',
  UNSUPPORTED_FORMAT: 'the bundle is of another format version',
  WRONG_LOG: 'the bundle is of another log than the trusted key',
  BAD_CHECKPOINT: 'the checkpoint is not signed by the trusted log key',
  TOO_FEW_WITNESSES: 'too few trusted witnesses cosigned the checkpoint',
  INDEX_OUT_OF_RANGE: 'an entry index lies beyond the checkpoint tree',
  INDEX_ORDER: 'entries are out of index order or disclosed twice',
  WRONG_ENTRY_KIND: 'an entry of a kind that does not belong where it is',
  MALFORMED_LEAF: 'an erased entry is not a wattproof leaf',
  BROKEN_CHAIN: "a chained reading's link does not meet its meter's previous entry",
  PROOF_MISMATCH: 'the entries do not lead to the checkpoint root: altered, dropped or reordered',
  BAD_OPERATOR_DECLARATION: 'an operator key declaration is not signed by the log key',
  NO_OPERATOR_KEY: 'a registry entry comes before any operator key declaration',
  BAD_REGISTRY_ENTRY: 'a key registration or revocation is not signed by the operator key',
  MALFORMED_READING: 'a reading does not decode as a signed reading',
  BAD_READING_SIGNATURE: "a reading's signature does not verify under its registered key",
  KEY_NOT_REGISTERED: "a reading's signer was not registered before it",
  KEY_REVOKED: "a reading's signer was revoked before it",
  METER_NOT_AUTHORIZED: "a reading's signer is not registered for its meter",
  KEY_TYPE_MISMATCH: "a reading needs another key type than its signer's",
  ISSUER_MISMATCH: "a reading's COSE issuer is not its signer",
  OUTSIDE_REQUEST: 'an entry is of a meter or a time the request does not cover',
  SEQUENCE_BROKEN: "a meter's sequence numbers repeat or go backwards",
  INTERVAL_OVERLAP:
    'two readings of one meter and register overlap in time: their energy would count twice',
  REGISTER_BACKWARDS: 'a register goes backwards',
  REGISTER_MISMATCH:
    "a register's progress is not the energy of the interval that directly follows",
  ENERGY_EXCEEDS_REGISTER: "after a gap, a reading's energy exceeds the register's progress",
  SUMMARY_MISMATCH: "the bundle's summary is not the one its verified readings give",
  ANCHOR_WRONG_LOG: 'an anchored checkpoint is of another log',
  ANCHOR_BAD_CHECKPOINT: 'an anchored checkpoint is not signed by the log key',
  ANCHOR_RECORD_MISMATCH: 'an anchor record does not match its checkpoint',
  ANCHOR_INCONSISTENT: 'an anchored checkpoint is not consistent with the bundle checkpoint',
  INDEX_EPOCH_INVALID: 'the index epoch entry is not in the checkpoint tree, or not an epoch',
  INDEX_EPOCH_BEHIND: 'a reading lies beyond the log size the index epoch reflects',
  INDEX_SECTION_MISSING: 'the index section lacks a proof the bundle must carry',
  INDEX_PROOF_MISMATCH: 'an index proof does not lead to the epoch map root',
  INDEX_REGISTRY_INCOMPLETE:
    "the bundle leaves out a registration or revocation of a reading's signer",
  INDEX_READINGS_INCOMPLETE:
    'the log holds other readings of the period than the bundle: one is left out or hidden',
  VERIFIER_ERROR: 'the verifier itself failed: this is not a verdict on the bundle',
};
