/**
 * RFC 3161 time-stamp anchors: a TSA time-stamps each anchored checkpoint digest, and a
 * verifier checks the token offline against the TSA certificates it trusts.
 */
export { TsaAnchor } from './anchor.ts';
export type { TsaAnchorOptions, TsaFetch } from './anchor.ts';
export { TsaVerifier, unixSeconds } from './verifier.ts';
export type { TsaVerifierOptions } from './verifier.ts';
export { TSA_RECORD_TYPE, parseTsaRecord } from './record.ts';
export type { ParsedTsaRecord, TsaRecordJson } from './record.ts';
export {
  ID_KP_TIME_STAMPING,
  formatDistinguishedName,
  loadCertificates,
  timeStampingUsageProblem,
} from './certificates.ts';
export {
  TIMESTAMP_QUERY_TYPE,
  TIMESTAMP_REPLY_TYPE,
  buildTimeStampRequest,
  readTimeStampReply,
} from './request.ts';
export type { TimeStampRequest } from './request.ts';
export { ID_CT_TST_INFO, decodeTimeStampToken } from './token.ts';
export type { DecodedToken } from './token.ts';
