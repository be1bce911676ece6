/**
 * Typed errors of the certificate registry's core (docs/registry-certificates.md): refusals of
 * event bytes, of signed events, and of misuse of the registry state machine. A conflicting
 * event that decodes and verifies is not an error: the state machine voids it with a
 * {@link VoidCode} instead.
 */
import type { BundleErrorCode } from '../bundle/index.ts';
import { WattproofError } from '../errors.ts';

/**
 * Why certificate event bytes, a signed event or a call were refused.
 *
 * Event bytes (docs/registry-certificates.md §Event format):
 * - `NOT_STRICT_CBOR`: not one well-formed, deterministically encoded CBOR item (RFC 8949
 *   §4.2.1), or nested deeper than a map of arrays; `evidence.cbor` holds the CBOR codec's
 *   code (`NON_CANONICAL` for a longer form or an unsorted map).
 * - `NOT_A_MAP`: a CBOR item other than a map.
 * - `UNSUPPORTED_VERSION`: key 1 is missing or is not format version 1.
 * - `UNKNOWN_EVENT_TYPE`: key 2 is not one of the seven event type names.
 * - `UNKNOWN_KEY`: a key the event type (and, for an issue, the kind) does not carry.
 * - `MISSING_KEY`: a key the event type (and kind) requires is absent.
 * - `INVALID_FIELD`: a field of the wrong CBOR type, out of range or not in its one canonical
 *   spelling (`evidence.field`); also an id or key part given to an encoder.
 * - `ID_MISMATCH`: an issue or import whose certificate id is not the SHA-256 of its own
 *   registry origin, kind, meter, channel and hour (§Certificate id).
 *
 * Signed events (§Signed events):
 * - `MALFORMED_SIGNED_EVENT`: not a COSE_Sign1 of the shape this registry signs (RFC 9052
 *   §4.2); `evidence.cose` holds the COSE code when the COSE decoder refused it.
 * - `HEADER_MISMATCH`: `alg`, `kid`, content type, `iss` or `sub` is not what the issuer key
 *   and the event require (`evidence.field`).
 * - `BAD_SIGNATURE`: the Ed25519 signature does not verify over the Sig_structure.
 * - `INVALID_KEY`: the issuer public key is not a valid Ed25519 key.
 *
 * Across registries (§Export and import):
 * - `IMPORT_MISMATCH`: an import and the export event it names disagree (`evidence.field`).
 *
 * State machine:
 * - `OUT_OF_ORDER`: an event applied at a leaf index not above the previous one (events are
 *   applied in log order, each once).
 *
 * Issue from a bundle (§Issue from a bundle):
 * - `BUNDLE_REFUSED`: the evidence bundle does not verify under the registry's trust in the
 *   metering log ({@link BundleRefusedError} carries the verifier's code).
 * - `HOUR_NOT_COVERED`: a requested hour does not lie wholly inside the bundle's period.
 * - `NO_ENERGY_PROVEN`: the bundle proves no whole Wh for a requested meter channel and hour.
 * - `NOT_EXPORT_CHANNEL`: GO units requested for another channel than active export
 *   (1-0:2.8.0).
 */
export type CertificateErrorCode =
  | 'NOT_STRICT_CBOR'
  | 'NOT_A_MAP'
  | 'UNSUPPORTED_VERSION'
  | 'UNKNOWN_EVENT_TYPE'
  | 'UNKNOWN_KEY'
  | 'MISSING_KEY'
  | 'INVALID_FIELD'
  | 'ID_MISMATCH'
  | 'MALFORMED_SIGNED_EVENT'
  | 'HEADER_MISMATCH'
  | 'BAD_SIGNATURE'
  | 'INVALID_KEY'
  | 'IMPORT_MISMATCH'
  | 'OUT_OF_ORDER'
  | 'BUNDLE_REFUSED'
  | 'HOUR_NOT_COVERED'
  | 'NO_ENERGY_PROVEN'
  | 'NOT_EXPORT_CHANNEL';

/** Error thrown by `core/certificates`; `evidence` names the offending field or part. */
export class CertificateError extends WattproofError<CertificateErrorCode> {}

/**
 * `BUNDLE_REFUSED`: the evidence bundle an issue was asked for does not verify;
 * `verifierCode` is the bundle verifier's code (docs/bundle.md §What the verifier checks),
 * `cause` its error, `evidence` the code and the failing entry's leaf index.
 */
export class BundleRefusedError extends CertificateError {
  /** The code `verifyBundle` refused the bundle with. */
  readonly verifierCode: BundleErrorCode;

  constructor(verifierCode: BundleErrorCode, message: string, index?: number, cause?: unknown) {
    super('BUNDLE_REFUSED', `the evidence bundle does not verify (${verifierCode}): ${message}`, {
      cause,
      evidence: { verifierCode, ...(index === undefined ? {} : { index }) },
    });
    this.verifierCode = verifierCode;
  }
}
