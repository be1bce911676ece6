/**
 * The per-reading checks of offline bundle verification: each reading falls inside the request
 * and is signed (COSE_Sign1, RFC 9052 §4.4, or OCMF ECDSA) under a key registered for its meter
 * before its index and not revoked before it (docs/bundle.md §What the verifier checks); the
 * COSE signatures are queued as checks and handed to the signature verifier in chunks. Pure
 * core.
 */
import type { ByteSlab } from '../bytes.ts';
import { CoseAlg } from '../cose/index.ts';
import { verifyOcmfRecord } from '../ocmf/index.ts';
import type { ChannelFigures } from '../reading/index.ts';
import type { KeyRegistration } from '../registry/index.ts';
import { verifyWithNoble, type SignatureCheck } from '../signature/index.ts';
import { legacyOcmfChannel } from './legacy-summary.ts';
import type { ParsedDisclosed } from './parse.ts';
import { readingFigures, type ReadingFigures } from './reading-figures.ts';
import { registrationBefore, type SignerHistory } from './registry-check.ts';
import type { ContentFault } from './timeline-check.ts';
import { fail, type ReadingSignatureCheck, type VerifiedReading } from './verify-types.ts';

function checkSignature(
  f: ReadingFigures,
  r: KeyRegistration,
  index: number,
  checks: CheckQueue,
): void {
  if (f.cose !== undefined) {
    const alg = r.keyType === 'Ed25519' ? CoseAlg.EdDSA : CoseAlg.ES256;
    // The algorithm is the registered key's, never the message's alone (RFC 9052 §8.1 note).
    if (f.cose.alg !== alg) {
      fail('BAD_READING_SIGNATURE', 'header alg differs from the key algorithm', index);
    }
    checks.push({
      index,
      keyType: r.keyType,
      publicKey: r.publicKey,
      // The Sig_structure (RFC 9052 §4.4), built once by readingFigures.
      message: f.signedContent,
      signature: f.cose.signature,
    });
  } else if (f.ocmf !== undefined) {
    try {
      verifyOcmfRecord(f.ocmf, r.publicKey);
    } catch (e) {
      fail('BAD_READING_SIGNATURE', (e as Error).message, index, e);
    }
  }
}

/** Checks handed to the verifier at a time, so that checks run while the rest is verified. */
export const SIGNATURE_CHUNK = 1_024;

/** The first chunk: small, so that the verifier starts early; each next one twice as large. */
const FIRST_CHUNK = 128;

/** Collects the reading signature checks and hands them on in chunks as they come. */
export class CheckQueue {
  readonly all: ReadingSignatureCheck[] = [];
  #sent = 0;
  #chunk = FIRST_CHUNK;

  constructor(private readonly dispatch: (checks: readonly ReadingSignatureCheck[]) => void) {}

  push(check: ReadingSignatureCheck): void {
    this.all.push(check);
    if (this.all.length - this.#sent >= this.#chunk) {
      this.flush();
      this.#chunk = Math.min(2 * this.#chunk, SIGNATURE_CHUNK);
    }
  }

  flush(): void {
    if (this.#sent === this.all.length) return;
    const chunk = this.all.slice(this.#sent);
    this.#sent = this.all.length;
    this.dispatch(chunk);
  }
}

/** Checks here, with the pure core (the default of {@link verifyBundle}). */
export function verifyHere(checks: readonly SignatureCheck[]): boolean[] {
  return checks.map(verifyWithNoble);
}

export function checkReading(
  e: ParsedDisclosed,
  request: { meters: readonly string[]; from: number; to: number },
  signers: ReadonlyMap<string, SignerHistory>,
  checks: CheckQueue,
  faults: ContentFault[],
  legacy: Map<number, ChannelFigures>,
  slab: ByteSlab,
  decoded?: ReadingFigures,
): VerifiedReading {
  const f = decoded ?? readingFigures(e.kind, e.bytes, e.index, { slab });
  if (!request.meters.includes(f.meterId)) {
    fail('OUTSIDE_REQUEST', `meter ${f.meterId} was not requested`, e.index);
  }
  if (f.intervalStart < request.from || f.intervalStart >= request.to) {
    fail('OUTSIDE_REQUEST', `interval start ${f.intervalStart} is outside the period`, e.index);
  }
  const h = signers.get(f.signerId);
  const reg = h === undefined ? undefined : registrationBefore(h, e.index);
  if (h === undefined || reg === undefined) {
    fail('KEY_NOT_REGISTERED', `signer ${f.signerId} was not registered before it`, e.index);
  }
  const revoked = h.revocations.find((x) => x < e.index);
  if (revoked !== undefined) {
    fail('KEY_REVOKED', `signer ${f.signerId} was revoked at entry ${revoked}`, e.index);
  }
  const registration = reg.registration;
  if (!registration.meters.includes(f.meterId)) {
    fail('METER_NOT_AUTHORIZED', `${f.signerId} is not registered for ${f.meterId}`, e.index);
  }
  if (registration.keyType !== f.keyType) {
    fail(
      'KEY_TYPE_MISMATCH',
      `needs a ${f.keyType} key, the signer has ${registration.keyType}`,
      e.index,
    );
  }
  if (f.issuer !== undefined && f.issuer !== f.signerId) {
    fail('ISSUER_MISMATCH', `iss ${f.issuer} is not the signer ${f.signerId}`, e.index);
  }
  checkSignature(f, registration, e.index, checks);
  // Reported with the timeline, once every signature is known to be good.
  if (f.fault !== undefined) faults.push({ index: e.index, ...f.fault });
  if (f.ocmf !== undefined) {
    const c = legacyOcmfChannel(f.ocmf);
    if (c !== undefined) legacy.set(e.index, c);
  }
  return {
    index: e.index,
    signerId: f.signerId,
    meterId: f.meterId,
    sequence: f.sequence,
    sequenceScope: f.sequenceScope,
    intervalStart: f.intervalStart,
    intervalEnd: f.intervalEnd,
    channels: f.channels,
    trustMode: registration.mode,
  };
}
