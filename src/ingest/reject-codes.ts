/**
 * Why the ingest node refused a message or a reading (docs/formats.md, "Checks and
 * quarantine"), and the one table that maps each reason to an MQTT 5 PUBACK reason code
 * (OASIS MQTT 5.0 §3.4.2.1).
 */

/** Every reject code, in the order the checks run. */
export const REJECT_CODES = [
  'OVERSIZE',
  'UNKNOWN_TOPIC',
  'MALFORMED_MESSAGE',
  'MALFORMED_COSE',
  'MALFORMED_READING',
  'MALFORMED_OCMF',
  'UNSUPPORTED_ALGORITHM',
  'UNKNOWN_KEY',
  'REVOKED_KEY',
  'BAD_SIGNATURE',
  'ISSUER_MISMATCH',
  'WRONG_TOPIC',
  'METER_NOT_AUTHORIZED',
  'FUTURE_TIMESTAMP',
  'EQUIVOCATION',
  'SEQUENCE_NOT_INCREASING',
  'INTERVAL_OVERLAP',
  'INTERVAL_OUT_OF_ORDER',
  'REGISTER_BACKWARDS',
  'REGISTER_MISMATCH',
  'ENERGY_EXCEEDS_REGISTER',
  'IMPLAUSIBLE_ENERGY',
  'INTERNAL_ERROR',
] as const;

/**
 * Why a message or reading was refused:
 * - `OVERSIZE`: a reading over `maxReadingBytes`, a platform message over `maxMessageBytes`,
 *   or more readings in one message than `maxReadingsPerMessage`.
 * - `UNKNOWN_TOPIC`: not a readings topic of docs/formats.md "MQTT topics".
 * - `MALFORMED_MESSAGE`: empty payload; a platform batch that is not a strict CBOR array of
 *   byte strings (the element that is not a byte string is refused alone).
 * - `MALFORMED_COSE`: not a strict tagged COSE_Sign1 signed statement (wrong tag, missing
 *   `alg`/`kid`/claims, unprotected header not empty, wrong content type).
 * - `MALFORMED_READING`: the reading payload breaks the format (missing or unknown key,
 *   negative, float or NaN value, `sub` ≠ meter id, …).
 * - `MALFORMED_OCMF`: an OCMF record that does not parse (UTF-8, JSON, fields, DER signature),
 *   has no energy register reading, or readings out of time order.
 * - `UNSUPPORTED_ALGORITHM`: a COSE `alg` other than EdDSA/ES256, an OCMF SA/SE/SM outside
 *   OCMF Table 8/22.
 * - `UNKNOWN_KEY`: no registered signer for the COSE `kid` (as UTF-8) or OCMF serial.
 * - `REVOKED_KEY`: the signer's key has been revoked.
 * - `BAD_SIGNATURE`: the signature does not verify over the exact bytes received, or the
 *   message's algorithm/curve is not the registered key's.
 * - `ISSUER_MISMATCH`: the COSE CWT `iss` claim is not the signer id named by `kid`.
 * - `WRONG_TOPIC`: a device-signed reading on another meter's topic; a platform-signed
 *   reading on another platform's topic or on a meter topic; the topic's meter ≠ the reading's.
 * - `METER_NOT_AUTHORIZED`: the signer is not registered for the reading's meter.
 * - `FUTURE_TIMESTAMP`: interval end later than now plus the clock-skew tolerance.
 * - `EQUIVOCATION`: same meter, counter and sequence as an entry in the log, other signed
 *   content (a second valid signature over the same content is a duplicate, not this).
 * - `SEQUENCE_NOT_INCREASING`: sequence not above the meter's last accepted sequence.
 * - `INTERVAL_OVERLAP`: the interval overlaps the last accepted reading of the same meter and
 *   OBIS channel (`evidence.collidesWith` names its leaf index), whoever signed either.
 * - `INTERVAL_OUT_OF_ORDER`: the interval ends before the channel's last accepted reading
 *   starts: a channel's timeline only moves forward.
 * - `REGISTER_BACKWARDS`: register value below the last accepted one for the same OBIS code,
 *   or falling inside an OCMF record.
 * - `REGISTER_MISMATCH`: the reading starts where the channel's last one ended, and register −
 *   previous register ≠ its interval energy (exact, in milli-Wh).
 * - `ENERGY_EXCEEDS_REGISTER`: after a gap, the interval energy exceeds the register's progress.
 * - `IMPLAUSIBLE_ENERGY`: more energy than the rated capacity allows in the interval, or a
 *   value beyond 2^53 − 1 milli-Wh.
 * - `INTERNAL_ERROR`: an unexpected failure while checking hostile input.
 */
export type RejectCode = (typeof REJECT_CODES)[number];

/** MQTT 5 PUBACK reason codes used by the ingest node (MQTT 5.0 §3.4.2.1). */
export const PubackReason = {
  success: 0x00,
  unspecifiedError: 0x80,
  notAuthorized: 0x87,
  payloadFormatInvalid: 0x99,
} as const;

/**
 * The PUBACK reason code of each reject code: 0x99 "Payload format invalid" for malformed or
 * oversize input, 0x87 "Not authorized" for key and topic problems, 0x80 "Unspecified error"
 * for the rest. A message with any accepted or duplicate reading acknowledges 0x00.
 */
export const PUBACK_REASON_BY_CODE: Readonly<Record<RejectCode, number>> = Object.freeze({
  OVERSIZE: PubackReason.payloadFormatInvalid,
  UNKNOWN_TOPIC: PubackReason.notAuthorized,
  MALFORMED_MESSAGE: PubackReason.payloadFormatInvalid,
  MALFORMED_COSE: PubackReason.payloadFormatInvalid,
  MALFORMED_READING: PubackReason.payloadFormatInvalid,
  MALFORMED_OCMF: PubackReason.payloadFormatInvalid,
  UNSUPPORTED_ALGORITHM: PubackReason.payloadFormatInvalid,
  UNKNOWN_KEY: PubackReason.notAuthorized,
  REVOKED_KEY: PubackReason.notAuthorized,
  BAD_SIGNATURE: PubackReason.notAuthorized,
  ISSUER_MISMATCH: PubackReason.notAuthorized,
  WRONG_TOPIC: PubackReason.notAuthorized,
  METER_NOT_AUTHORIZED: PubackReason.notAuthorized,
  FUTURE_TIMESTAMP: PubackReason.unspecifiedError,
  EQUIVOCATION: PubackReason.unspecifiedError,
  SEQUENCE_NOT_INCREASING: PubackReason.unspecifiedError,
  INTERVAL_OVERLAP: PubackReason.unspecifiedError,
  INTERVAL_OUT_OF_ORDER: PubackReason.unspecifiedError,
  REGISTER_BACKWARDS: PubackReason.unspecifiedError,
  REGISTER_MISMATCH: PubackReason.unspecifiedError,
  ENERGY_EXCEEDS_REGISTER: PubackReason.unspecifiedError,
  IMPLAUSIBLE_ENERGY: PubackReason.unspecifiedError,
  INTERNAL_ERROR: PubackReason.unspecifiedError,
});

const CODE_SET: ReadonlySet<string> = new Set(REJECT_CODES);

/** True when `s` is one of {@link REJECT_CODES}. */
export function isRejectCode(s: unknown): s is RejectCode {
  return typeof s === 'string' && CODE_SET.has(s);
}

/** Evidence kept with a refusal (docs/api.md, quarantine record): field, key, colliding entry. */
export interface RejectionEvidence {
  /** The offending field (a reading field name, an OCMF field such as `RD[1].TM`). */
  readonly field?: string;
  /** The CBOR map key of that field in a native reading. */
  readonly key?: number;
  /** Leaf index of the accepted reading it collides with (known once its batch is planned). */
  readonly collidesWith?: number;
}

/**
 * A refusal: the coarse class (a {@link RejectCode}, which sets the PUBACK reason and the
 * metrics), the precise code the docs name (e.g. `WRONG_TAG`, `INVALID_FIELD`; the class
 * itself where there is nothing finer), a human explanation and its evidence.
 */
export interface Rejection {
  readonly code: RejectCode;
  readonly detail: string;
  readonly message: string;
  readonly evidence?: RejectionEvidence;
}

/** Builds a {@link Rejection}; `detail` defaults to the class. */
export function reject(
  code: RejectCode,
  message: string,
  detail: string = code,
  evidence?: RejectionEvidence,
): Rejection {
  return evidence === undefined ? { code, detail, message } : { code, detail, message, evidence };
}

/** The `field` and `key` of an error's evidence, where it names them. */
export function evidenceOf(e: unknown): RejectionEvidence | undefined {
  const ev = (e as { evidence?: Record<string, unknown> } | undefined)?.evidence;
  if (ev === undefined || ev === null || typeof ev !== 'object') return undefined;
  const field = typeof ev.field === 'string' ? ev.field : undefined;
  const key = typeof ev.key === 'number' ? ev.key : undefined;
  if (field === undefined && key === undefined) return undefined;
  return { ...(field === undefined ? {} : { field }), ...(key === undefined ? {} : { key }) };
}
