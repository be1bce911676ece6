/**
 * Decoding an RFC 3161 TimeStampToken (§2.4.2): a CMS ContentInfo (RFC 5652 §3) of type
 * SignedData (§5) whose encapsulated content is a DER TSTInfo, signed by exactly one TSA.
 */
import * as asn1js from 'asn1js';
import {
  Certificate,
  ContentInfo,
  IssuerAndSerialNumber,
  SignedData,
  TSTInfo,
  type SignerInfo,
} from 'pkijs';
import { sha1 } from '@noble/hashes/legacy.js';
import { bytesEqual } from '../../src/core/bytes.ts';
import { AnchorError } from '../anchor.ts';
import { digestAlgorithmProblem } from './algorithms.ts';
import { decodeDer } from './der.ts';

/** id-signedData (RFC 5652 §5.1). */
export const ID_SIGNED_DATA = '1.2.840.113549.1.7.2';
/** id-ct-TSTInfo (RFC 3161 §2.4.2). */
export const ID_CT_TST_INFO = '1.2.840.113549.1.9.16.1.4';
/** id-sha256 (RFC 5754 §2.2, NIST OIDs). */
export const ID_SHA256 = '2.16.840.1.101.3.4.2.1';

/** A decoded time-stamp token. */
export interface DecodedToken {
  readonly signedData: SignedData;
  /** The one SignerInfo (RFC 3161 §2.4.2: no signature other than the TSA's). */
  readonly signerInfo: SignerInfo;
  readonly tstInfo: TSTInfo;
  /** The DER TSTInfo as signed (the eContent octets). */
  readonly tstInfoDer: Uint8Array;
}

function malformed(message: string, cause?: unknown): AnchorError {
  return new AnchorError('ANCHOR_MALFORMED', `time-stamp token: ${message}`, { cause });
}

/**
 * Decodes a DER TimeStampToken. Throws `ANCHOR_MALFORMED` when it is not a ContentInfo holding a
 * SignedData with one signer and an id-ct-TSTInfo eContent holding a version 1 TSTInfo.
 */
export function decodeTimeStampToken(der: Uint8Array): DecodedToken {
  let contentInfo: ContentInfo;
  try {
    contentInfo = new ContentInfo({ schema: decodeDer(der) });
  } catch (cause) {
    throw malformed('not a CMS ContentInfo', cause);
  }
  if (contentInfo.contentType !== ID_SIGNED_DATA) {
    throw malformed(`content type ${contentInfo.contentType} is not id-signedData`);
  }
  let signedData: SignedData;
  try {
    signedData = new SignedData({ schema: contentInfo.content });
  } catch (cause) {
    throw malformed('not a CMS SignedData', cause);
  }
  const eci = signedData.encapContentInfo;
  if (eci.eContentType !== ID_CT_TST_INFO) {
    throw malformed(`eContentType ${eci.eContentType} is not id-ct-TSTInfo`);
  }
  if (!(eci.eContent instanceof asn1js.OctetString)) throw malformed('no eContent');
  if (signedData.signerInfos.length !== 1) {
    throw malformed(`${signedData.signerInfos.length} signers, RFC 3161 §2.4.2 allows one`);
  }
  // RFC 5652 §5.1: version 3 when eContentType is not id-data (and no v1/v2 attribute or
  // "other" certificates); §5.3: SignerInfo version 1 with issuerAndSerialNumber, 3 with
  // subjectKeyIdentifier.
  if (signedData.version !== 3) throw malformed(`SignedData version ${signedData.version}, not 3`);
  const signerInfo = signedData.signerInfos[0]!;
  const sidVersion = signerInfo.sid instanceof IssuerAndSerialNumber ? 1 : 3;
  if (signerInfo.version !== sidVersion) {
    throw malformed(`SignerInfo version ${signerInfo.version} does not match its sid`);
  }
  // RFC 5652 §5.1: digestAlgorithms lists the digest of every signer.
  const digestAlgorithms = signedData.digestAlgorithms.map((a) => a.algorithmId);
  if (!digestAlgorithms.includes(signerInfo.digestAlgorithm.algorithmId)) {
    throw malformed('the signer digest is not listed in digestAlgorithms');
  }
  for (const alg of signedData.digestAlgorithms) {
    const problem = digestAlgorithmProblem(alg);
    if (problem !== undefined) throw malformed(`digestAlgorithms: ${problem}`);
  }
  const tstInfoDer = new Uint8Array(eci.eContent.getValue());
  let tstInfo: TSTInfo;
  try {
    tstInfo = new TSTInfo({ schema: decodeDer(tstInfoDer) });
  } catch (cause) {
    throw malformed('eContent is not a TSTInfo', cause);
  }
  if (tstInfo.version !== 1) throw malformed(`TSTInfo version ${tstInfo.version} is not 1`);
  if (Number.isNaN(tstInfo.genTime.getTime())) throw malformed('genTime is not a valid time');
  return { signedData, signerInfo, tstInfo, tstInfoDer };
}

/** The certificates of the token's `certificates` field (other certificate types skipped). */
export function tokenCertificates(token: DecodedToken): Certificate[] {
  return (token.signedData.certificates ?? []).filter(
    (c): c is Certificate => c instanceof Certificate,
  );
}

/**
 * True when `cert` is the one the SignerInfo's `sid` names (RFC 5652 §5.3): by issuer and
 * serial number, or by subjectKeyIdentifier (taken, as pkijs does, to be the SHA-1 of the
 * subjectPublicKey, RFC 5280 §4.2.1.2 method 1) or the certificate's own SKI extension.
 */
export function isSignerCertificate(signerInfo: SignerInfo, cert: Certificate): boolean {
  const sid = signerInfo.sid as unknown;
  if (sid instanceof IssuerAndSerialNumber) {
    return cert.issuer.isEqual(sid.issuer) && cert.serialNumber.isEqual(sid.serialNumber);
  }
  // [0] SubjectKeyIdentifier, implicitly tagged: primitive, or (BER) constructed around it.
  let keyId: Uint8Array;
  if (sid instanceof asn1js.Primitive) keyId = sid.valueBlock.valueHexView;
  else if (
    sid instanceof asn1js.Constructed &&
    sid.valueBlock.value[0] instanceof asn1js.OctetString
  )
    keyId = sid.valueBlock.value[0].valueBlock.valueHexView;
  else return false;
  const keyIds: Uint8Array[] = [
    sha1(new Uint8Array(cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView)),
  ];
  for (const e of cert.extensions ?? []) {
    if (e.extnID === '2.5.29.14' && e.parsedValue instanceof asn1js.OctetString) {
      keyIds.push(e.parsedValue.valueBlock.valueHexView);
    }
  }
  return keyIds.some((k) => bytesEqual(k, keyId));
}

/** The token's signer certificate among `candidates`, or `undefined`. */
export function findSignerCertificate(
  token: DecodedToken,
  candidates: readonly Certificate[],
): Certificate | undefined {
  return candidates.find((c) => isSignerCertificate(token.signerInfo, c));
}

/** Hex of a DER INTEGER's content octets, e.g. the token serial number. */
export function integerHex(i: asn1js.Integer): string {
  return Array.from(i.valueBlock.valueHexView, (b) => b.toString(16).padStart(2, '0')).join('');
}
