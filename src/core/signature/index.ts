/**
 * Signature checks (docs/architecture.md): one {@link SignatureCheck} vocabulary for the ingest
 * node and the bundle verifier, the two shapes of a verifier of many, and the pure `@noble`
 * verifier every fast path is measured against. Pure core.
 */
export type { SignatureCheck, SignatureVerifier, VerifySignatures } from './signature-check.ts';
export { NobleVerifier, verifyWithNoble } from './noble-verifier.ts';
