/**
 * The JSON record of an RFC 3161 anchor, as stored and carried in evidence bundles, and its
 * strict reading back.
 */
import { fromBase64 } from '../../src/core/bytes.ts';
import { AnchorError, type AnchoredCheckpoint, type AnchorRecordJson } from '../anchor.ts';
import { MAX_TOKEN_BYTES } from './der.ts';

/** The record `type` of RFC 3161 anchors. */
export const TSA_RECORD_TYPE = 'rfc3161';

/**
 * An RFC 3161 anchor record: the common fields (`time` is the token's genTime, whole seconds)
 * plus the DER TimeStampToken (RFC 3161 §2.4.2) in standard base64 and, for people reading the
 * record, the RFC 4514 subject of the certificate that signed it. Only `token` is evidence;
 * `tsa` is informational and is not relied upon by the verifier.
 */
export interface TsaRecordJson extends AnchorRecordJson {
  readonly type: typeof TSA_RECORD_TYPE;
  /** Standard base64 (RFC 4648 §4) of the DER TimeStampToken. */
  readonly token: string;
  /** RFC 4514 subject of the token's signer certificate, e.g. `CN=Example TSA,O=Example`. */
  readonly tsa: string;
}

/** A record read back: the checkpoint it names and the token bytes. */
export interface ParsedTsaRecord {
  readonly checkpoint: AnchoredCheckpoint;
  readonly time: number;
  readonly token: Uint8Array;
}

function malformed(message: string, cause?: unknown): AnchorError {
  return new AnchorError('ANCHOR_MALFORMED', `rfc3161 record: ${message}`, { cause });
}

/** Reads `record` as a {@link TsaRecordJson}. Throws `ANCHOR_MALFORMED` when it is not one. */
export function parseTsaRecord(record: AnchorRecordJson): ParsedTsaRecord {
  if (typeof record !== 'object' || record === null) throw malformed('not an object');
  const { type, origin, size, root, time, token } = record;
  if (type !== TSA_RECORD_TYPE) throw malformed(`type is ${String(type)}, not rfc3161`);
  if (typeof origin !== 'string' || origin === '') throw malformed('origin is not a string');
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw malformed('size is not a non-negative integer');
  }
  if (typeof time !== 'number' || !Number.isSafeInteger(time)) {
    throw malformed('time is not an integer');
  }
  if (typeof root !== 'string' || typeof token !== 'string') {
    throw malformed('root and token must be base64 strings');
  }
  if (token.length > (MAX_TOKEN_BYTES / 3) * 4 + 4) throw malformed('token is too large');
  let rootBytes: Uint8Array;
  let tokenBytes: Uint8Array;
  try {
    rootBytes = fromBase64(root);
    tokenBytes = fromBase64(token);
  } catch (cause) {
    throw malformed('root or token is not standard base64', cause);
  }
  if (rootBytes.length !== 32) throw malformed('root is not 32 bytes');
  return { checkpoint: { origin, size, root: rootBytes }, time, token: tokenBytes };
}
