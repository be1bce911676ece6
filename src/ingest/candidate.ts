/**
 * What decoding makes of one reading before any key is looked up: the exact entry bytes, who
 * claims to have signed them, the bytes the signature covers, and the reading's figures in the
 * units the ledger keeps (docs/formats.md, "Checks and quarantine").
 */
import type { EntryKind } from '../core/leaf/index.ts';
import type { OcmfCurveName } from '../core/ocmf/index.ts';
import type { ChannelFigures } from '../core/reading/index.ts';
import type { Rejection } from './reject-codes.ts';
import type { SignerKeyType } from '../core/registry/index.ts';

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
  /** The reading's span, Unix seconds (OCMF: first `RD` time rounded down to last rounded up). */
  readonly intervalStart: number;
  readonly intervalEnd: number;
  /**
   * Its register channels, each on the meter's timeline for that OBIS code: one for a native
   * reading; OCMF: one per energy register read over an interval, none for a begin-only record.
   */
  readonly channels: readonly ChannelFigures[];
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
  /**
   * The exact signed bytes: COSE Sig_structure (RFC 9052 §4.4) or the OCMF payload bytes. They
   * are the reading's identity (DESIGN.md decision 14): a second valid signature over the same
   * content is the same reading.
   */
  readonly message: Uint8Array;
  /** COSE: the raw signature; OCMF: the DER ECDSA-Sig-Value. */
  readonly signature: Uint8Array;
  /** COSE CWT `iss` claim (RFC 9597); absent for OCMF. */
  readonly issuer?: string;
  /** OCMF: the curve named by SA, which the registered key must be on. */
  readonly ocmfCurve?: OcmfCurveName;
  /** The reading's figures. */
  readonly reading: ParsedReading;
  /** A fault of the signed content, refused only once the signature verifies (docs/formats.md). */
  readonly fault?: Rejection;
}

/** The outcome of decoding one reading: a candidate, or a typed refusal. */
export type DecodeResult =
  | { readonly ok: true; readonly candidate: CandidateReading }
  | { readonly ok: false; readonly rejection: Rejection };
