/**
 * Certificate and carbon figures from a verified evidence bundle (docs/certify.md): the only
 * inputs are a valid verdict of `verifyBundle` — never the bundle's own summary — and the
 * SHA-256 (FIPS 180-4) of the exact bundle bytes, which every output carries.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../bytes.ts';
import { verifyBundle, type Verdict, type VerifyPolicy } from '../bundle/index.ts';
import { checkEvidenceHash, checkVerdict, rfc3339 } from './checked-verdict.ts';
import { granularRecords } from './granular.ts';
import { guaranteesOfOrigin } from './guarantees.ts';
import { scope2Footprint } from './scope2.ts';
import { CERTIFICATION_FORMAT, type Certification } from './types.ts';

/** What {@link certify} needs besides the verdict. */
export interface CertifyOptions {
  /** SHA-256 of the exact bundle bytes the verdict came from, lowercase hex. */
  readonly evidenceSha256: string;
  /** Wh carried from the previous period per meter id, each in [0, 1 000 000). */
  readonly carryInWh?: Readonly<Record<string, number>>;
  /** Grid-average emission factor, g CO2e/kWh, decimal text; no footprint without it. */
  readonly emissionFactorGPerKWh?: string;
}

/** SHA-256 of `bytes`, lowercase hex: the evidence hash of a bundle file. */
export function bundleSha256(bytes: Uint8Array): string {
  return toHex(sha256(bytes));
}

/**
 * Computes the hourly granular certificate records, the Guarantee-of-Origin accounts and
 * (given a factor) the Scope 2 location-based footprint from a valid `verdict`. Throws
 * {@link CertifyError}: `INVALID_VERDICT` for a refused or malformed verdict; the timeline
 * codes (`INTERVAL_OVERLAP`, …) for a hand-made verdict whose readings would count energy
 * twice; `BAD_EVIDENCE_HASH`, `BAD_CARRY_IN`, `BAD_EMISSION_FACTOR`, `FIGURE_TOO_LARGE`.
 */
export function certify(verdict: Verdict, options: CertifyOptions): Certification {
  const hash = checkEvidenceHash(options.evidenceSha256);
  const v = checkVerdict(verdict);
  const { records, excluded } = granularRecords(v, hash);
  return {
    format: CERTIFICATION_FORMAT,
    evidenceSha256: hash,
    log: {
      origin: v.verdict.origin,
      treeSize: v.verdict.treeSize,
      root: v.verdict.root,
      witnesses: [...v.verdict.witnesses],
    },
    period: { start: rfc3339(v.period.from), end: rfc3339(v.period.to) },
    granularCertificates: records,
    excluded,
    guaranteesOfOrigin: guaranteesOfOrigin(v, options.carryInWh ?? {}, hash),
    scope2:
      options.emissionFactorGPerKWh === undefined
        ? null
        : scope2Footprint(v, options.emissionFactorGPerKWh, hash),
  };
}

/** The outcome of {@link certifyBundle}: the verdict, and the figures when it is valid. */
export type CertifyOutcome =
  | { readonly valid: true; readonly verdict: Verdict; readonly certification: Certification }
  | { readonly valid: false; readonly verdict: Extract<Verdict, { valid: false }> };

/**
 * Verifies the exact bundle `bytes` under `policy` and, when valid, certifies it with their
 * SHA-256 as the evidence hash. A refused bundle yields its verdict and no figures. Throws
 * what `verifyBundle` throws for a malformed policy key, and {@link CertifyError} for bad
 * options.
 */
export function certifyBundle(
  bytes: Uint8Array,
  policy: VerifyPolicy,
  options: Omit<CertifyOptions, 'evidenceSha256'> = {},
): CertifyOutcome {
  const verdict = verifyBundle(bytes, policy);
  if (!verdict.valid) return { valid: false, verdict };
  const certification = certify(verdict, { ...options, evidenceSha256: bundleSha256(bytes) });
  return { valid: true, verdict, certification };
}
