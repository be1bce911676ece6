import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, toHex, utf8 } from '../../../src/core/bytes.ts';
import { OcmfError, parseOcmf, verifyOcmf } from '../../../src/core/ocmf/index.ts';
import samples from '../../vectors/ocmf-samples.json' with { type: 'json' };
import { DUMMY_SD, generateKey, payloadJson, record, signDer } from './helpers.ts';

const keba = samples[0]!;
const k1 = samples[6]!;
const kebaSd = JSON.parse(keba.ocmf.slice(keba.ocmf.lastIndexOf('|') + 1)).SD as string;
const kebaPayload = keba.ocmf.slice(0, keba.ocmf.lastIndexOf('|'));
const withSig = (sig: Record<string, unknown>): string => `${kebaPayload}|${JSON.stringify(sig)}`;
const p384 = generateKey('secp384r1');
const p521 = generateKey('secp521r1');

/** The KEBA SD with its DER re-shaped: (prefix, r, s) hex pieces from the sample. */
const [rHex, sHex] = [kebaSd.slice(8, 72), kebaSd.slice(76)];

function bytesWith(text: string, at: string, insert: number[]): Uint8Array {
  const i = text.indexOf(at);
  return concatBytes(utf8(text.slice(0, i)), Uint8Array.from(insert), utf8(text.slice(i)));
}

const table: [string, string | Uint8Array, string, string][] = [
  ['no "OCMF|" header', kebaPayload.slice(5) + '|{}', keba.publicKey, 'MALFORMED_OCMF'],
  ['a lowercase header', 'ocmf' + keba.ocmf.slice(4), keba.publicKey, 'MALFORMED_OCMF'],
  ['text before the header', ' ' + keba.ocmf, keba.publicKey, 'MALFORMED_OCMF'],
  ['an empty record', '', keba.publicKey, 'MALFORMED_OCMF'],
  ['no signature section', kebaPayload, keba.publicKey, 'MALFORMED_OCMF'],
  ['only the header', 'OCMF|', keba.publicKey, 'MALFORMED_OCMF'],
  ['an empty signature section', kebaPayload + '|', keba.publicKey, 'MALFORMED_JSON'],
  [
    'invalid UTF-8 (0xFF) in the payload',
    bytesWith(keba.ocmf, 'KEBA', [0xff]),
    keba.publicKey,
    'INVALID_UTF8',
  ],
  [
    'an overlong UTF-8 "/" in the payload',
    bytesWith(keba.ocmf, 'KEBA', [0xc0, 0xaf]),
    keba.publicKey,
    'INVALID_UTF8',
  ],
  [
    'a UTF-8 encoded surrogate',
    bytesWith(keba.ocmf, 'KEBA', [0xed, 0xa0, 0x80]),
    keba.publicKey,
    'INVALID_UTF8',
  ],
  [
    'a lone surrogate in a string record',
    keba.ocmf.replace('KEBA', '\ud800KEBA'),
    keba.publicKey,
    'INVALID_UTF8',
  ],
  ['a JSON array payload', `OCMF|[1,2]|{"SD":"${DUMMY_SD}"}`, keba.publicKey, 'MALFORMED_OCMF'],
  ['a JSON string payload', `OCMF|"x"|{"SD":"${DUMMY_SD}"}`, keba.publicKey, 'MALFORMED_OCMF'],
  [
    'a payload that is not JSON',
    `OCMF|{"FV":1.0,}|{"SD":"${DUMMY_SD}"}`,
    keba.publicKey,
    'MALFORMED_JSON',
  ],
  [
    'a duplicated payload key',
    keba.ocmf.replace('"PG":"T32"', '"PG":"T32","PG":"T33"'),
    keba.publicKey,
    'MALFORMED_JSON',
  ],
  [
    'a signature section that is an array',
    `${kebaPayload}|["${kebaSd}"]`,
    keba.publicKey,
    'MALFORMED_OCMF',
  ],
  ['no SD', withSig({ SA: 'ECDSA-secp256r1-SHA256' }), keba.publicKey, 'MISSING_FIELD'],
  ['SD not hex', withSig({ SD: 'zz' + kebaSd.slice(2) }), keba.publicKey, 'MALFORMED_SIGNATURE'],
  ['SD of odd length', withSig({ SD: kebaSd + '0' }), keba.publicKey, 'MALFORMED_SIGNATURE'],
  ['SD empty', withSig({ SD: '' }), keba.publicKey, 'MALFORMED_SIGNATURE'],
  [
    'SD hex declared base64',
    withSig({ SE: 'base64', SD: kebaSd + '=' }),
    keba.publicKey,
    'MALFORMED_SIGNATURE',
  ],
  ['SD a number', withSig({ SD: 12 }), keba.publicKey, 'INVALID_VALUE'],
  [
    'SA unknown',
    withSig({ SA: 'ECDSA-secp521r1-SHA256', SD: kebaSd }),
    keba.publicKey,
    'UNSUPPORTED_ALGORITHM',
  ],
  [
    'SA with another hash',
    withSig({ SA: 'ECDSA-secp256r1-SHA512', SD: kebaSd }),
    keba.publicKey,
    'UNSUPPORTED_ALGORITHM',
  ],
  [
    'SA in other case',
    withSig({ SA: 'ecdsa-secp256r1-sha256', SD: kebaSd }),
    keba.publicKey,
    'UNSUPPORTED_ALGORITHM',
  ],
  [
    'SA "__proto__"',
    withSig({ SA: '__proto__', SD: kebaSd }),
    keba.publicKey,
    'UNSUPPORTED_ALGORITHM',
  ],
  ['SE unknown', withSig({ SE: 'base32', SD: kebaSd }), keba.publicKey, 'UNSUPPORTED_ALGORITHM'],
  [
    'SM unknown',
    withSig({ SM: 'application/x-raw', SD: kebaSd }),
    keba.publicKey,
    'UNSUPPORTED_ALGORITHM',
  ],
  ['a P-384 key for a P-256 record', keba.ocmf, toHex(p384.spki), 'CURVE_MISMATCH'],
  ['a secp256k1 key for a P-256 record', keba.ocmf, k1.publicKey, 'CURVE_MISMATCH'],
  ['a P-256 key for a secp256k1 record', k1.ocmf, keba.publicKey, 'CURVE_MISMATCH'],
  [
    'SA naming brainpool over a P-256 signature',
    withSig({ SA: 'ECDSA-brainpoolP256r1-SHA256', SD: kebaSd }),
    keba.publicKey,
    'CURVE_MISMATCH',
  ],
  ['truncated DER', withSig({ SD: kebaSd.slice(0, -2) }), keba.publicKey, 'MALFORMED_SIGNATURE'],
  ['trailing DER bytes', withSig({ SD: kebaSd + '00' }), keba.publicKey, 'MALFORMED_SIGNATURE'],
  [
    'a wrong SEQUENCE length',
    withSig({ SD: '3046' + kebaSd.slice(4) }),
    keba.publicKey,
    'MALFORMED_SIGNATURE',
  ],
  [
    'a long-form length for a short SEQUENCE',
    withSig({ SD: '308145' + kebaSd.slice(4) }),
    keba.publicKey,
    'MALFORMED_SIGNATURE',
  ],
  [
    'a non-minimal INTEGER r',
    withSig({ SD: `3046022100${rHex}022100${sHex}` }),
    keba.publicKey,
    'MALFORMED_SIGNATURE',
  ],
  [
    'a negative INTEGER s',
    withSig({ SD: `30440220${rHex}0220${sHex.slice(2)}` }),
    keba.publicKey,
    'MALFORMED_SIGNATURE',
  ],
  ['r = 0', withSig({ SD: '3006020100020101' }), keba.publicKey, 'MALFORMED_SIGNATURE'],
  [
    's = n',
    withSig({
      SD: '30260201010221' + '00ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551',
    }),
    keba.publicKey,
    'MALFORMED_SIGNATURE',
  ],
  [
    'a BIT STRING instead of the SEQUENCE',
    withSig({ SD: '03' + kebaSd.slice(2) }),
    keba.publicKey,
    'MALFORMED_SIGNATURE',
  ],
  ['a key that is not hex or base64', keba.ocmf, 'not a key!', 'MALFORMED_KEY'],
  ['a key with trailing bytes', keba.ocmf, keba.publicKey + '00', 'MALFORMED_KEY'],
  ['a truncated key', keba.ocmf, keba.publicKey.slice(0, -2), 'MALFORMED_KEY'],
  [
    'a key point off the curve',
    keba.ocmf,
    keba.publicKey.slice(0, -2) + (keba.publicKey.endsWith('BE') ? 'BF' : 'BE'),
    'MALFORMED_KEY',
  ],
  [
    'hex key groups splitting a byte',
    keba.ocmf,
    '305 9' + keba.publicKey.slice(4),
    'MALFORMED_KEY',
  ],
  [
    'a key with an unknown curve OID (secp521r1)',
    keba.ocmf,
    toHex(p521.spki),
    'UNSUPPORTED_ALGORITHM',
  ],
  [
    'a record over 64 KiB',
    keba.ocmf.replace('"ID":""', `"ID":"${'x'.repeat(70_000)}"`),
    keba.publicKey,
    'TOO_LARGE',
  ],
  [
    'a changed timestamp under the same signature',
    keba.ocmf.replace('10:03:15', '10:03:16'),
    keba.publicKey,
    'BAD_SIGNATURE',
  ],
  [
    'JSON-equivalent whitespace added to the payload',
    keba.ocmf.replace('"GI":', '"GI": '),
    keba.publicKey,
    'BAD_SIGNATURE',
  ],
];

describe('when a record, key or signature is malformed', () => {
  it.each(table)('rejects %s', (_why, rec, key, want) => {
    const v = verifyOcmf(rec, key);
    expect(v.valid).toBe(false);
    if (!v.valid) expect(v.code).toBe(want);
  });

  it('still verifies the unmodified KEBA record (the table starts from a valid record)', () => {
    expect(verifyOcmf(keba.ocmf, keba.publicKey).valid).toBe(true);
    expect(verifyOcmf(withSig({ SD: kebaSd }), keba.publicKey).valid).toBe(true);
    expect(verifyOcmf(withSig({ SD: kebaSd.toLowerCase() }), keba.publicKey).valid).toBe(true);
    expect(
      verifyOcmf(withSig({ SA: 'ECDSA-prime256v1-SHA256', SD: kebaSd }), keba.publicKey).valid,
    ).toBe(true);
    expect(verifyOcmf(`${kebaPayload}|\n { "SD" : "${kebaSd}" } \n`, keba.publicKey).valid).toBe(
      true,
    );
  });

  it('verifies a payload that itself contains "|" (split on the last one)', () => {
    const k = generateKey('prime256v1');
    const payload = payloadJson({ ID: 'a|b|c' });
    expect(verifyOcmf(record(payload, signDer(payload, k.privateKey)), k.spki).valid).toBe(true);
  });
});

describe('when the input is hostile', () => {
  const throwsOnlyOcmfError = (f: () => unknown): void => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(OcmfError);
    }
  };

  it('never throws anything but OcmfError from parseOcmf on random strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.string({ maxLength: 200 }).map((s) => `OCMF|${s}`),
          fc.tuple(fc.json(), fc.json()).map(([a, b]) => `OCMF|${a}|${b}`),
        ),
        (s) => {
          throwsOnlyOcmfError(() => parseOcmf(s));
          expect(verifyOcmf(s, keba.publicKey).valid).toBe(false);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('never throws anything but OcmfError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        throwsOnlyOcmfError(() => parseOcmf(concatBytes(utf8('OCMF|'), b)));
        throwsOnlyOcmfError(() => parseOcmf(b));
      }),
      { numRuns: 500 },
    );
  });

  it('detects every single-character change of a valid record or never verifies it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...samples.filter((s) => s.valid)),
        fc.nat(),
        fc.string({ unit: 'binary', maxLength: 3 }),
        fc.nat({ max: 3 }),
        (s, at, insert, remove) => {
          const i = at % (s.ocmf.length + 1);
          const mutated = s.ocmf.slice(0, i) + insert + s.ocmf.slice(i + remove);
          let v: ReturnType<typeof verifyOcmf> | undefined;
          throwsOnlyOcmfError(() => (v = verifyOcmf(mutated, s.publicKey)));
          if (v?.valid) {
            const original = parseOcmf(s.ocmf).payloadBytes;
            expect(v.record.payloadBytes).toEqual(original);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('never throws anything but OcmfError for random key text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.uint8Array({ maxLength: 160 }).map((b) => Buffer.from(b).toString('hex')),
          fc.uint8Array({ maxLength: 160 }).map((b) => Buffer.from(b).toString('base64')),
          fc.nat({ max: 90 }).map((n) => keba.publicKey.slice(0, n * 2)),
        ),
        (key) => {
          const v = verifyOcmf(keba.ocmf, key);
          expect(v.valid).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });
});
