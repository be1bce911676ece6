/**
 * Checking a verified bundle's anchors with the verifiers of their kinds
 * (docs/witnessing-and-anchors.md §Anchors in the node and in bundles). The core bundle
 * verification has already tied each anchor's checkpoint to the bundle's (same log, signed by
 * the log key, consistent); here each record's own proof (an RFC 3161 token, an EVM
 * transaction) is checked by the {@link AnchorVerifier} of its `type`. A type the caller gave
 * no verifier for is reported `unchecked`, never as verified.
 */
import { fromBase64 } from '../src/core/bytes.ts';
import type { VerdictAnchor } from '../src/core/bundle/index.ts';
import { isWattproofError } from '../src/core/errors.ts';
import {
  AnchorError,
  type AnchorAttestation,
  type AnchorRecordJson,
  type AnchorVerifier,
} from './anchor.ts';

/** The outcome for one anchor of a bundle. */
export type AnchorCheck =
  | (VerdictAnchor & {
      readonly status: 'verified';
      /** What the verifier attests. */
      readonly attestation: AnchorAttestation;
    })
  | (VerdictAnchor & {
      readonly status: 'failed';
      /** The verifier's error code (an `AnchorErrorCode`, or `ANCHOR_MALFORMED` for others). */
      readonly code: string;
      readonly message: string;
    })
  | (VerdictAnchor & { readonly status: 'unchecked' });

/**
 * Runs each of `anchors` (a valid verdict's `anchors`) through the verifier of its type, in
 * order; never throws for a record's failure. The verifier's attested size and root must be
 * the anchor's, else the anchor fails with `ANCHOR_WRONG_CHECKPOINT`.
 */
export async function verifyAnchors(
  anchors: readonly VerdictAnchor[],
  verifiers: readonly AnchorVerifier[],
): Promise<AnchorCheck[]> {
  const out: AnchorCheck[] = [];
  for (const a of anchors) {
    const verifier = verifiers.find((v) => v.type === a.type);
    if (verifier === undefined) {
      out.push({ ...a, status: 'unchecked' });
      continue;
    }
    try {
      const cp = { origin: a.record.origin, size: a.size, root: fromBase64(a.root) };
      const attestation = await verifier.verify(a.record as AnchorRecordJson, cp);
      if (attestation.size !== a.size || attestation.root !== a.root) {
        throw new AnchorError(
          'ANCHOR_WRONG_CHECKPOINT',
          `the ${a.type} verifier attests tree size ${attestation.size}, not ${a.size}`,
        );
      }
      out.push({ ...a, status: 'verified', attestation });
    } catch (e) {
      out.push({
        ...a,
        status: 'failed',
        code: isWattproofError(e) ? e.code : 'ANCHOR_MALFORMED',
        message: e instanceof Error ? e.message : String(e),
      });
    }
  }
  return out;
}

/**
 * Why an anchor policy is not met:
 * - `ANCHOR_MISSING`: the bundle has no anchor of a required type.
 * - `ANCHOR_NOT_CHECKED`: it has one, but no verifier for that type was configured.
 * - `ANCHOR_FAILED`: it has one and it did not verify.
 */
export type AnchorPolicyCode = 'ANCHOR_MISSING' | 'ANCHOR_NOT_CHECKED' | 'ANCHOR_FAILED';

/** An unmet anchor requirement. */
export interface AnchorPolicyFailure {
  readonly type: string;
  readonly code: AnchorPolicyCode;
  readonly message: string;
}

/**
 * Checks that every type in `required` has a verified anchor among `checks`; returns the
 * unmet requirements, in the order of `required` (empty when all are met).
 */
export function anchorPolicyFailures(
  checks: readonly AnchorCheck[],
  required: readonly string[],
): AnchorPolicyFailure[] {
  const out: AnchorPolicyFailure[] = [];
  for (const type of new Set(required)) {
    const c = checks.find((x) => x.type === type);
    if (c === undefined) {
      out.push({ type, code: 'ANCHOR_MISSING', message: `the bundle has no ${type} anchor` });
    } else if (c.status === 'unchecked') {
      out.push({
        type,
        code: 'ANCHOR_NOT_CHECKED',
        message: `the ${type} anchor was not checked: give its verifier's options`,
      });
    } else if (c.status === 'failed') {
      out.push({
        type,
        code: 'ANCHOR_FAILED',
        message: `the ${type} anchor did not verify (${c.code})`,
      });
    }
  }
  return out;
}

/** The verifiers' settings, as `wattproof verify` takes them. */
export interface AnchorVerifierSettings {
  /** Contents of the trusted TSA (or TSA CA) certificate files, PEM or DER. */
  readonly tsaCertificates?: readonly Uint8Array[];
  /** JSON-RPC endpoint to find EVM anchors on (offline checks only without it). */
  readonly evmRpcUrl?: string;
  /** Accept EVM anchors of this chain only. */
  readonly evmChainId?: number;
  /** Accept EVM anchors sent by this account only. */
  readonly evmSender?: string;
}

/**
 * The verifiers `settings` ask for: an RFC 3161 {@link TsaVerifier} when certificates are given,
 * an {@link EvmVerifier} when any EVM setting is. Throws `AnchorError` `ANCHOR_CONFIG` for a
 * certificate file or setting that cannot be used. Each kind's module (ASN.1/CMS, EVM client)
 * loads only when that kind is asked for.
 */
export async function anchorVerifiers(settings: AnchorVerifierSettings): Promise<AnchorVerifier[]> {
  const out: AnchorVerifier[] = [];
  const certs = settings.tsaCertificates ?? [];
  if (certs.length > 0) {
    const { loadCertificates, TsaVerifier } = await import('./tsa/index.ts');
    out.push(new TsaVerifier({ trusted: certs.flatMap(loadCertificates) }));
  }
  const { evmRpcUrl, evmChainId, evmSender } = settings;
  if (evmRpcUrl !== undefined || evmChainId !== undefined || evmSender !== undefined) {
    const { EvmVerifier } = await import('./evm/index.ts');
    out.push(
      new EvmVerifier({
        ...(evmRpcUrl !== undefined ? { rpcUrl: evmRpcUrl } : {}),
        ...(evmChainId !== undefined ? { chainId: evmChainId } : {}),
        ...(evmSender !== undefined ? { sender: evmSender } : {}),
      }),
    );
  }
  return out;
}

/** The first reason `checks` fail the verdict: a failed anchor, then an unmet requirement. */
export function anchorsFailure(
  checks: readonly AnchorCheck[],
  required: readonly string[],
): AnchorPolicyFailure | undefined {
  const failed = checks.find((c) => c.status === 'failed');
  if (failed !== undefined && failed.status === 'failed') {
    return {
      type: failed.type,
      code: 'ANCHOR_FAILED',
      message: `the ${failed.type} anchor at tree size ${failed.size} did not verify: ${failed.code}: ${failed.message}`,
    };
  }
  return anchorPolicyFailures(checks, required)[0];
}

function isoSeconds(seconds: number): string {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? String(seconds) : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** One human line for an anchor of a verdict. */
export function anchorLine(c: AnchorCheck): string {
  const head = `anchor ${c.type} at tree size ${c.size} (covers ${c.covers} readings)`;
  switch (c.status) {
    case 'verified':
      return `${head}: verified, ${isoSeconds(c.attestation.time)}, ${c.attestation.detail}`;
    case 'failed':
      return `${head}: FAILED ${c.code}: ${c.message}`;
    case 'unchecked':
      return `${head}: not checked (no verifier given), claims ${isoSeconds(c.time)}`;
  }
}

/** An anchor of a verdict as JSON, without the record's proof bytes. */
export function anchorJson(c: AnchorCheck): Record<string, unknown> {
  const base = { type: c.type, size: c.size, root: c.root, covers: c.covers, status: c.status };
  switch (c.status) {
    case 'verified':
      return { ...base, time: c.attestation.time, detail: c.attestation.detail };
    case 'failed':
      return { ...base, time: c.time, code: c.code, message: c.message };
    case 'unchecked':
      return { ...base, time: c.time };
  }
}
