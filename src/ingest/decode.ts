/**
 * Message → candidate readings (docs/formats.md, "MQTT topics"). A meter topic carries exactly
 * one reading; a platform topic carries one reading or a strict CBOR array (RFC 8949 §3.1,
 * major type 4) of byte strings, each holding one reading. A reading is a COSE_Sign1 or an
 * OCMF record, told apart by its first byte (`O` never starts a COSE_Sign1: in CBOR 0x4f is a
 * 15-byte string).
 */
import { CborError, decodeCbor, type CborValue } from '../core/cbor/index.ts';
import type { DecodeResult } from './candidate.ts';
import { decodeCoseReading } from './decode-cose.ts';
import { decodeOcmfReading } from './decode-ocmf.ts';
import { reject, type Rejection } from './reject-codes.ts';

/** Size limits of {@link decodeMessage}. */
export interface DecodeLimits {
  /** Largest reading, in bytes (a meter message is one reading). */
  readonly maxReadingBytes: number;
  /** Largest platform message, in bytes. */
  readonly maxMessageBytes: number;
  /** Most readings in one platform message. */
  readonly maxReadingsPerMessage: number;
}

/** One reading of a message: its bytes and what decoding made of them. */
export interface DecodedPart {
  /** The reading's bytes (the element of a platform batch, or the whole payload). */
  readonly bytes: Uint8Array;
  readonly result: DecodeResult;
}

/** A message split and decoded: its readings, or a refusal of the whole message. */
export type DecodedMessage =
  | {
      readonly ok: true;
      /** True when the payload was a CBOR array of readings (a platform batch). */
      readonly batch: boolean;
      readonly parts: readonly DecodedPart[];
    }
  | { readonly ok: false; readonly rejection: Rejection };

const OCMF_FIRST_BYTE = 0x4f; // 'O'
const CBOR_ARRAY = 0x80; // major type 4

/**
 * Decodes one reading (COSE_Sign1 or OCMF record). Never throws; an empty input is
 * `MALFORMED_MESSAGE`.
 */
export function decodeReadingBytes(bytes: Uint8Array): DecodeResult {
  try {
    if (bytes.length === 0) {
      return { ok: false, rejection: reject('MALFORMED_MESSAGE', 'empty reading') };
    }
    return bytes[0] === OCMF_FIRST_BYTE ? decodeOcmfReading(bytes) : decodeCoseReading(bytes);
  } catch (e) {
    return { ok: false, rejection: reject('INTERNAL_ERROR', `unexpected error: ${String(e)}`) };
  }
}

function part(bytes: Uint8Array, limits: DecodeLimits): DecodedPart {
  if (bytes.length > limits.maxReadingBytes) {
    return {
      bytes,
      result: {
        ok: false,
        rejection: reject(
          'OVERSIZE',
          `reading of ${bytes.length} bytes exceeds ${limits.maxReadingBytes}`,
        ),
      },
    };
  }
  return { bytes, result: decodeReadingBytes(bytes) };
}

function splitArray(payload: Uint8Array, limits: DecodeLimits): DecodedMessage {
  let value: CborValue;
  try {
    value = decodeCbor(payload);
  } catch (e) {
    const why = e instanceof CborError ? `${e.code}: ${e.message}` : String(e);
    return {
      ok: false,
      rejection: reject('MALFORMED_MESSAGE', `batch is not strict CBOR: ${why}`),
    };
  }
  if (!Array.isArray(value) || value.length === 0) {
    return { ok: false, rejection: reject('MALFORMED_MESSAGE', 'batch is not a non-empty array') };
  }
  if (value.length > limits.maxReadingsPerMessage) {
    return {
      ok: false,
      rejection: reject(
        'OVERSIZE',
        `batch of ${value.length} readings exceeds ${limits.maxReadingsPerMessage}`,
      ),
    };
  }
  return {
    ok: true,
    batch: true,
    parts: value.map((v): DecodedPart => {
      if (v instanceof Uint8Array) return part(v, limits);
      return {
        bytes: new Uint8Array(0),
        result: {
          ok: false,
          rejection: reject('MALFORMED_MESSAGE', 'batch element is not a byte string'),
        },
      };
    }),
  };
}

/**
 * Splits and decodes a message published on a readings topic. `platform` selects the platform
 * layout (one reading, or a CBOR array of byte strings); otherwise the payload is one reading.
 * Size limits apply per reading (`maxReadingBytes`) and per platform message
 * (`maxMessageBytes`, `maxReadingsPerMessage`). Never throws.
 */
export function decodeMessage(
  payload: Uint8Array,
  platform: boolean,
  limits: DecodeLimits,
): DecodedMessage {
  if (payload.length === 0) {
    return { ok: false, rejection: reject('MALFORMED_MESSAGE', 'empty payload') };
  }
  const limit = platform ? limits.maxMessageBytes : limits.maxReadingBytes;
  if (payload.length > limit) {
    return {
      ok: false,
      rejection: reject('OVERSIZE', `message of ${payload.length} bytes exceeds ${limit}`),
    };
  }
  if (platform && (payload[0]! & 0xe0) === CBOR_ARRAY) return splitArray(payload, limits);
  return { ok: true, batch: false, parts: [part(payload, limits)] };
}
