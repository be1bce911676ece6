/**
 * The certificate id (docs/registry-certificates.md §Certificate id): SHA-256 (FIPS 180-4) of
 * a domain tag and the deterministic CBOR (RFC 8949 §4.2.1) of the array
 * `[issuing registry origin, kind, meter id, OBIS code, hour]`, each name in its one canonical
 * spelling ({@link checkMeterHour}). One meter-hour of one kind in one registry thus has one
 * id, whatever the spelling a caller tried, and the format version is in the tag.
 */
import { toHex, utf8 } from '../bytes.ts';
import { encodeCbor } from '../cbor/index.ts';
import { nobleHasher } from '../merkle/index.ts';
import {
  checkMeterHour,
  invalidField,
  isCertificateKind,
  isValidRegistryOrigin,
  type CertificateKind,
} from './names.ts';

/** Domain separation of certificate ids: ASCII `wattproof/v1/certificate-id` and a zero byte. */
export const CERTIFICATE_ID_TAG: Uint8Array = Uint8Array.from([
  ...utf8('wattproof/v1/certificate-id'),
  0,
]);

/** Bytes of a certificate id. */
export const CERTIFICATE_ID_SIZE = 32;

/** What a certificate id is computed from: the certificate's meter-hour, kind and registry. */
export interface CertificateSubject {
  /** Origin of the registry that issued the certificate (not of one it was exported to). */
  readonly issuer: string;
  readonly kind: CertificateKind;
  readonly meterId: string;
  /** OBIS code of the channel, reduced canonical form (`1-0:2.8.0`). */
  readonly obis: string;
  /** Start of the UTC hour, Unix seconds, a multiple of 3600. */
  readonly hour: number;
}

/**
 * The id of the certificate of `s`: `SHA-256(tag ‖ CBOR([issuer, kind, meterId, obis,
 * hour]))`, 32 bytes. Throws {@link CertificateError} `INVALID_FIELD` for a name that is not
 * canonical.
 */
export function certificateId(s: CertificateSubject): Uint8Array {
  if (!isValidRegistryOrigin(s.issuer)) invalidField('issuer', 'not a registry origin', s.issuer);
  if (!isCertificateKind(s.kind)) invalidField('kind', 'not granular or go', s.kind);
  checkMeterHour(s.meterId, s.obis, s.hour);
  const names = encodeCbor([s.issuer, s.kind, s.meterId, s.obis, s.hour]);
  return nobleHasher.sha256(CERTIFICATE_ID_TAG, names);
}

/** The certificate id as lowercase hex: the COSE `sub` of its signed events, and map keys. */
export function certificateIdHex(id: Uint8Array): string {
  if (!(id instanceof Uint8Array) || id.length !== CERTIFICATE_ID_SIZE) {
    invalidField('certificateId', 'not 32 bytes');
  }
  return toHex(id);
}
