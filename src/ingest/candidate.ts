/**
 * What decoding makes of one reading before any key is looked up: the exact entry bytes, who
 * claims to have signed them, the bytes the signature covers, and the reading's figures in the
 * units the ledger keeps (docs/formats.md, "Checks and quarantine").
 */
import type { EntryKind } from '../core/leaf/leaf.ts';
import type { OcmfCurveName } from '../core/ocmf/index.ts';
import type { Rejection } from './reject-codes.ts';
import type { SignerKeyType } from './types.ts';

/** A reading's figures, for the stateful checks and the entry's metadata. */
export interface ParsedReading {
  /** Meter id (COSE payload key 1; OCMF `MS`, else `GS`). */
  readonly meterId: string;
  /** Monotonic sequence number (COSE payload key 2; OCMF `PG` number). */
  readonly sequence: number;
  /**
   * The counter the sequence belongs to: `''` for native readings; `T` or `F` for OCMF, whose
   * transaction and fiscal pagination counters are independent (docs/ocmf.md).
   */
  readonly sequenceScope: string;
  /** Interval start, Unix seconds (OCMF: first `RD` time, rounded down). */
  readonly intervalStart: number;
  /** Interval end, Unix seconds (OCMF: last `RD` time, rounded up). */
  readonly intervalEnd: number;
  /** OBIS code of the register in the native spelling, e.g. `1-0:1.8.0`. */
  readonly obis: string;
  /** Register value at the interval end, milli-Wh (OCMF: last `RV`). */
  readonly registerMilliWh: number;
  /** Register value at the interval start as far as the reading tells: OCMF first `RV`; native: the end value. */
  readonly registerStartMilliWh: number;
  /** Energy of the interval, milli-Wh (OCMF: last minus first `RV`). */
  readonly energyMilliWh: number;
  /** Quality flags, bits of the core's `QualityFlag` (OCMF: derived from TM status, ST and EF). */
  readonly quality: number;
}

/** One decoded, not yet verified, reading. */
export interface CandidateReading {
  /** `EntryKind.readingCose` or `EntryKind.readingOcmf`. */
  readonly kind: EntryKind;
  /** The exact bytes received: what the ledger stores and commits to. */
  readonly bytes: Uint8Array;
  /** The signer id to look up: COSE `kid` as UTF-8; OCMF `MS`, else `GS`. */
  readonly signerId: string;
  /** The key type the message's algorithm needs (COSE `alg`: EdDSA → Ed25519, ES256 → P-256). */
  readonly keyType: SignerKeyType;
  /** The exact signed bytes: COSE Sig_structure (RFC 9052 §4.4) or the OCMF payload bytes. */
  readonly message: Uint8Array;
  /** COSE: the raw signature; OCMF: the DER ECDSA-Sig-Value. */
  readonly signature: Uint8Array;
  /** COSE CWT `iss` claim (RFC 9597); absent for OCMF. */
  readonly issuer?: string;
  /** OCMF: the curve named by SA, which the registered key must be on. */
  readonly ocmfCurve?: OcmfCurveName;
  /** The reading's figures. */
  readonly reading: ParsedReading;
}

/** The outcome of decoding one reading: a candidate, or a typed refusal. */
export type DecodeResult =
  | { readonly ok: true; readonly candidate: CandidateReading }
  | { readonly ok: false; readonly rejection: Rejection };
