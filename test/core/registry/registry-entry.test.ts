import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex } from '../../../src/core/bytes.ts';
import { CborFloat, CborTag, decodeCbor, encodeCbor } from '../../../src/core/cbor/index.ts';
import type { CborMap, CborValue } from '../../../src/core/cbor/index.ts';
import { CoseAlg, signCoseSign1 } from '../../../src/core/cose/index.ts';
import { EntryKind } from '../../../src/core/leaf/leaf.ts';
import { u32be } from '../../../src/core/note/key-format.ts';
import { READING_CONTENT_TYPE } from '../../../src/core/reading/index.ts';
import {
  decodeKeyRegistration,
  encodeKeyRegistration,
  KeyRegistrationKey,
  KeyRevocationKey,
  openRegistryEntry,
  RegistryContentType,
  RegistryError,
  signEntry,
  signKeyRegistration,
  signKeyRevocation,
  verifyRegistryEntry,
} from '../../../src/core/registry/index.ts';
import type { KeyRegistration, OperatorKeyDeclaration } from '../../../src/core/registry/index.ts';
import { ecSpki, newKey, p256Key, sampleRegistration } from './helpers.ts';

const OPERATOR = newKey('wattproof.test/log/operator');
const OTHER = newKey('wattproof.test/log/operator');
const DECLARED: OperatorKeyDeclaration = {
  name: OPERATOR.signer.name,
  keyId: OPERATOR.signer.keyId,
  publicKey: OPERATOR.publicKey,
  issuedAt: 1,
};

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof RegistryError) return e.code;
    throw e;
  }
  return undefined;
}

function fieldOf(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    if (e instanceof RegistryError) return { code: e.code, field: e.evidence?.field };
    throw e;
  }
  return undefined;
}

/** Takes a signed entry apart: [protected, unprotected, payload, signature]. */
function parts(bytes: Uint8Array): [Uint8Array, CborMap, Uint8Array, Uint8Array] {
  const t = decodeCbor(bytes) as CborTag;
  return t.value as [Uint8Array, CborMap, Uint8Array, Uint8Array];
}

function rewrap(p: [Uint8Array, CborMap, Uint8Array, Uint8Array]): Uint8Array {
  return encodeCbor(new CborTag(18, p));
}

/** A registration payload map with some fields replaced (by CBOR value). */
function payloadWith(
  over: Partial<Record<keyof KeyRegistration, CborValue>>,
  base = sampleRegistration(),
): Uint8Array {
  const m = decodeCbor(encodeKeyRegistration(base)) as CborMap;
  for (const [f, v] of Object.entries(over)) {
    const k = KeyRegistrationKey[f as keyof KeyRegistration];
    if (v === undefined) m.delete(k);
    else m.set(k, v);
  }
  return encodeCbor(m);
}

describe('when a registration is signed and verified', () => {
  it('round-trips every key type and mode with the operator key and its declaration', () => {
    const regs: KeyRegistration[] = [
      sampleRegistration(),
      sampleRegistration({
        signerId: 'hes-7',
        mode: 'platform',
        keyType: 'P-256',
        publicKey: p256Key().raw,
        meters: ['m1', 'm2', 'm3'],
      }),
      sampleRegistration({
        signerId: '000033022620',
        keyType: 'OCMF',
        publicKey: ecSpki('brainpoolP256r1'),
        meters: ['000033022620'],
      }),
    ];
    for (const r of regs) {
      const bytes = signKeyRegistration(r, OPERATOR.signer);
      for (const key of [OPERATOR.publicKey, DECLARED]) {
        const e = verifyRegistryEntry(bytes, key);
        expect(e.kind).toBe(EntryKind.keyRegistration);
        if (e.kind !== EntryKind.keyRegistration) throw new Error('kind');
        expect(e.registration).toEqual({ ...r, meters: [...r.meters] });
        expect(e.issuer).toEqual({ name: OPERATOR.signer.name, keyId: OPERATOR.signer.keyId });
        expect(e.sign1.sub).toBe(r.signerId);
        expect(e.sign1.contentType).toBe(RegistryContentType.keyRegistration);
      }
      expect(openRegistryEntry(bytes).kind).toBe(EntryKind.keyRegistration);
    }
  });

  it('is deterministic: the same registration gives the same bytes', () => {
    const r = sampleRegistration();
    expect(signKeyRegistration(r, OPERATOR.signer)).toEqual(
      signKeyRegistration(r, OPERATOR.signer),
    );
  });

  it('round-trips a revocation', () => {
    const bytes = signKeyRevocation(
      { signerId: 'mtr-0001', reason: 'key compromised', issuedAt: 5 },
      OPERATOR.signer,
    );
    const e = verifyRegistryEntry(bytes, DECLARED);
    expect(e.kind).toBe(EntryKind.keyRevocation);
    if (e.kind !== EntryKind.keyRevocation) throw new Error('kind');
    expect(e.revocation).toEqual({ signerId: 'mtr-0001', reason: 'key compromised', issuedAt: 5 });
  });
});

describe('when an entry is tampered with or signed by another key', () => {
  const good = signKeyRegistration(sampleRegistration(), OPERATOR.signer);

  it('rejects a flipped signature bit with BAD_SIGNATURE', () => {
    const p = parts(good);
    p[3] = p[3].slice();
    p[3][10]! ^= 1;
    expect(codeOf(() => verifyRegistryEntry(rewrap(p), OPERATOR.publicKey))).toBe('BAD_SIGNATURE');
  });

  it('rejects another payload under the same signature with BAD_SIGNATURE', () => {
    const p = parts(good);
    p[2] = payloadWith({ ratedCapacityW: 1_000_000 });
    expect(codeOf(() => verifyRegistryEntry(rewrap(p), OPERATOR.publicKey))).toBe('BAD_SIGNATURE');
  });

  it('rejects verification with another operator key with WRONG_KEY', () => {
    expect(codeOf(() => verifyRegistryEntry(good, OTHER.publicKey))).toBe('WRONG_KEY');
    expect(
      codeOf(() => verifyRegistryEntry(good, { ...DECLARED, publicKey: OTHER.publicKey })),
    ).toBe('WRONG_KEY');
  });

  it('rejects an entry claiming the operator kid and name but signed by another key with BAD_SIGNATURE', () => {
    const forged = signEntry(
      {
        name: OPERATOR.signer.name,
        keyId: OPERATOR.signer.keyId,
        sign: (m) => OTHER.signer.sign(m),
      },
      RegistryContentType.keyRegistration,
      'mtr-0001',
      encodeKeyRegistration(sampleRegistration()),
    );
    expect(codeOf(() => verifyRegistryEntry(forged, DECLARED))).toBe('BAD_SIGNATURE');
  });

  it('rejects an issuer other than the declared operator name with WRONG_KEY', () => {
    const renamed = newKey('someone-else');
    const bytes = signKeyRegistration(sampleRegistration(), renamed.signer);
    expect(
      codeOf(() => verifyRegistryEntry(bytes, { ...DECLARED, publicKey: renamed.publicKey })),
    ).toBe('WRONG_KEY');
  });

  it('rejects a changed kid with WRONG_KEY', () => {
    const bytes = signEntry(
      {
        ...OPERATOR.signer,
        keyId: OPERATOR.signer.keyId ^ 1,
        sign: (m) => OPERATOR.signer.sign(m),
      },
      RegistryContentType.keyRegistration,
      'mtr-0001',
      encodeKeyRegistration(sampleRegistration()),
    );
    expect(codeOf(() => verifyRegistryEntry(bytes, OPERATOR.publicKey))).toBe('WRONG_KEY');
  });

  it('rejects anything in the unprotected header with UNPROTECTED_NOT_EMPTY', () => {
    const p = parts(good);
    p[1] = new Map([[33, 'x']]);
    expect(codeOf(() => verifyRegistryEntry(rewrap(p), OPERATOR.publicKey))).toBe(
      'UNPROTECTED_NOT_EMPTY',
    );
  });

  it('rejects a label in both header buckets with MALFORMED_ENTRY', () => {
    const p = parts(good);
    p[1] = new Map([[4, u32be(OPERATOR.signer.keyId)]]);
    expect(codeOf(() => verifyRegistryEntry(rewrap(p), OPERATOR.publicKey))).toBe(
      'MALFORMED_ENTRY',
    );
  });

  it('rejects an ES256 envelope with UNSUPPORTED_ALG', () => {
    const bytes = signCoseSign1({
      alg: CoseAlg.ES256,
      kid: u32be(OPERATOR.signer.keyId),
      iss: OPERATOR.signer.name,
      sub: 'mtr-0001',
      contentType: RegistryContentType.keyRegistration,
      payload: encodeKeyRegistration(sampleRegistration()),
      privateKey: fromHex('c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721'),
    });
    expect(codeOf(() => verifyRegistryEntry(bytes, OPERATOR.publicKey))).toBe('UNSUPPORTED_ALG');
  });

  it('rejects other content types with WRONG_CONTENT_TYPE', () => {
    for (const ct of [READING_CONTENT_TYPE, RegistryContentType.operatorKey, 'application/cbor']) {
      const bytes = signEntry(
        OPERATOR.signer,
        ct,
        'mtr-0001',
        encodeKeyRegistration(sampleRegistration()),
      );
      expect(codeOf(() => verifyRegistryEntry(bytes, OPERATOR.publicKey))).toBe(
        'WRONG_CONTENT_TYPE',
      );
    }
  });

  it('rejects a sub that is not the signer id with SUBJECT_MISMATCH', () => {
    const bytes = signEntry(
      OPERATOR.signer,
      RegistryContentType.keyRegistration,
      'mtr-0002',
      encodeKeyRegistration(sampleRegistration()),
    );
    expect(codeOf(() => verifyRegistryEntry(bytes, OPERATOR.publicKey))).toBe('SUBJECT_MISMATCH');
    const rev = signEntry(
      OPERATOR.signer,
      RegistryContentType.keyRevocation,
      'x',
      encodeCbor(
        new Map<number, CborValue>([
          [1, 'y'],
          [2, 'r'],
          [3, 0],
        ]),
      ),
    );
    expect(codeOf(() => verifyRegistryEntry(rev, OPERATOR.publicKey))).toBe('SUBJECT_MISMATCH');
  });

  it('rejects truncations, untagged arrays and garbage with MALFORMED_ENTRY only', () => {
    for (let n = 0; n < good.length; n += 7) {
      expect(codeOf(() => verifyRegistryEntry(good.subarray(0, n), OPERATOR.publicKey))).toBe(
        'MALFORMED_ENTRY',
      );
    }
    expect(codeOf(() => verifyRegistryEntry(encodeCbor(parts(good)), OPERATOR.publicKey))).toBe(
      'MALFORMED_ENTRY',
    );
    expect(
      codeOf(() => verifyRegistryEntry(concatBytes(good, Uint8Array.of(0)), OPERATOR.publicKey)),
    ).toBe('MALFORMED_ENTRY');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        expect(codeOf(() => verifyRegistryEntry(b, OPERATOR.publicKey))).toBeDefined();
        expect(codeOf(() => openRegistryEntry(b))).toBeDefined();
      }),
      { numRuns: 300 },
    );
  });

  it('rejects payloads with unknown, missing or non-canonical keys with MALFORMED_ENTRY', () => {
    const sign = (payload: Uint8Array): Uint8Array =>
      signEntry(OPERATOR.signer, RegistryContentType.keyRegistration, 'mtr-0001', payload);
    const extra = decodeCbor(payloadWith({})) as CborMap;
    extra.set(99, 1);
    const nonCanonical = payloadWith({});
    const withLongLength = concatBytes(Uint8Array.of(0xb8, 7), nonCanonical.subarray(1));
    for (const payload of [
      encodeCbor(extra),
      payloadWith({ issuedAt: undefined }),
      withLongLength,
      encodeCbor([1, 2]),
      Uint8Array.of(0xff),
    ]) {
      expect(codeOf(() => verifyRegistryEntry(sign(payload), OPERATOR.publicKey))).toBe(
        'MALFORMED_ENTRY',
      );
    }
  });

  it('rejects a malformed verifying key with INVALID_KEY', () => {
    expect(codeOf(() => verifyRegistryEntry(good, new Uint8Array(31)))).toBe('INVALID_KEY');
  });
});

describe('when a registration has an invalid field', () => {
  const ed = sampleRegistration().publicKey;
  const badPoint = fromHex('ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'); // y ≥ p, non-canonical
  const p = p256Key();
  const offCurve = p.raw.slice();
  offCurve[64]! ^= 1;
  const cases: [string, Partial<Record<keyof KeyRegistration, CborValue>>, string][] = [
    ['an empty signer id', { signerId: '' }, 'signerId'],
    ['a signer id with a space', { signerId: 'a b' }, 'signerId'],
    ['a signer id with a slash', { signerId: 'a/b' }, 'signerId'],
    ['a signer id of 65 characters', { signerId: 'a'.repeat(65) }, 'signerId'],
    ['a signer id starting with a dash', { signerId: '-a' }, 'signerId'],
    ['a numeric signer id', { signerId: 7 }, 'signerId'],
    ['an unknown mode', { mode: 'meter' }, 'mode'],
    ['a numeric mode', { mode: 1 }, 'mode'],
    ['an unknown key type', { keyType: 'RSA' }, 'keyType'],
    [
      'an OCMF key in platform mode',
      { keyType: 'OCMF', mode: 'platform', publicKey: p.spki, meters: ['m1'] },
      'mode',
    ],
    ['a 31-byte Ed25519 key', { publicKey: ed.subarray(0, 31) }, 'publicKey'],
    ['a 33-byte Ed25519 key', { publicKey: concatBytes(ed, Uint8Array.of(0)) }, 'publicKey'],
    ['a non-canonical Ed25519 point', { publicKey: badPoint }, 'publicKey'],
    ['an Ed25519 key as text', { publicKey: 'AAAA' }, 'publicKey'],
    [
      'a compressed P-256 point',
      {
        keyType: 'P-256',
        publicKey: concatBytes(Uint8Array.of(2 + (p.raw[64]! & 1)), p.raw.subarray(1, 33)),
      },
      'publicKey',
    ],
    ['an off-curve P-256 point', { keyType: 'P-256', publicKey: offCurve }, 'publicKey'],
    ['a P-256 SPKI where a raw point is due', { keyType: 'P-256', publicKey: p.spki }, 'publicKey'],
    ['an OCMF key that is a raw point', { keyType: 'OCMF', publicKey: p.raw }, 'publicKey'],
    [
      'an OCMF key with trailing bytes',
      { keyType: 'OCMF', publicKey: concatBytes(p.spki, Uint8Array.of(0)) },
      'publicKey',
    ],
    ['an OCMF key on P-521', { keyType: 'OCMF', publicKey: ecSpki('secp521r1') }, 'publicKey'],
    ['no meters', { meters: [] }, 'meters'],
    ['a device with two meters', { meters: ['m1', 'm2'] }, 'meters'],
    [
      'a platform listing a meter twice',
      { mode: 'platform', meters: ['m1', 'm2', 'm1'] },
      'meters',
    ],
    ['an invalid meter id', { mode: 'platform', meters: ['m1', 'bad meter'] }, 'meters'],
    ['a numeric meter id', { meters: [1] }, 'meters'],
    ['meters as text', { meters: 'm1' }, 'meters'],
    [
      'too many meters',
      { mode: 'platform', meters: Array.from({ length: 10_001 }, (_, i) => `m${i}`) },
      'meters',
    ],
    ['a zero capacity', { ratedCapacityW: 0 }, 'ratedCapacityW'],
    ['a negative capacity', { ratedCapacityW: -5 }, 'ratedCapacityW'],
    ['a float capacity', { ratedCapacityW: new CborFloat(1.5) }, 'ratedCapacityW'],
    ['a NaN capacity', { ratedCapacityW: new CborFloat(Number.NaN) }, 'ratedCapacityW'],
    ['a capacity beyond 2^53 - 1', { ratedCapacityW: 2n ** 60n }, 'ratedCapacityW'],
    ['a capacity as text', { ratedCapacityW: '5000' }, 'ratedCapacityW'],
    ['a negative issued-at time', { issuedAt: -1 }, 'issuedAt'],
    ['a null issued-at time', { issuedAt: null }, 'issuedAt'],
  ];

  for (const [what, over, field] of cases) {
    it(`rejects ${what} when signing and when verifying`, () => {
      const expected = { code: 'INVALID_FIELD', field };
      const r = { ...sampleRegistration(), ...over } as unknown as KeyRegistration;
      expect(fieldOf(() => signKeyRegistration(r, OPERATOR.signer))).toEqual(expected);
      const sub =
        typeof over.signerId === 'string' && over.signerId !== '' ? over.signerId : 'mtr-0001';
      const signed = signEntry(
        OPERATOR.signer,
        RegistryContentType.keyRegistration,
        sub,
        payloadWith(over),
      );
      expect(fieldOf(() => verifyRegistryEntry(signed, OPERATOR.publicKey))).toEqual(expected);
      expect(fieldOf(() => decodeKeyRegistration(payloadWith(over)))).toEqual(expected);
    });
  }

  it('rejects every invalid revocation field', () => {
    const cases: [Record<string, CborValue>, string][] = [
      [{ signerId: 'a b' }, 'signerId'],
      [{ reason: '' }, 'reason'],
      [{ reason: 'line\nbreak' }, 'reason'],
      [{ reason: 'x'.repeat(501) }, 'reason'],
      [{ reason: 5 }, 'reason'],
      [{ issuedAt: -1 }, 'issuedAt'],
      [{ issuedAt: new CborFloat(2.5) }, 'issuedAt'],
    ];
    for (const [over, field] of cases) {
      const r = { signerId: 'mtr-0001', reason: 'retired', issuedAt: 1, ...over };
      expect(fieldOf(() => signKeyRevocation(r as never, OPERATOR.signer))).toEqual({
        code: 'INVALID_FIELD',
        field,
      });
      const m = new Map<number, CborValue>(
        Object.entries(r).map(([k, v]) => [
          KeyRevocationKey[k as keyof typeof KeyRevocationKey],
          v,
        ]),
      );
      const sub = typeof r.signerId === 'string' ? r.signerId : 'x';
      const signed = signEntry(
        OPERATOR.signer,
        RegistryContentType.keyRevocation,
        sub,
        encodeCbor(m),
      );
      expect(fieldOf(() => verifyRegistryEntry(signed, OPERATOR.publicKey))).toEqual({
        code: 'INVALID_FIELD',
        field,
      });
    }
  });
});
