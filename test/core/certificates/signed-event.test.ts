import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/core/bytes.ts';
import { CborTag, decodeCbor, encodeCbor, type CborValue } from '../../../src/core/cbor/index.ts';
import {
  certificateIdHex,
  CERTIFICATE_EVENT_CONTENT_TYPE,
  encodeCertificateEvent,
  issuerKid,
  signCertificateEvent,
  verifySignedCertificateEvent,
} from '../../../src/core/certificates/index.ts';
import { CoseAlg, sigStructure1, signCoseSign1 } from '../../../src/core/cose/index.ts';
import { isWattproofError } from '../../../src/core/errors.ts';
import { cancel, codeOf, idOf, ISSUER_KEY, ISSUER_SEED, OTHER, REGISTRY } from './fixtures.ts';

const EVENT = cancel();

/** The code and `evidence.field` of the typed error `f` throws. */
function fieldOf(f: () => unknown): { code: string; field: unknown } | undefined {
  try {
    f();
  } catch (e) {
    if (isWattproofError(e)) return { code: e.code, field: e.evidence?.['field'] };
    throw e;
  }
  return undefined;
}
const SIGNED = signCertificateEvent(EVENT, ISSUER_SEED);

/** A COSE_Sign1 of the event with header fields changed from what the registry writes. */
function signedWith(over: Partial<Parameters<typeof signCoseSign1>[0]>): Uint8Array {
  return signCoseSign1({
    alg: CoseAlg.EdDSA,
    kid: issuerKid(REGISTRY, ISSUER_KEY),
    iss: REGISTRY,
    sub: certificateIdHex(EVENT.certificateId),
    contentType: CERTIFICATE_EVENT_CONTENT_TYPE,
    payload: encodeCertificateEvent(EVENT),
    privateKey: ISSUER_SEED,
    ...over,
  });
}

describe('signed certificate events', () => {
  it('verify under the issuer key and give the event and its exact bytes', () => {
    const v = verifySignedCertificateEvent(SIGNED, ISSUER_KEY, REGISTRY);
    expect(v.event).toEqual(EVENT);
    expect(v.payload).toEqual(encodeCertificateEvent(EVENT));
    expect(v.bytes).toEqual(SIGNED);
    expect(v.kid).toEqual(issuerKid(REGISTRY, ISSUER_KEY));
  });

  it('are a tagged COSE_Sign1 with alg EdDSA, kid, content type and iss/sub claims', () => {
    const top = decodeCbor(SIGNED) as CborTag;
    expect(top.tag).toBe(18);
    const [prot, unprot] = top.value as [Uint8Array, Map<number, unknown>];
    expect(unprot.size).toBe(0);
    const header = decodeCbor(prot) as Map<number, unknown>;
    expect([...header.keys()]).toEqual([1, 3, 4, 15]);
    expect(header.get(1)).toBe(-8);
    expect(header.get(3)).toBe(CERTIFICATE_EVENT_CONTENT_TYPE);
    expect((header.get(4) as Uint8Array).length).toBe(4);
    expect(header.get(15)).toEqual(
      new Map<number, string>([
        [1, REGISTRY],
        [2, toHex(EVENT.certificateId)],
      ]),
    );
  });

  it('are deterministic', () => {
    expect(signCertificateEvent(EVENT, ISSUER_SEED)).toEqual(SIGNED);
  });

  it('fail verification with any one byte changed, at every position', () => {
    for (let i = 0; i < SIGNED.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const b = SIGNED.slice();
        b[i] = b[i]! ^ mask;
        const code = codeOf(() => verifySignedCertificateEvent(b, ISSUER_KEY));
        expect(code === undefined || code.startsWith('not typed') ? [i, mask, code] : 'typed').toBe(
          'typed',
        );
      }
    }
  });
});

describe('when a signed event is not the registry’s', () => {
  it('rejects another key with HEADER_MISMATCH (kid) or BAD_SIGNATURE', () => {
    const other = ed25519.getPublicKey(new Uint8Array(32).fill(9));
    expect(codeOf(() => verifySignedCertificateEvent(SIGNED, other))).toBe('HEADER_MISMATCH');
    const forged = signedWith({ kid: issuerKid(REGISTRY, other) });
    expect(codeOf(() => verifySignedCertificateEvent(forged, other))).toBe('BAD_SIGNATURE');
  });

  it('rejects an expected registry it is not of', () => {
    expect(codeOf(() => verifySignedCertificateEvent(SIGNED, ISSUER_KEY, OTHER))).toBe(
      'HEADER_MISMATCH',
    );
  });

  it('rejects headers other than the one the registry writes with HEADER_MISMATCH', () => {
    const cases: [Partial<Parameters<typeof signCoseSign1>[0]>, string][] = [
      [{ iss: OTHER, kid: issuerKid(OTHER, ISSUER_KEY) }, 'iss'],
      [{ sub: toHex(idOf('m2')) }, 'sub'],
      [{ contentType: 'application/cbor' }, 'contentType'],
      [{ contentType: undefined }, 'contentType'],
      [{ kid: Uint8Array.of(1, 2, 3, 4) }, 'kid'],
    ];
    for (const [over, field] of cases) {
      expect(fieldOf(() => verifySignedCertificateEvent(signedWith(over), ISSUER_KEY))).toEqual({
        code: 'HEADER_MISMATCH',
        field,
      });
    }
  });

  it('rejects a protected header with a parameter more, though signed, with HEADER_MISMATCH', () => {
    const [signedProtected] = (decodeCbor(SIGNED) as CborTag).value as [Uint8Array];
    const header = decodeCbor(signedProtected) as Map<number, CborValue>;
    header.set(99, 'extra');
    const prot = encodeCbor(header);
    const payload = encodeCertificateEvent(EVENT);
    const sig = ed25519.sign(sigStructure1(prot, payload), ISSUER_SEED);
    const bytes = encodeCbor(new CborTag(18, [prot, new Map(), payload, sig]));
    expect(fieldOf(() => verifySignedCertificateEvent(bytes, ISSUER_KEY))).toEqual({
      code: 'HEADER_MISMATCH',
      field: 'protected',
    });
  });

  it('rejects a non-empty unprotected header and other shapes', () => {
    const top = decodeCbor(SIGNED) as CborTag;
    const [prot, , payload, sig] = top.value as [Uint8Array, unknown, Uint8Array, Uint8Array];
    const withUnprotected = encodeCbor(
      new CborTag(18, [prot, new Map([[5, new Uint8Array(12)]]), payload, sig]),
    );
    expect(codeOf(() => verifySignedCertificateEvent(withUnprotected, ISSUER_KEY))).toBe(
      'HEADER_MISMATCH',
    );
    const untagged = encodeCbor([prot, new Map(), payload, sig]);
    expect(codeOf(() => verifySignedCertificateEvent(untagged, ISSUER_KEY))).toBe(
      'MALFORMED_SIGNED_EVENT',
    );
    const detached = encodeCbor(new CborTag(18, [prot, new Map(), null, sig]));
    expect(codeOf(() => verifySignedCertificateEvent(detached, ISSUER_KEY))).toBe(
      'MALFORMED_SIGNED_EVENT',
    );
  });

  it('rejects an ES256 signature with HEADER_MISMATCH (alg)', () => {
    const es = signedWith({ alg: CoseAlg.ES256 });
    expect(codeOf(() => verifySignedCertificateEvent(es, ISSUER_KEY))).toBe('HEADER_MISMATCH');
  });

  it('rejects a malformed issuer key with INVALID_KEY', () => {
    expect(codeOf(() => verifySignedCertificateEvent(SIGNED, new Uint8Array(31)))).toBe(
      'INVALID_KEY',
    );
  });

  it('rejects a signed payload that is not an event with the decoder code', () => {
    const bad = signedWith({ payload: encodeCbor([1]) });
    expect(codeOf(() => verifySignedCertificateEvent(bad, ISSUER_KEY))).toBe('NOT_A_MAP');
  });
});
