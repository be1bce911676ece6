/** COSE_Sign1 (RFC 9052) signed statements with EdDSA/ES256 (RFC 9053) for the pure core. */
export {
  assertValidPublicKey,
  CoseAlg,
  isSupportedAlg,
  publicKeyFromPrivate,
  SIGNATURE_LENGTH,
  signWithAlg,
  verifyWithAlg,
} from './algorithms.ts';
export type { CoseAlgorithm } from './algorithms.ts';
export { CoseError } from './errors.ts';
export type { CoseErrorCode } from './errors.ts';
export { COSE_SIGN1_TAG, CwtClaim, HeaderLabel, UNDERSTOOD_LABELS } from './headers.ts';
export { sigStructure1 } from './sig-structure.ts';
export { decodeCoseSign1 } from './sign1-decode.ts';
export type { DecodedSign1 } from './sign1-decode.ts';
export { encodeProtectedHeader, signCoseSign1 } from './sign1-sign.ts';
export type { ProtectedHeaderFields, SignCoseSign1Options } from './sign1-sign.ts';
export { assertCoseSign1, verifyCoseSign1 } from './sign1-verify.ts';
export { sign1Parts } from './sign1-parts.ts';
