/**
 * An in-process {@link SignatureVerifier} on the pure core (`@noble`), for tests: Ed25519 and
 * P-256 through the COSE algorithms, OCMF through the OCMF curves. Optionally delays each
 * call, so tests can make pipelined batches finish their signature checks out of order.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { CoseAlg, verifyWithAlg } from '../../../src/core/cose/index.ts';
import { ecdsaVerifyDigest } from '../../../src/core/ocmf/curves.ts';
import { parseDerEcdsaSignature, parseOcmfPublicKey } from '../../../src/core/ocmf/index.ts';
import type { SignatureCheck, SignatureVerifier } from '../../../src/ingest/types.ts';

/** Verifies one check; never throws. */
export function verifyOne(c: SignatureCheck): boolean {
  try {
    if (c.keyType === 'Ed25519') {
      return verifyWithAlg(CoseAlg.EdDSA, c.signature, c.message, c.publicKey);
    }
    if (c.keyType === 'P-256') {
      return verifyWithAlg(CoseAlg.ES256, c.signature, c.message, c.publicKey);
    }
    const key = parseOcmfPublicKey(c.publicKey);
    const { r, s } = parseDerEcdsaSignature(c.signature, key.curve);
    return ecdsaVerifyDigest(key.curve, r, s, sha256(c.message), key.point);
  } catch {
    return false;
  }
}

/** A verifier that records its calls and may delay them. */
export class NobleVerifier implements SignatureVerifier {
  /** Sizes of the batches verified, in call order. */
  readonly calls: number[] = [];
  /** Delay of the next calls, ms, consumed in order (then 0). */
  readonly delays: number[] = [];

  async verifyBatch(checks: readonly SignatureCheck[]): Promise<boolean[]> {
    this.calls.push(checks.length);
    const delay = this.delays.shift() ?? 0;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    return checks.map(verifyOne);
  }

  async close(): Promise<void> {}
}
