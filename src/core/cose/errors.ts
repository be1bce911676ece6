/**
 * Errors of COSE_Sign1 decoding and verification (RFC 9052).
 */
import { WattproofError } from '../errors.ts';

/**
 * Why a COSE_Sign1 was refused:
 * - `MALFORMED_COSE`: not a strict CBOR COSE_Sign1 (RFC 9052 §4.2): wrong shape or types,
 *   a detached payload, a protected header that is not a bstr-wrapped map, a label present in
 *   both header buckets (RFC 9052 §3).
 * - `WRONG_TAG`: not wrapped in tag 18 (COSE_Sign1_Tagged, RFC 9052 §2).
 * - `MISSING_ALG`: no `alg` (label 1) in the protected header.
 * - `UNSUPPORTED_ALG`: `alg` is neither EdDSA (−8) nor ES256 (−7).
 * - `UNSUPPORTED_CRIT`: `crit` (label 2) lists a parameter this code does not process.
 * - `MISSING_KID`: no `kid` (label 4) in the protected header.
 * - `MISSING_CLAIMS`: no CWT Claims (label 15, RFC 9597) with `iss` and `sub`.
 * - `ALG_MISMATCH`: the header's `alg` is not the algorithm of the key used to verify.
 * - `INVALID_KEY`: the public key is not a valid key for the algorithm.
 * - `BAD_SIGNATURE`: the signature does not verify over the Sig_structure (RFC 9052 §4.4).
 */
export type CoseErrorCode =
  | 'MALFORMED_COSE'
  | 'WRONG_TAG'
  | 'MISSING_ALG'
  | 'UNSUPPORTED_ALG'
  | 'UNSUPPORTED_CRIT'
  | 'MISSING_KID'
  | 'MISSING_CLAIMS'
  | 'ALG_MISMATCH'
  | 'INVALID_KEY'
  | 'BAD_SIGNATURE';

/** A COSE_Sign1 was refused or did not verify. */
export class CoseError extends WattproofError<CoseErrorCode> {}
