/**
 * OCMF (Open Charge Metering Format 1.x, S.A.F.E. e.V.): parsing of signed charger and meter
 * records and their ECDSA verification, in the pure core (runs in Node and in browsers).
 */
export { OcmfError, type OcmfErrorCode } from './errors.ts';
export { parseOcmf, MAX_OCMF_RECORD_BYTES, type OcmfRecord } from './parse.ts';
export { ocmfFigures, type OcmfFigures } from './figures.ts';
export { verifyOcmf, verifyOcmfRecord, type OcmfVerdict } from './verify.ts';
export { parseOcmfPublicKey, type OcmfPublicKey } from './public-key.ts';
export {
  interpretOcmfPayload,
  MAX_OCMF_READINGS,
  type OcmfMeterStatus,
  type OcmfPayload,
  type OcmfReading,
  type OcmfTransactionCode,
} from './payload.ts';
export {
  DEFAULT_SIGNATURE_ALGORITHM,
  OCMF_SIGNATURE_ALGORITHMS,
  parseDerEcdsaSignature,
  parseOcmfSignatureSection,
  type OcmfSignature,
} from './signature.ts';
export { OCMF_CURVES, curveByOid, type OcmfCurve, type OcmfCurveName } from './curves.ts';
export { derToRawEcdsaSignature, ecdsaRawSignature } from './raw-signature.ts';
export {
  decimalToString,
  MAX_MILLI_WH,
  parseOcmfDecimal,
  toMilliWh,
  wholeWh,
  type OcmfDecimal,
  type MilliWhRounding,
  type OcmfEnergyUnit,
} from './decimal.ts';
export { parseOcmfTime, type OcmfTime, type OcmfTimeStatus } from './time.ts';
export { parseOcmfPagination, type OcmfPagination } from './pagination.ts';
export {
  obisRegisterKind,
  parseOcmfRegister,
  type OcmfRegister,
  type OcmfRegisterKind,
  type OcmfRegisterRole,
} from './obis.ts';
export {
  parseLossCompensation,
  type OcmfLossCompensation,
  type OcmfResistanceUnit,
} from './loss-compensation.ts';
export { JsonNumber, parseJson, type JsonObject, type JsonValue } from './json.ts';
export { ecdsaVerifyDigest } from './curves.ts';
