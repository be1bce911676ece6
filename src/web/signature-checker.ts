/**
 * The page's reading-signature checker for `verifyBundleAsync` (docs/verifier.md): one small
 * module with one export, so that the way signatures are checked can change without touching
 * the page. Today: WebCrypto (Ed25519, ECDSA P-256/P-384) in Web Workers, one per core, with the
 * core's @noble code for the other curves and wherever WebCrypto lacks an algorithm
 * (`webcrypto-checker.ts`); the page itself when workers cannot start.
 */
import type { VerifySignatures } from '../core/signature/index.ts';
import { createWebCryptoChecker, type WebCryptoCheckerStats } from './webcrypto-checker.ts';

/**
 * A checker reporting `(done, total)` after each piece of signatures; `stats` says who checked
 * how many; `close` stops its workers once the verdict is in.
 */
export function createBrowserChecker(
  onProgress?: (done: number, total: number) => void,
): VerifySignatures & { close(): void; stats(): WebCryptoCheckerStats } {
  return createWebCryptoChecker(onProgress === undefined ? {} : { onProgress });
}
