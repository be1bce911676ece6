/**
 * The CLI's reading-signature checker for {@link verifyBundleAsync}: OpenSSL through
 * `node:crypto` (RFC 8032 Ed25519, ECDSA P-256), in this thread for small bundles and on a
 * worker pool across every core for large ones (a year of 15-minute readings is 35,040
 * signatures). Same verdicts as the pure core (tested differentially in test/ingest).
 */
import type { SignatureChecker, SignatureJob } from '../core/bundle/index.ts';
import { CoseAlg } from '../core/cose/index.ts';
import type { SignatureCheck } from '../ingest/types.ts';
import { VerifyPool } from '../ingest/verify-pool.ts';
import { KeyCache, verifyInThread } from '../ingest/verify-worker.ts';

/**
 * A first call with fewer signatures than this (a small bundle: the core hands over chunks of
 * `SIGNATURE_CHUNK`) is checked in this thread; starting workers would cost more than it saves.
 */
export const POOL_THRESHOLD = 1_024;

function asCheck(j: SignatureJob): SignatureCheck {
  return {
    keyType: j.alg === CoseAlg.EdDSA ? 'Ed25519' : 'P-256',
    publicKey: j.publicKey,
    message: j.message,
    signature: j.signature,
  };
}

/**
 * Runs `use` with a checker; the worker pool (if one was started) is stopped afterwards.
 * `onProgress` hears how many signatures were checked so far and how many were handed over.
 */
export async function withSignatureChecker<T>(
  use: (check: SignatureChecker) => Promise<T>,
  options: {
    threshold?: number;
    /** Start the workers now, while the bundle is still being parsed (a large bundle). */
    eager?: boolean;
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<T> {
  let pool: VerifyPool | undefined = options.eager === true ? new VerifyPool() : undefined;
  const threshold = options.threshold ?? POOL_THRESHOLD;
  const keys = new KeyCache();
  let submitted = 0;
  let done = 0;
  const check: SignatureChecker = async (jobs) => {
    const checks = jobs.map(asCheck);
    submitted += checks.length;
    let results: boolean[];
    if (pool === undefined && checks.length < threshold) {
      results = verifyInThread(checks, keys);
    } else {
      pool ??= new VerifyPool();
      results = await pool.verifyBatch(checks);
    }
    done += checks.length;
    options.onProgress?.(done, submitted);
    return results;
  };
  try {
    return await use(check);
  } finally {
    await pool?.close();
  }
}
