/**
 * Strict Ed25519 verification (RFC 8032 §5.1.7, no ZIP-215 leniency) for the whole core:
 * @noble's, unless a host installed a faster one ({@link useFasterEd25519}).
 *
 * A host's "valid" stands and its "invalid" is checked again by @noble, whose answer then
 * stands. That gives @noble's verdicts whenever the host's "valid" implies @noble's, as it does
 * for OpenSSL behind a key check (the CLI's): with the public key found canonical and not of
 * small order first, OpenSSL's cofactorless equation `[S]B = R + [k]A` (with `S < L` and `R`
 * compared as encoded) implies the cofactored one @noble checks; the two differ only for
 * crafted signatures with small-order parts, which OpenSSL refuses and @noble then judges.
 */
import { ed25519 } from '@noble/curves/ed25519.js';

/** Verifies `signature` over `message` under the 32-byte `publicKey`; false, never a throw. */
export type Ed25519Verify = (
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
) => boolean;

let faster: Ed25519Verify | undefined;

/**
 * Installs `verify` (or removes it, with undefined) as the first check of every core Ed25519
 * verification in this thread: see the module comment for what it must guarantee.
 */
export function useFasterEd25519(verify: Ed25519Verify | undefined): void {
  faster = verify;
}

/** Strict RFC 8032 verification; false for any signature or key that does not verify. */
export function ed25519VerifyStrict(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (faster !== undefined && faster(signature, message, publicKey)) return true;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}
