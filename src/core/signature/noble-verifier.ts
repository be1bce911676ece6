/**
 * The pure-core {@link SignatureVerifier}: every key type checked with `@noble`, on the
 * calling thread. The reference the `node:crypto` and WebCrypto fast paths are tested against
 * (they give the same verdicts, check by check), the bundle verifier's default, and the
 * verifier of browsers and tests. Lives in the core because it is `@noble` only.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { CoseAlg, verifyWithAlg } from '../cose/index.ts';
import { ecdsaVerifyDigest, parseDerEcdsaSignature, parseOcmfPublicKey } from '../ocmf/index.ts';
import type { SignatureCheck, SignatureVerifier } from './signature-check.ts';

/**
 * One check with the pure core: Ed25519 and ES256 through `core/cose` (RFC 9053 §2.1–2.2),
 * OCMF through `core/ocmf` (strict DER key and signature, SHA-256, SEC 1 §4.1.4). `false` for
 * anything malformed or an unknown key type, never a throw.
 */
export function verifyWithNoble(c: SignatureCheck): boolean {
  try {
    switch (c.keyType) {
      case 'Ed25519':
        return verifyWithAlg(CoseAlg.EdDSA, c.signature, c.message, c.publicKey);
      case 'P-256':
        return verifyWithAlg(CoseAlg.ES256, c.signature, c.message, c.publicKey);
      case 'OCMF': {
        const key = parseOcmfPublicKey(c.publicKey);
        const { r, s } = parseDerEcdsaSignature(c.signature, key.curve);
        return ecdsaVerifyDigest(key.curve, r, s, sha256(c.message), key.point);
      }
      default:
        return false;
    }
  } catch {
    return false;
  }
}

/** A {@link SignatureVerifier} on the pure `@noble` core, for browsers, the bundle and tests. */
export class NobleVerifier implements SignatureVerifier {
  /** One verdict per check, computed on the calling thread. */
  async verifyBatch(checks: readonly SignatureCheck[]): Promise<boolean[]> {
    return checks.map(verifyWithNoble);
  }

  /** Nothing to release. */
  async close(): Promise<void> {}
}
