/**
 * The two signature algorithms of signed readings (RFC 9053 §2): EdDSA with Ed25519
 * (RFC 9053 §2.2, RFC 8032 §5.1) and ES256, ECDSA P-256 with SHA-256 whose signature is the
 * raw 64-byte `r ‖ s` (RFC 9053 §2.1), never DER. Pure `@noble/curves`, so it runs in a browser.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { ed25519VerifyStrict } from '../ed25519.ts';
import { CoseError } from './errors.ts';

/** COSE algorithm identifiers (IANA "COSE Algorithms"; RFC 9053 §2.1, §2.2). */
export const CoseAlg = {
  EdDSA: -8,
  ES256: -7,
} as const;

/** A supported COSE algorithm identifier. */
export type CoseAlgorithm = (typeof CoseAlg)[keyof typeof CoseAlg];

/** Signature length in bytes for both algorithms (Ed25519: RFC 8032 §5.1.6; ES256: RFC 9053 §2.1). */
export const SIGNATURE_LENGTH = 64;

/** True when `alg` is EdDSA (−8) or ES256 (−7). */
export function isSupportedAlg(alg: unknown): alg is CoseAlgorithm {
  return alg === CoseAlg.EdDSA || alg === CoseAlg.ES256;
}

function assertAlg(alg: unknown): asserts alg is CoseAlgorithm {
  if (!isSupportedAlg(alg)) {
    throw new CoseError('UNSUPPORTED_ALG', `unsupported COSE algorithm ${String(alg)}`, {
      evidence: { alg },
    });
  }
}

function assertPrivateKey(privateKey: Uint8Array): void {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32) {
    throw new RangeError('private key must be 32 bytes');
  }
}

/**
 * Public key for a 32-byte private key: the 32-byte Ed25519 key (RFC 8032 §5.1.5) or the
 * 33-byte compressed SEC 1 P-256 point.
 */
export function publicKeyFromPrivate(alg: CoseAlgorithm, privateKey: Uint8Array): Uint8Array {
  assertAlg(alg);
  assertPrivateKey(privateKey);
  return alg === CoseAlg.EdDSA
    ? ed25519.getPublicKey(privateKey)
    : p256.getPublicKey(privateKey, true);
}

/**
 * Signs `message` (a Sig_structure, RFC 9052 §4.4): Ed25519 over the message, or
 * deterministic ECDSA (RFC 6979) over SHA-256 of it with a low-S, raw `r ‖ s` result.
 */
export function signWithAlg(
  alg: CoseAlgorithm,
  message: Uint8Array,
  privateKey: Uint8Array,
): Uint8Array {
  assertAlg(alg);
  assertPrivateKey(privateKey);
  if (alg === CoseAlg.EdDSA) return ed25519.sign(message, privateKey);
  return p256.sign(message, privateKey, { prehash: true, lowS: true, format: 'compact' });
}

/**
 * Checks a public key for `alg`: 32-byte Ed25519 point in canonical encoding (RFC 8032
 * §5.1.3), or a 33/65-byte SEC 1 P-256 point on the curve. Throws `INVALID_KEY`.
 */
export function assertValidPublicKey(alg: CoseAlgorithm, publicKey: Uint8Array): void {
  assertAlg(alg);
  let ok = false;
  try {
    if (publicKey instanceof Uint8Array) {
      ok =
        alg === CoseAlg.EdDSA
          ? publicKey.length === 32 && ed25519.utils.isValidPublicKey(publicKey, false)
          : (publicKey.length === 33 || publicKey.length === 65) &&
            p256.utils.isValidPublicKey(publicKey);
    }
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new CoseError('INVALID_KEY', 'public key is not valid for the algorithm', {
      evidence: { alg, length: publicKey instanceof Uint8Array ? publicKey.length : null },
    });
  }
}

/**
 * Verifies a raw signature. Ed25519 uses the RFC 8032 §5.1.7 rules (no ZIP-215 leniency);
 * ES256 accepts high-S signatures (RFC 9053 does not require low-S) but only exactly 64 bytes
 * `r ‖ s`. Returns false for any signature that does not verify, whatever its shape; throws
 * `INVALID_KEY` for a malformed public key and `UNSUPPORTED_ALG` for another algorithm.
 */
export function verifyWithAlg(
  alg: CoseAlgorithm,
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  assertValidPublicKey(alg, publicKey);
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_LENGTH) return false;
  try {
    if (alg === CoseAlg.EdDSA) return ed25519VerifyStrict(signature, message, publicKey);
    return p256.verify(signature, message, publicKey, {
      prehash: true,
      lowS: false,
      format: 'compact',
    });
  } catch {
    return false;
  }
}
