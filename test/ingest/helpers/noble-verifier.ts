/**
 * An in-process {@link SignatureVerifier} on the pure core (`@noble`), for tests: Ed25519 and
 * P-256 through the COSE algorithms, OCMF through the OCMF curves. Optionally delays each
 * call, so tests can make pipelined batches finish their signature checks out of order.
 */
import {
  verifyWithNoble,
  type SignatureCheck,
  type SignatureVerifier,
} from '../../../src/core/signature/index.ts';

/** Verifies one check with the core's `@noble` verifier; never throws. */
export function verifyOne(c: SignatureCheck): boolean {
  return verifyWithNoble(c);
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
