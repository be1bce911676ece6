import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CborFloat, CborTag, decodeCbor, encodeCbor } from '../../../src/core/cbor/index.ts';
import type { CborMap, CborValue } from '../../../src/core/cbor/index.ts';
import {
  CoseAlg,
  CoseError,
  decodeCoseSign1,
  publicKeyFromPrivate,
  sigStructure1,
  signCoseSign1,
  signWithAlg,
  verifyCoseSign1,
} from '../../../src/core/cose/index.ts';
import type { CoseAlgorithm } from '../../../src/core/cose/index.ts';
import {
  openSignedReading,
  READING_CONTENT_TYPE,
  ReadingError,
  ReadingKey,
  signReading,
  verifySignedReading,
} from '../../../src/core/reading/index.ts';
import type { Reading } from '../../../src/core/reading/index.ts';
import { fromHex } from '../../../src/core/bytes.ts';

const ED_SK = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
const ED_PK = publicKeyFromPrivate(CoseAlg.EdDSA, ED_SK);
const P256_SK = fromHex('c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721');
const KID = fromHex('21fe31dfa154a261');
const ISSUER = 'hes.example/platform-7';

const SAMPLE: Reading = {
  meterId: 'mtr-0001',
  sequence: 42,
  intervalStart: 1767225600,
  intervalEnd: 1767226500,
  obis: '1-0:1.8.0',
  registerWh: 1234567,
  energyWh: 250,
  quality: 1,
};

function payloadMap(overrides: Partial<Record<keyof Reading, CborValue>> = {}): CborMap {
  const m: CborMap = new Map();
  for (const [field, key] of Object.entries(ReadingKey)) {
    const f = field as keyof Reading;
    m.set(key, f in overrides ? overrides[f] : SAMPLE[f]);
  }
  return m;
}

/** A validly signed envelope around any payload, with the reading content type. */
function signPayload(payload: Uint8Array, sub = SAMPLE.meterId): Uint8Array {
  return signCoseSign1({
    alg: CoseAlg.EdDSA,
    kid: KID,
    iss: ISSUER,
    sub,
    contentType: READING_CONTENT_TYPE,
    payload,
    privateKey: ED_SK,
  });
}

/** A validly signed envelope whose protected header is given as a map. */
function signWithHeader(header: CborMap, payload: Uint8Array): Uint8Array {
  const protectedBytes = encodeCbor(header);
  const sig = signWithAlg(CoseAlg.EdDSA, sigStructure1(protectedBytes, payload), ED_SK);
  return encodeCbor(new CborTag(18, [protectedBytes, new Map(), payload, sig]));
}

function retag(bytes: Uint8Array, change: (arr: CborValue[]) => void, tag = 18): Uint8Array {
  const arr = [...((decodeCbor(bytes) as CborTag).value as CborValue[])];
  change(arr);
  return encodeCbor(new CborTag(tag, arr));
}

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof CoseError || e instanceof ReadingError) return `${e.name}:${e.code}`;
    throw e;
  }
  return 'no error';
}

describe.each([
  ['EdDSA', CoseAlg.EdDSA as CoseAlgorithm, ED_SK],
  ['ES256', CoseAlg.ES256 as CoseAlgorithm, P256_SK],
])('when a reading is signed with %s', (_name, alg, sk) => {
  const pk = publicKeyFromPrivate(alg, sk);
  const signed = signReading(SAMPLE, { alg, kid: KID, issuer: ISSUER, privateKey: sk });

  it('opens without a key, giving the reading and the envelope', () => {
    const { reading, sign1 } = openSignedReading(signed);
    expect(reading).toEqual(SAMPLE);
    expect([sign1.alg, sign1.iss, sign1.sub, sign1.contentType]).toEqual([
      alg,
      ISSUER,
      SAMPLE.meterId,
      READING_CONTENT_TYPE,
    ]);
    expect(sign1.kid).toEqual(KID);
    expect(sign1.bytes).toEqual(signed);
  });

  it('verifies under its public key', () => {
    expect(verifySignedReading(signed, pk, alg).reading).toEqual(SAMPLE);
  });

  it('fails with BAD_SIGNATURE under another key', () => {
    const other = publicKeyFromPrivate(alg, new Uint8Array(32).fill(7));
    expect(codeOf(() => verifySignedReading(signed, other, alg))).toBe('CoseError:BAD_SIGNATURE');
  });

  it('fails with BAD_SIGNATURE when the payload was altered, before the payload is judged', () => {
    const altered = retag(signed, (a) => {
      a[2] = encodeCbor(payloadMap({ energyWh: -1 }));
    });
    expect(codeOf(() => verifySignedReading(altered, pk, alg))).toBe('CoseError:BAD_SIGNATURE');
    expect(codeOf(() => openSignedReading(altered))).toBe('ReadingError:INVALID_FIELD');
  });
});

describe('when a signed reading is malformed', () => {
  const good = signReading(SAMPLE, {
    alg: CoseAlg.EdDSA,
    kid: KID,
    issuer: ISSUER,
    privateKey: ED_SK,
  });
  const header = (entries: [number, CborValue][]): CborMap => new Map(entries);
  const claims = new Map<number, CborValue>([
    [1, ISSUER],
    [2, SAMPLE.meterId],
  ]);

  it.each<[string, () => Uint8Array, string]>([
    ['truncated', () => good.subarray(0, good.length - 10), 'CoseError:MALFORMED_COSE'],
    ['a wrong COSE tag (17, COSE_Mac0)', () => retag(good, () => {}, 17), 'CoseError:WRONG_TAG'],
    [
      'kid missing',
      () =>
        signWithHeader(
          header([
            [1, -8],
            [3, READING_CONTENT_TYPE],
            [15, claims],
          ]),
          encodeCbor(payloadMap()),
        ),
      'CoseError:MISSING_KID',
    ],
    [
      'CWT claims missing',
      () =>
        signWithHeader(
          header([
            [1, -8],
            [3, READING_CONTENT_TYPE],
            [4, KID],
          ]),
          encodeCbor(payloadMap()),
        ),
      'CoseError:MISSING_CLAIMS',
    ],
    [
      'sub not the meter id',
      () => signPayload(encodeCbor(payloadMap()), 'mtr-0002'),
      'ReadingError:SUBJECT_MISMATCH',
    ],
    [
      'a negative energy',
      () => signPayload(encodeCbor(payloadMap({ energyWh: -250 }))),
      'ReadingError:INVALID_FIELD',
    ],
    [
      'a float energy',
      () => signPayload(encodeCbor(payloadMap({ energyWh: new CborFloat(0.25) }))),
      'ReadingError:INVALID_FIELD',
    ],
    [
      'a NaN energy',
      () => signPayload(encodeCbor(payloadMap({ energyWh: new CborFloat(NaN) }))),
      'ReadingError:INVALID_FIELD',
    ],
    [
      'unknown flag bits',
      () => signPayload(encodeCbor(payloadMap({ quality: 0x81 }))),
      'ReadingError:INVALID_FIELD',
    ],
    [
      'end equal to start',
      () => signPayload(encodeCbor(payloadMap({ intervalEnd: SAMPLE.intervalStart }))),
      'ReadingError:INVALID_FIELD',
    ],
    [
      'end before start',
      () => signPayload(encodeCbor(payloadMap({ intervalEnd: SAMPLE.intervalStart - 1 }))),
      'ReadingError:INVALID_FIELD',
    ],
    [
      'a bad OBIS code',
      () => signPayload(encodeCbor(payloadMap({ obis: '1-0:1.8.0.0' }))),
      'ReadingError:INVALID_FIELD',
    ],
    [
      'a payload that is not CBOR',
      () => signPayload(fromHex('ff')),
      'ReadingError:MALFORMED_READING',
    ],
    [
      'a non-empty unprotected header',
      () => retag(good, (a) => (a[1] = new Map([[394, [fromHex('00')]]]))),
      'ReadingError:UNPROTECTED_NOT_EMPTY',
    ],
    [
      'another content type',
      () =>
        signCoseSign1({
          alg: CoseAlg.EdDSA,
          kid: KID,
          iss: ISSUER,
          sub: SAMPLE.meterId,
          contentType: 'application/cbor',
          payload: encodeCbor(payloadMap()),
          privateKey: ED_SK,
        }),
      'ReadingError:WRONG_CONTENT_TYPE',
    ],
    [
      'no content type',
      () =>
        signCoseSign1({
          alg: CoseAlg.EdDSA,
          kid: KID,
          iss: ISSUER,
          sub: SAMPLE.meterId,
          payload: encodeCbor(payloadMap()),
          privateKey: ED_SK,
        }),
      'ReadingError:WRONG_CONTENT_TYPE',
    ],
  ])('rejects a reading with %s', (_name, make, code) => {
    const bytes = make();
    expect(codeOf(() => openSignedReading(bytes))).toBe(code);
    // The signature is valid wherever the envelope decodes, so verification reports the same.
    expect(codeOf(() => verifySignedReading(bytes, ED_PK, CoseAlg.EdDSA))).toBe(code);
  });

  it('names the field of an INVALID_FIELD in its evidence', () => {
    try {
      openSignedReading(signPayload(encodeCbor(payloadMap({ energyWh: new CborFloat(NaN) }))));
      expect.unreachable();
    } catch (e) {
      expect((e as ReadingError).evidence).toMatchObject({ field: 'energyWh', key: 7 });
    }
  });

  it('decodes a 1 MiB payload in the codec; size limits are left to ingest', () => {
    // A signed envelope around a reading with a 1 MiB meter id (and matching sub): CBOR and
    // COSE decode it and the signature verifies; only the reading rules refuse the field.
    const big = 'm'.repeat(1 << 20);
    const bytes = signPayload(encodeCbor(payloadMap({ meterId: big })), big);
    expect(bytes.length).toBeGreaterThan(1 << 21);
    const sign1 = decodeCoseSign1(bytes);
    expect(sign1.payload.length).toBeGreaterThan(1 << 20);
    expect(verifyCoseSign1(sign1, ED_PK, CoseAlg.EdDSA)).toBe(true);
    const e = (() => {
      try {
        verifySignedReading(bytes, ED_PK, CoseAlg.EdDSA);
      } catch (err) {
        return err as ReadingError;
      }
      return undefined;
    })();
    expect(e?.code).toBe('INVALID_FIELD');
    expect(e?.evidence).toMatchObject({ field: 'meterId' });
    expect(String(e?.evidence?.['value']).length).toBeLessThan(100);
  });

  it('throws nothing but CoseError or ReadingError for mutated signed readings', () => {
    fc.assert(
      fc.property(
        fc.nat(good.length - 1),
        fc.integer({ min: 0, max: 255 }),
        fc.nat(good.length),
        (pos, byte, len) => {
          const b = good.slice(0, Math.max(1, len));
          b[pos % b.length] = byte;
          try {
            verifySignedReading(b, ED_PK, CoseAlg.EdDSA);
          } catch (e) {
            if (!(e instanceof CoseError) && !(e instanceof ReadingError)) throw e;
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
