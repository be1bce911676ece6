/**
 * Typed errors for OCMF parsing and verification (Open Charge Metering Format 1.x, S.A.F.E. e.V.).
 */
import { WattproofError } from '../errors.ts';

/**
 * Why an OCMF record, public key or signature was rejected.
 *
 * - `TOO_LARGE`: the record exceeds the size (64 KiB) or reading-count (1000) limit.
 * - `INVALID_UTF8`: the record bytes (or a string with a lone surrogate) are not valid UTF-8.
 * - `MALFORMED_OCMF`: no leading `OCMF|` header, no signature section, or a section that is
 *   not a JSON object.
 * - `MALFORMED_JSON`: a section is not strict RFC 8259 JSON, repeats an object key or nests
 *   deeper than 16.
 * - `MISSING_FIELD`: a mandatory field (PG, MS/GS, RD, TM, ST, RU with RV, SD) is absent.
 * - `INVALID_VALUE`: a field has the wrong JSON type or a value outside its grammar or range.
 * - `UNSUPPORTED_ALGORITHM`: SA, SE or SM names something outside OCMF Table 22/Table 8.
 * - `MALFORMED_KEY`: the public key is not a strict DER SubjectPublicKeyInfo for a named
 *   curve with a valid point on it.
 * - `CURVE_MISMATCH`: the key's curve differs from the curve named by SA.
 * - `MALFORMED_SIGNATURE`: SD does not decode, or is not a strict DER ECDSA-Sig-Value with
 *   r and s in [1, n-1].
 * - `BAD_SIGNATURE`: the signature does not verify over the payload bytes with this key.
 */
export type OcmfErrorCode =
  | 'TOO_LARGE'
  | 'INVALID_UTF8'
  | 'MALFORMED_OCMF'
  | 'MALFORMED_JSON'
  | 'MISSING_FIELD'
  | 'INVALID_VALUE'
  | 'UNSUPPORTED_ALGORITHM'
  | 'MALFORMED_KEY'
  | 'CURVE_MISMATCH'
  | 'MALFORMED_SIGNATURE'
  | 'BAD_SIGNATURE';

/**
 * Error thrown by `core/ocmf`. `evidence` names the offending field (`field`) and, where
 * useful, the offending text or the curves involved.
 */
export class OcmfError extends WattproofError<OcmfErrorCode> {}
