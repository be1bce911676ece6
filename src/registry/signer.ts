/**
 * A registered signer as the ingest checks see it, and the lookup the registry offers them.
 * The registry owns these types; the ingest pipeline imports them.
 */
import type { SignerKeyType, TrustMode } from '../core/registry/index.ts';

/** A registered signing key (device or platform), as the registry holds it. */
export interface SignerRecord {
  /** The signer's id: the COSE `kid` (UTF-8) and CWT `iss`; for OCMF meters, the meter serial. */
  readonly signerId: string;
  readonly mode: TrustMode;
  readonly keyType: SignerKeyType;
  /** Ed25519: 32 raw bytes; P-256: 65-byte SEC1 uncompressed point; OCMF: DER SubjectPublicKeyInfo. */
  readonly publicKey: Uint8Array;
  /** Meters this signer may sign readings for (a device: exactly its own meter). */
  readonly meters: readonly string[];
  /** Rated capacity in watts, per meter, for plausibility checks. */
  readonly ratedCapacityW: number;
  /** Leaf index of the registration entry. */
  readonly registeredAt: number;
  /** Leaf index of the revocation entry, if revoked. */
  readonly revokedAt?: number;
}

/** Looks signers up (synchronously: the registry keeps them in memory). */
export interface SignerDirectory {
  /** The signer with this id (COSE kid, or OCMF meter serial), if registered. */
  get(signerId: string): SignerRecord | undefined;
}
