/**
 * The signer and verifier interfaces of signed notes (c2sp.org/signed-note §Signatures). A leaf
 * module: the key files (`ed25519.ts`, `ecdsa-p256.ts`, `cosignature.ts`) and `note.ts` implement
 * or use them, and `keys.ts`, which builds verifiers from those files, re-exports them.
 */

/** A key that signs note text (signed-note §Signatures). */
export interface NoteSigner {
  /** Key name, as written on the signature line. */
  readonly name: string;
  /** 32-bit key ID, written big-endian before the signature bytes. */
  readonly keyId: number;
  /** Signature bytes over `message` (the note text), without the 4-byte key ID. */
  sign(message: Uint8Array): Uint8Array;
}

/** A known key that checks note signatures (signed-note §Signatures). */
export interface NoteVerifier {
  /** Key name the signature line must carry. */
  readonly name: string;
  /** 32-bit key ID the signature must start with. */
  readonly keyId: number;
  /** True when `sig` (without the 4-byte key ID) is a valid signature of `message`. */
  verify(message: Uint8Array, sig: Uint8Array): boolean;
  /**
   * For timestamped signature types (c2sp.org/tlog-cosignature): the POSIX timestamp carried by
   * `sig` (without the key ID). Called only after `verify` accepted `sig`.
   */
  timestamp?(sig: Uint8Array): number;
}
