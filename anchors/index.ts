/**
 * External anchors (docs/witnessing-and-anchors.md): the interface every anchor implements, the
 * node's background runner and durable store of anchor records, and the checking of a
 * bundle's anchors with the verifiers of their kinds. The kinds live in their own folders
 * (`tsa/` for RFC 3161 timestamps, `evm/` for EVM chains, `witness/` for C2SP witnesses).
 */
export {
  AnchorError,
  checkpointBody,
  checkpointDigest,
  recordBase,
  type Anchor,
  type AnchorAttestation,
  type AnchoredCheckpoint,
  type AnchorErrorCode,
  type AnchorRecordJson,
  type AnchorVerifier,
} from './anchor.ts';
export {
  AnchorRunner,
  type AnchorAttempt,
  type AnchorHealth,
  type AnchorRunnerOptions,
} from './runner.ts';
export { AnchorStore, anchorKey, type StoredAnchor } from './store.ts';
export {
  anchorJson,
  anchorLine,
  anchorPolicyFailures,
  anchorsFailure,
  anchorVerifiers,
  verifyAnchors,
  type AnchorCheck,
  type AnchorPolicyCode,
  type AnchorPolicyFailure,
  type AnchorVerifierSettings,
} from './verify.ts';
