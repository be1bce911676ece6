/**
 * The signature-checking contract of an ingest node: the checks the pipeline hands to a
 * verifier, and the verifier (a `node:crypto` worker pool on the server).
 *
 * Signer and key types belong to the registry (`src/core/registry/`, `src/registry/`), the
 * transport contract to `src/mqtt/transport.ts`.
 */
import type { SignerKeyType } from '../core/registry/index.ts';

/** One signature to check. */
export interface SignatureCheck {
  readonly keyType: SignerKeyType;
  /** As in the registry's `SignerRecord.publicKey`. */
  readonly publicKey: Uint8Array;
  /** The exact signed bytes (COSE Sig_structure; OCMF payload bytes). */
  readonly message: Uint8Array;
  /** Ed25519: 64 bytes; P-256 (COSE): r‖s, 64 bytes; OCMF: DER ECDSA, over SHA-256. */
  readonly signature: Uint8Array;
}

/** Checks signatures in bulk (a `node:crypto` worker pool on the server; `@noble` in the core). */
export interface SignatureVerifier {
  /** One verdict per check, in order; a malformed key or signature is `false`, never a throw. */
  verifyBatch(checks: readonly SignatureCheck[]): Promise<boolean[]>;
  /** Stops the workers. */
  close(): Promise<void>;
}
