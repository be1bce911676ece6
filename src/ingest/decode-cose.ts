/**
 * Decoding of a native signed reading (docs/formats.md, "Native signed reading"): a tagged
 * COSE_Sign1 (RFC 9052 §4.2) whose signature is checked later, in bulk, over the Sig_structure
 * built from the exact protected and payload bytes received (RFC 9052 §4.4).
 */
import { fromUtf8 } from '../core/bytes.ts';
import { CoseAlg, CoseError, sigStructure1 } from '../core/cose/index.ts';
import { EntryKind } from '../core/leaf/index.ts';
import { openSignedReading, ReadingError, type OpenedReading } from '../core/reading/index.ts';
import type { DecodeResult } from './candidate.ts';
import { evidenceOf, reject, type Rejection } from './reject-codes.ts';

function refused(rejection: Rejection): DecodeResult {
  return { ok: false, rejection };
}

function rejectionOf(e: unknown): Rejection {
  if (e instanceof CoseError) {
    if (e.code === 'UNSUPPORTED_ALG') {
      return reject('UNSUPPORTED_ALGORITHM', e.message, e.code, evidenceOf(e));
    }
    return reject('MALFORMED_COSE', e.message, e.code, evidenceOf(e));
  }
  if (e instanceof ReadingError) {
    if (e.code === 'UNPROTECTED_NOT_EMPTY' || e.code === 'WRONG_CONTENT_TYPE') {
      return reject('MALFORMED_COSE', e.message, e.code, evidenceOf(e));
    }
    return reject('MALFORMED_READING', e.message, e.code, evidenceOf(e));
  }
  return reject('INTERNAL_ERROR', `unexpected error decoding COSE: ${String(e)}`);
}

/** `wh × 1000` when it stays a safe integer. */
function milliWh(wh: number): number | undefined {
  const v = wh * 1000;
  return Number.isSafeInteger(v) ? v : undefined;
}

/**
 * Decodes a COSE_Sign1 reading without any key (`openSignedReading`: envelope, payload, empty
 * unprotected header, content type, `sub` = meter id). The signer id is the `kid` as strict
 * UTF-8. Never throws: every failure is a {@link Rejection} (`MALFORMED_COSE`,
 * `MALFORMED_READING`, `UNSUPPORTED_ALGORITHM`, `UNKNOWN_KEY` for a non-UTF-8 `kid`,
 * `IMPLAUSIBLE_ENERGY` for Wh values beyond 2^53 − 1 milli-Wh).
 */
export function decodeCoseReading(bytes: Uint8Array): DecodeResult {
  let opened: OpenedReading;
  try {
    opened = openSignedReading(bytes);
  } catch (e) {
    return refused(rejectionOf(e));
  }
  const { reading, sign1 } = opened;
  let signerId: string;
  try {
    signerId = fromUtf8(sign1.kid);
  } catch {
    return refused(
      reject('UNKNOWN_KEY', 'kid is not UTF-8, so it names no registered signer', 'KID_NOT_UTF8'),
    );
  }
  const registerMilliWh = milliWh(reading.registerWh);
  const energyMilliWh = milliWh(reading.energyWh);
  if (registerMilliWh === undefined || energyMilliWh === undefined) {
    return refused(reject('IMPLAUSIBLE_ENERGY', 'register or energy beyond 2^53 - 1 milli-Wh'));
  }
  return {
    ok: true,
    candidate: {
      kind: EntryKind.readingCose,
      bytes: sign1.bytes,
      signerId,
      keyType: sign1.alg === CoseAlg.EdDSA ? 'Ed25519' : 'P-256',
      message: sigStructure1(sign1.protectedBytes, sign1.payload),
      signature: sign1.signature,
      issuer: sign1.iss,
      reading: {
        meterId: reading.meterId,
        sequence: reading.sequence,
        sequenceScope: '',
        intervalStart: reading.intervalStart,
        intervalEnd: reading.intervalEnd,
        channels: [
          {
            obis: reading.obis,
            intervalStart: reading.intervalStart,
            intervalEnd: reading.intervalEnd,
            registerMilliWh,
            energyMilliWh,
          },
        ],
        quality: reading.quality,
      },
    },
  };
}
