/**
 * Splitting and parsing of an OCMF record `OCMF|<payload data section>|<signature section>`
 * (OCMF §"Sections"). The payload's exact bytes are kept: the signature covers them as
 * received, and they are never re-serialised (OCMF §"JSON based OCMF Format").
 */
import { fromUtf8, utf8 } from '../bytes.ts';
import { OcmfError } from './errors.ts';
import { isJsonObject, parseJson, type JsonObject } from './json.ts';
import { hasLoneSurrogate } from './utf8.ts';
import { interpretOcmfPayload, type OcmfPayload } from './payload.ts';
import { parseOcmfSignatureSection, type OcmfSignature } from './signature.ts';

/** Largest record accepted, in UTF-8 bytes. */
export const MAX_OCMF_RECORD_BYTES = 64 * 1024;

/** A parsed (not yet verified) OCMF record. */
export interface OcmfRecord {
  /** The whole record's bytes as received. */
  readonly bytes: Uint8Array;
  /** The exact UTF-8 bytes between `OCMF|` and the last `|`: what the signature covers. */
  readonly payloadBytes: Uint8Array;
  /** The payload section's typed fields. */
  readonly payload: OcmfPayload;
  /** The signature section. */
  readonly signature: OcmfSignature;
  /** Every field of the signature section as parsed, including extensions. */
  readonly signatureFields: JsonObject;
}

const HEADER = utf8('OCMF|');
const PIPE = 0x7c;

function section(bytes: Uint8Array, name: string): JsonObject {
  const v = parseJson(fromUtf8(bytes), name);
  if (!isJsonObject(v)) {
    throw new OcmfError('MALFORMED_OCMF', `${name} section is not a JSON object`, {
      evidence: { section: name },
    });
  }
  return v;
}

function recordBytes(input: string | Uint8Array): Uint8Array {
  if (typeof input === 'string') {
    if (input.length > MAX_OCMF_RECORD_BYTES) throw tooLarge();
    if (hasLoneSurrogate(input)) {
      throw new OcmfError('INVALID_UTF8', 'record contains an unpaired surrogate');
    }
    return utf8(input);
  }
  if (!(input instanceof Uint8Array)) throw new TypeError('record must be a string or Uint8Array');
  const copy = Uint8Array.from(input);
  try {
    fromUtf8(copy);
  } catch (e) {
    throw new OcmfError('INVALID_UTF8', 'record is not valid UTF-8', { cause: e });
  }
  return copy;
}

function tooLarge(): OcmfError {
  return new OcmfError('TOO_LARGE', `record exceeds ${MAX_OCMF_RECORD_BYTES} bytes`);
}

/**
 * Parses an OCMF record given as a string or as UTF-8 bytes. The record must start with the
 * header `OCMF|`; the payload section runs from there to the LAST `|`, the signature section
 * after it (signature data is hex or base64, so it never holds a `|`). Both sections must be
 * strict JSON objects; the payload is interpreted by {@link interpretOcmfPayload} and the
 * signature by {@link parseOcmfSignatureSection}. Nothing is verified yet: look the key up by
 * `payload.meterSerial` / `payload.gatewaySerial`, then call `verifyOcmfRecord`.
 *
 * Throws only {@link OcmfError} for any input string or bytes: `TOO_LARGE`, `INVALID_UTF8`,
 * `MALFORMED_OCMF`, `MALFORMED_JSON`, `MISSING_FIELD`, `INVALID_VALUE`,
 * `UNSUPPORTED_ALGORITHM`, `MALFORMED_SIGNATURE`. A non-string, non-bytes argument is a
 * programmer error (`TypeError`).
 */
export function parseOcmf(input: string | Uint8Array): OcmfRecord {
  const bytes = recordBytes(input);
  try {
    return parseBytes(bytes);
  } catch (e) {
    if (e instanceof OcmfError) throw e;
    throw new OcmfError('MALFORMED_OCMF', 'unreadable record', { cause: e });
  }
}

function parseBytes(bytes: Uint8Array): OcmfRecord {
  if (bytes.length > MAX_OCMF_RECORD_BYTES) throw tooLarge();
  if (bytes.length < HEADER.length || HEADER.some((b, i) => bytes[i] !== b)) {
    throw new OcmfError('MALFORMED_OCMF', 'record does not start with "OCMF|"');
  }
  const last = bytes.lastIndexOf(PIPE);
  if (last < HEADER.length) {
    throw new OcmfError('MALFORMED_OCMF', 'record has no signature section');
  }
  const payloadBytes = bytes.slice(HEADER.length, last);
  const payloadFields = section(payloadBytes, 'payload');
  const signatureFields = section(bytes.subarray(last + 1), 'signature');
  return {
    bytes,
    payloadBytes,
    payload: interpretOcmfPayload(payloadFields),
    signature: parseOcmfSignatureSection(signatureFields),
    signatureFields,
  };
}
