/**
 * The stateless rules between a verified reading, its signer and the topic it came on
 * (docs/formats.md, "Checks and quarantine"): who may publish where, for which meter, and
 * what time and energy are plausible.
 */
import { parseOcmfPublicKey, type OcmfCurveName } from '../core/ocmf/index.ts';
import type { ChannelFigures } from '../core/reading/index.ts';
import type { CandidateReading, ParsedReading } from './candidate.ts';
import { reject, type Rejection } from './reject-codes.ts';
import type { ParsedTopic } from './topics.ts';
import type { SignerRecord } from '../registry/index.ts';

const meterSets = new WeakMap<SignerRecord, ReadonlySet<string>>();
const curves = new WeakMap<SignerRecord, OcmfCurveName | null>();

/** True when `signer` is registered for `meterId` (a set per record, built once). */
export function signsFor(signer: SignerRecord, meterId: string): boolean {
  let set = meterSets.get(signer);
  if (set === undefined) {
    set = new Set(signer.meters);
    meterSets.set(signer, set);
  }
  return set.has(meterId);
}

/** The curve of an OCMF signer's registered key (parsed once per record), or null if unusable. */
export function ocmfCurveOf(signer: SignerRecord): OcmfCurveName | null {
  let c = curves.get(signer);
  if (c === undefined) {
    try {
      c = parseOcmfPublicKey(signer.publicKey).curve.name;
    } catch {
      c = null;
    }
    curves.set(signer, c);
  }
  return c;
}

/**
 * Checks that can be made before the signature: the signer is registered and not revoked,
 * and its key is of the type (COSE `alg`) and curve (OCMF SA) the message names — the
 * algorithm is never taken from the message alone.
 */
export function signerRejection(
  c: CandidateReading,
  signer: SignerRecord | undefined,
): Rejection | undefined {
  if (signer === undefined) return reject('UNKNOWN_KEY', `no signer ${JSON.stringify(c.signerId)}`);
  if (signer.revokedAt !== undefined) {
    return reject('REVOKED_KEY', `signer ${signer.signerId} revoked at entry ${signer.revokedAt}`);
  }
  if (signer.keyType !== c.keyType) {
    return reject(
      'BAD_SIGNATURE',
      `message needs a ${c.keyType} key, ${signer.signerId} has ${signer.keyType}`,
      'KEY_TYPE_MISMATCH',
    );
  }
  if (c.ocmfCurve !== undefined && ocmfCurveOf(signer) !== c.ocmfCurve) {
    return reject(
      'BAD_SIGNATURE',
      `SA names ${c.ocmfCurve}, the registered key is on another curve`,
      'CURVE_MISMATCH',
    );
  }
  return undefined;
}

/**
 * Topic and authorization rules for a verified reading: the COSE `iss` is the signer; on a
 * meter topic only the meter's own device key, for that meter; on a platform topic the
 * platform's own key, or any device key relaying its meter's reading; and always a signer
 * registered for the reading's meter.
 */
export function authorizationRejection(
  topic: ParsedTopic,
  c: CandidateReading,
  signer: SignerRecord,
): Rejection | undefined {
  const meterId = c.reading.meterId;
  if (c.issuer !== undefined && c.issuer !== signer.signerId) {
    return reject(
      'ISSUER_MISMATCH',
      `iss ${JSON.stringify(c.issuer)} is not the signer ${signer.signerId}`,
    );
  }
  if (topic.kind === 'meterReadings') {
    if (signer.mode === 'platform') {
      return reject('WRONG_TOPIC', `platform-signed reading on meter topic of ${topic.meterId}`);
    }
    if (topic.meterId !== meterId) {
      return reject('WRONG_TOPIC', `reading of meter ${meterId} on the topic of ${topic.meterId}`);
    }
  } else if (topic.kind === 'platformReadings') {
    if (signer.mode === 'platform' && signer.signerId !== topic.platformId) {
      return reject(
        'WRONG_TOPIC',
        `signed by platform ${signer.signerId} on the topic of ${topic.platformId}`,
      );
    }
  } else {
    return reject('UNKNOWN_TOPIC', 'not a readings topic');
  }
  if (!signsFor(signer, meterId)) {
    return reject(
      'METER_NOT_AUTHORIZED',
      `${signer.signerId} is not registered for meter ${meterId}`,
    );
  }
  return undefined;
}

/** `FUTURE_TIMESTAMP` when the interval ends more than `skewSeconds` after `nowMs`. */
export function timeRejection(
  r: ParsedReading,
  nowMs: number,
  skewSeconds: number,
): Rejection | undefined {
  if (r.intervalEnd * 1000 > nowMs + skewSeconds * 1000) {
    return reject(
      'FUTURE_TIMESTAMP',
      `interval ends at ${r.intervalEnd}, now is ${Math.floor(nowMs / 1000)}`,
    );
  }
  return undefined;
}

/**
 * `IMPLAUSIBLE_ENERGY` when a channel's interval energy exceeds
 * `ratedCapacityW × seconds / 3600 × 1000 × tolerance` milli-Wh. A signer without a positive
 * finite capacity is not checked.
 */
export function energyRejection(
  r: ChannelFigures,
  ratedCapacityW: number,
  tolerance: number,
): Rejection | undefined {
  if (!(Number.isFinite(ratedCapacityW) && ratedCapacityW > 0)) return undefined;
  const seconds = r.intervalEnd - r.intervalStart;
  const limit = ((ratedCapacityW * seconds) / 3600) * 1000 * tolerance;
  if (r.energyMilliWh > limit) {
    return reject(
      'IMPLAUSIBLE_ENERGY',
      `${r.energyMilliWh} mWh in ${seconds} s exceeds ${Math.floor(limit)} mWh at ${ratedCapacityW} W`,
    );
  }
  return undefined;
}
