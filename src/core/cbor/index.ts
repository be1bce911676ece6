/** Strict deterministic CBOR (RFC 8949) for the pure core. */
export { encodeCbor, encodeCborIntMapView, encodeCborView } from './encode.ts';
export { decodeCbor, DEFAULT_MAX_DEPTH } from './decode.ts';
export type { DecodeCborOptions } from './decode.ts';
export { CborError } from './errors.ts';
export type { CborErrorCode } from './errors.ts';
export { CborFloat, CborTag } from './types.ts';
export type { CborKey, CborMap, CborValue } from './types.ts';
