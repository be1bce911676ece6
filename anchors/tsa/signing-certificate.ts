/**
 * The ESS signing-certificate attributes that bind a time-stamp token to its TSA certificate:
 * SigningCertificate / ESSCertID (RFC 2634 §5.4, required by RFC 3161 §2.4.2) and
 * SigningCertificateV2 / ESSCertIDv2 (RFC 5035 §3, allowed by RFC 5816 §2.2.1).
 */
import * as asn1js from 'asn1js';
import { IssuerSerial, type Certificate, type GeneralName, type SignerInfo } from 'pkijs';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { bytesEqual } from '../../src/core/bytes.ts';
import { ID_SHA256 } from './token.ts';

/** id-aa-signingCertificate (RFC 2634 §5.4). */
export const ID_AA_SIGNING_CERTIFICATE = '1.2.840.113549.1.9.16.2.12';
/** id-aa-signingCertificateV2 (RFC 5035 §3). */
export const ID_AA_SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';

const HASHES: Readonly<Record<string, (b: Uint8Array) => Uint8Array>> = {
  '1.3.14.3.2.26': sha1,
  [ID_SHA256]: sha256,
  '2.16.840.1.101.3.4.2.2': sha384,
  '2.16.840.1.101.3.4.2.3': sha512,
};

/** Why the attribute does not bind the signer: absent, undecodable, or naming another cert. */
export type SigningCertificateProblemKind = 'missing' | 'malformed' | 'mismatch';

/** A problem found by {@link signingCertificateProblem}. */
export interface SigningCertificateProblem {
  readonly kind: SigningCertificateProblemKind;
  readonly message: string;
}

class EssError extends Error {
  constructor(
    readonly kind: SigningCertificateProblemKind,
    message: string,
  ) {
    super(message);
  }
}

function seqItems(node: unknown, what: string): asn1js.AsnType[] {
  if (!(node instanceof asn1js.Sequence))
    throw new EssError('malformed', `${what} is not a SEQUENCE`);
  return node.valueBlock.value as asn1js.AsnType[];
}

/**
 * Checks one ESSCertID / ESSCertIDv2 against `cert` (DER `certDer`). ESSCertID ::= SEQUENCE {
 * certHash OCTET STRING (SHA-1), issuerSerial IssuerSerial OPTIONAL }; ESSCertIDv2 adds a
 * leading `hashAlgorithm AlgorithmIdentifier DEFAULT {algorithm id-sha256}`.
 */
function checkCertId(node: unknown, v2: boolean, cert: Certificate, certDer: Uint8Array): void {
  const items = [...seqItems(node, 'ESSCertID')];
  let hashOid = '1.3.14.3.2.26';
  if (v2) {
    hashOid = ID_SHA256;
    if (items[0] instanceof asn1js.Sequence) {
      const [oid] = seqItems(items.shift(), 'hashAlgorithm');
      if (!(oid instanceof asn1js.ObjectIdentifier)) {
        throw new EssError('malformed', 'bad hashAlgorithm');
      }
      hashOid = oid.valueBlock.toString();
    }
  }
  const [certHash, issuerSerial, ...rest] = items;
  if (!(certHash instanceof asn1js.OctetString) || rest.length > 0) {
    throw new EssError('malformed', 'ESSCertID is not { certHash, issuerSerial OPTIONAL }');
  }
  const hash = HASHES[hashOid];
  if (hash === undefined)
    throw new EssError('malformed', `unsupported certHash algorithm ${hashOid}`);
  if (!bytesEqual(hash(certDer), certHash.valueBlock.valueHexView)) {
    throw new EssError('mismatch', 'certHash does not match the signer certificate');
  }
  if (issuerSerial === undefined) return;
  let is: IssuerSerial;
  try {
    is = new IssuerSerial({ schema: issuerSerial });
  } catch {
    throw new EssError('malformed', 'undecodable issuerSerial');
  }
  // RFC 5035 §4: the issuer is the directoryName of the signer certificate's issuer.
  const issuerMatches = is.issuer.names.some(
    (n: GeneralName) => n.type === 4 && cert.issuer.isEqual(n.value),
  );
  if (!issuerMatches || !cert.serialNumber.isEqual(is.serialNumber)) {
    throw new EssError('mismatch', 'issuerSerial does not match the signer certificate');
  }
}

/**
 * Why the signed signing-certificate attribute(s) of `signerInfo` do not name `cert`, or
 * `undefined` when they do. At least one of the two attributes must be present; each present
 * one must have exactly one value, and its first ESSCertID must identify `cert` (RFC 2634 §5.4,
 * RFC 5035 §3: "The first certificate identified in the sequence of certificate identifiers
 * MUST be the certificate used to verify the signature. [...] If the hash of the certificate
 * does not match the certificate used to verify the signature, the signature MUST be
 * considered invalid.").
 */
export function signingCertificateProblem(
  signerInfo: SignerInfo,
  cert: Certificate,
  certDer: Uint8Array,
): SigningCertificateProblem | undefined {
  const attrs = (signerInfo.signedAttrs?.attributes ?? []).filter(
    (a) => a.type === ID_AA_SIGNING_CERTIFICATE || a.type === ID_AA_SIGNING_CERTIFICATE_V2,
  );
  if (attrs.length === 0) {
    return { kind: 'missing', message: 'no ESS signing-certificate attribute' };
  }
  try {
    for (const attr of attrs) {
      if (attr.values.length !== 1)
        throw new EssError('malformed', 'attribute has not exactly one value');
      // SigningCertificate(V2) ::= SEQUENCE { certs SEQUENCE OF ESSCertID(v2), policies OPTIONAL }
      const [certs] = seqItems(attr.values[0], 'SigningCertificate');
      const [first] = seqItems(certs, 'certs');
      if (first === undefined) throw new EssError('malformed', 'empty certs');
      checkCertId(first, attr.type === ID_AA_SIGNING_CERTIFICATE_V2, cert, certDer);
    }
  } catch (e) {
    if (e instanceof EssError) return { kind: e.kind, message: e.message };
    throw e;
  }
  return undefined;
}
