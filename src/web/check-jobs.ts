/**
 * The reading signature checks of a bundle (COSE_Sign1, RFC 9052 §4.4: Ed25519 per RFC 8032,
 * ES256 per RFC 9053 §2.1) with the pure core's @noble code: what the page's Web Workers run,
 * and its fallback on the main thread.
 */
import type { SignatureJob } from '../core/bundle/index.ts';
import { verifyWithAlg } from '../core/cose/index.ts';

/** The fields of a {@link SignatureJob} a check needs (what goes to a worker). */
export type JobData = Pick<SignatureJob, 'alg' | 'publicKey' | 'message' | 'signature'>;

/** One boolean per job, in order; false (never a throw) for a malformed key or signature. */
export function checkJobs(jobs: readonly JobData[]): boolean[] {
  return jobs.map((j) => {
    try {
      return verifyWithAlg(j.alg, j.signature, j.message, j.publicKey);
    } catch {
      return false;
    }
  });
}
