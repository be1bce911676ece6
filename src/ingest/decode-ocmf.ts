/**
 * Decoding of an OCMF record (docs/ocmf.md, "Mapping a record to a ledger reading") into a
 * reading: signer and meter from `MS` (else `GS`), sequence from `PG`, and one channel per
 * energy register with its interval and exact milli-Wh (`ocmfFigures`, shared with the bundle
 * verifier). The signature is checked later, in bulk, over the exact payload bytes received; a
 * register that falls inside the record is refused only after that check.
 */
import { EntryKind } from '../core/leaf/index.ts';
import {
  ocmfFigures,
  OcmfError,
  parseOcmf,
  type OcmfFigures,
  type OcmfRecord,
} from '../core/ocmf/index.ts';
import type { DecodeResult } from './candidate.ts';
import { evidenceOf, reject, type Rejection } from './reject-codes.ts';

function refused(rejection: Rejection): DecodeResult {
  return { ok: false, rejection };
}

function rejectionOf(e: unknown): Rejection {
  if (e instanceof OcmfError) {
    if (e.code === 'UNSUPPORTED_ALGORITHM') {
      return reject('UNSUPPORTED_ALGORITHM', e.message, e.code, evidenceOf(e));
    }
    if (e.code === 'TOO_LARGE') return reject('OVERSIZE', e.message, e.code, evidenceOf(e));
    if (e.evidence?.outOfRange === true) {
      return reject('IMPLAUSIBLE_ENERGY', e.message, 'VALUE_OUT_OF_RANGE', evidenceOf(e));
    }
    return reject('MALFORMED_OCMF', e.message, e.code, evidenceOf(e));
  }
  return reject('INTERNAL_ERROR', `unexpected error decoding OCMF: ${String(e)}`);
}

/**
 * Decodes an OCMF record (`parseOcmf`, `ocmfFigures`) into a candidate reading. Never throws:
 * `MALFORMED_OCMF` (parse failures with the precise OCMF code: `MALFORMED_JSON`,
 * `INVALID_VALUE`, `MISSING_FIELD`, …), `UNSUPPORTED_ALGORITHM`, `OVERSIZE`. A register that
 * decreases inside the record travels as the candidate's `fault` (`REGISTER_BACKWARDS`).
 */
export function decodeOcmfReading(bytes: Uint8Array): DecodeResult {
  let record: OcmfRecord;
  let f: OcmfFigures;
  try {
    record = parseOcmf(bytes);
    f = ocmfFigures(record);
  } catch (e) {
    return refused(rejectionOf(e));
  }
  return {
    ok: true,
    candidate: {
      kind: EntryKind.readingOcmf,
      bytes: record.bytes,
      signerId: f.meterId,
      keyType: 'OCMF',
      message: record.payloadBytes,
      signature: record.signature.der,
      ocmfCurve: record.signature.curve.name,
      reading: {
        meterId: f.meterId,
        sequence: f.sequence,
        sequenceScope: f.sequenceScope,
        intervalStart: f.intervalStart,
        intervalEnd: f.intervalEnd,
        channels: f.channels,
        quality: f.quality,
      },
      ...(f.fault === undefined
        ? {}
        : { fault: reject('REGISTER_BACKWARDS', f.fault.message, 'REGISTER_FALLS_IN_RECORD') }),
    },
  };
}
