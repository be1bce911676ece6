/**
 * One signature to check, and the two shapes of a checker of many: the single vocabulary of
 * the ingest node (its pipeline and worker pool), the bundle verifier and its hosts (the CLI's
 * OpenSSL checker, the page's WebCrypto checker). Pure core: types only.
 *
 * The algorithm is named by the signer's registered key type (docs/registry.md), which fixes
 * the whole signature scheme: a COSE reading's `alg` header is checked against it where the
 * reading is decoded (RFC 9052 §8.1), never passed on beside it.
 */
import type { SignerKeyType } from '../registry/index.ts';

/**
 * One signature to check. By key type:
 * - `Ed25519`: Ed25519 (RFC 8032 §5.1.7), a 32-byte key, a 64-byte signature; COSE EdDSA
 *   (RFC 9053 §2.2);
 * - `P-256`: ECDSA P-256 with SHA-256, a SEC 1 §2.3.3 point, the raw `r ‖ s` signature of
 *   COSE ES256 (RFC 9053 §2.1), 64 bytes;
 * - `OCMF`: ECDSA over SHA-256 on the curve of the key, a DER SubjectPublicKeyInfo
 *   (RFC 5480 §2) and a DER ECDSA-Sig-Value (RFC 3279 §2.2.3), SEC 1 §4.1.4.
 *
 * A host may extend it with what its own checker needs (the page's WebCrypto checker adds the
 * curve an OCMF record names); the verdict depends on these four fields only.
 */
export interface SignatureCheck {
  readonly keyType: SignerKeyType;
  /** As in the registry's `SignerRecord.publicKey`. */
  readonly publicKey: Uint8Array;
  /** The exact signed bytes (COSE Sig_structure, RFC 9052 §4.4; OCMF payload section bytes). */
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * Verifies signatures in bulk: one verdict per check, in order. Must answer `false` (never
 * throw) for a malformed key or signature; a rejection means the verifier itself failed. `C`
 * names the checks a caller hands over when they carry more than a {@link SignatureCheck}
 * (the bundle verifier's carry their reading's leaf index); a verifier of plain checks takes
 * them all. {@link SignatureVerifier.verifyBatch} is one.
 */
export type VerifySignatures<C extends SignatureCheck = SignatureCheck> = (
  checks: readonly C[],
) => Promise<readonly boolean[]>;

/**
 * A {@link VerifySignatures} that holds resources to release (the ingest node's worker pool;
 * the core's `NobleVerifier`, which holds none).
 */
export interface SignatureVerifier {
  /** One verdict per check, in order; a malformed key or signature is `false`, never a throw. */
  verifyBatch(checks: readonly SignatureCheck[]): Promise<readonly boolean[]>;
  /** Releases what the verifier holds (stops its workers). */
  close(): Promise<void>;
}
