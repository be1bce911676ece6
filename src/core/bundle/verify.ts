/**
 * Offline verification of an evidence bundle (DESIGN.md decision 10 and trust model;
 * docs/bundle.md §What the verifier checks), trusting only the log's verifier key and the
 * witness keys the caller names. Pure core: runs in Node and in browsers. The phases live in
 * checkpoint-check.ts, registry-check.ts, reading-check.ts, chain-link.ts, prepare.ts and
 * content-check.ts; the policy and verdict types in verify-types.ts.
 */
import { toBase64 } from '../bytes.ts';
import { checkContent, type Content } from './content-check.ts';
import { BundleError } from './errors.ts';
import { prepare, type Prepared } from './prepare.ts';
import { verifyHere } from './reading-check.ts';
import { verifiers } from './checkpoint-check.ts';
import type { VerifySignatures } from '../signature/index.ts';
import {
  fail,
  type ReadingSignatureCheck,
  type Verdict,
  type VerifyOptions,
  type VerifyPolicy,
} from './verify-types.ts';

export { SIGNATURE_CHUNK } from './reading-check.ts';
export type {
  ReadingSignatureCheck,
  Verdict,
  VerifiedReading,
  VerifyOptions,
  VerifyPolicy,
} from './verify-types.ts';

function finish(p: Prepared, results: readonly boolean[], content: Content): Verdict {
  if (results.length !== p.checks.length) {
    throw new Error(
      `signature checker gave ${results.length} results for ${p.checks.length} checks`,
    );
  }
  const bad = results.indexOf(false);
  if (bad >= 0) {
    fail('BAD_READING_SIGNATURE', 'COSE_Sign1 signature does not verify', p.checks[bad]!.index);
  }
  if (!content.ok) throw content.error;
  const { summary, anchors, index } = content;
  return {
    valid: true,
    origin: p.origin,
    treeSize: p.cp.size,
    root: toBase64(p.cp.root),
    witnesses: p.cp.witnesses,
    readings: p.readings,
    erased: p.erased,
    summary,
    anchors,
    index,
  };
}

function refusal(e: unknown): Verdict {
  // Anything a deeper check throws is a refusal, never a crash; an error no check raises on
  // purpose is the verifier's own failure, not a verdict on the bundle (fail closed, and say so).
  const err =
    e instanceof BundleError
      ? e
      : new BundleError('VERIFIER_ERROR', `the verifier failed: ${String(e)}`, { cause: e });
  return { valid: false, code: err.code, message: err.message, index: err.index, error: err };
}

/**
 * Verifies a wattproof.bundle/v1 document (JSON text, UTF-8 bytes or a parsed value) against
 * `policy`: the checkpoint is signed by the log key (c2sp.org/signed-note) and cosigned by at
 * least `minWitnesses` trusted witnesses (c2sp.org/tlog-cosignature); every disclosed leaf
 * (RFC 9162 §2.1.1 over the 34-byte commitment leaf) is in its tree through the multiproof or
 * through the link of the meter's next chained reading, which is itself proven so; the
 * operator declarations verify under the log key and the registrations and revocations under
 * the operator key in force at their index; each reading verifies (COSE_Sign1, RFC 9052 §4.4,
 * or OCMF ECDSA) under a key registered for its meter before its index and not revoked before
 * it; the readings (and the meters of erased ones) fall inside the request; sequences never
 * repeat or go backwards; per meter and channel the readings' intervals never overlap and the
 * registers agree with the interval energies (`timelineFault`, docs/formats.md "Energy
 * counted once"); and the summary equals the one recomputed from the verified readings.
 * Failures come in the order proofs, registry, readings, signatures, sequences, timeline,
 * summary, anchors (docs/bundle.md §What the verifier checks). Never throws for hostile
 * bundle content (an unexpected failure of the verifier itself is refused `VERIFIER_ERROR`);
 * throws for a malformed `policy` key (the caller's error).
 */
export function verifyBundle(
  input: unknown,
  policy: VerifyPolicy,
  options: VerifyOptions = {},
): Verdict {
  const keys = verifiers(policy);
  try {
    const results: boolean[] = [];
    const check = (checks: readonly ReadingSignatureCheck[]): void => {
      for (const r of verifyHere(checks)) results.push(r);
    };
    const p = prepare(input, policy, keys, check, options);
    return finish(p, results, checkContent(p));
  } catch (e) {
    return refusal(e);
  }
}

/**
 * {@link verifyBundle} with the reading signatures (the bulk of the work for a long period)
 * checked by `checkSignatures`: the CLI runs them on `node:crypto` across worker threads, a
 * browser may use WebCrypto. Every other check, and the verdict, are the same. A rejection of
 * `checkSignatures` (the checker failed, not the bundle) rejects this promise.
 */
export async function verifyBundleAsync(
  input: unknown,
  policy: VerifyPolicy,
  checkSignatures: VerifySignatures<ReadingSignatureCheck>,
  options: VerifyOptions = {},
): Promise<Verdict> {
  const keys = verifiers(policy);
  const parts: Promise<readonly boolean[]>[] = [];
  let p: Prepared;
  try {
    // Chunks go to the checker as soon as they fill, so the checks (on other threads) overlap
    // the parsing and hashing still going on here.
    const check = (checks: readonly ReadingSignatureCheck[]): void => {
      const part = checkSignatures(checks);
      part.catch(() => undefined); // awaited below unless the bundle is refused first
      parts.push(part);
    };
    p = prepare(input, policy, keys, check, options);
  } catch (e) {
    return refusal(e);
  }
  // Run while the checker is still at work on the last chunks.
  const content = checkContent(p);
  const results = (await Promise.all(parts)).flat();
  try {
    return finish(p, results, content);
  } catch (e) {
    return refusal(e);
  }
}
