import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CborTag, encodeCbor } from '../../../src/core/cbor/index.ts';
import type { CborMap, CborValue } from '../../../src/core/cbor/index.ts';
import {
  CoseError,
  decodeCoseSign1,
  signCoseSign1,
  CoseAlg,
} from '../../../src/core/cose/index.ts';
import { fromHex, utf8 } from '../../../src/core/bytes.ts';

const SIG = new Uint8Array(64);
const PAYLOAD = utf8('x');

function claims(iss: CborValue | null = 'i', sub: CborValue | null = 's'): CborMap {
  const m: CborMap = new Map();
  if (iss !== null) m.set(1, iss);
  if (sub !== null) m.set(2, sub);
  return m;
}

function header(entries: [number, CborValue][]): Uint8Array {
  return encodeCbor(new Map(entries));
}

const GOOD: [number, CborValue][] = [
  [1, -8],
  [4, fromHex('01')],
  [15, claims()],
];

function sign1(
  protectedBytes: Uint8Array,
  opts: { unprotected?: CborMap; payload?: CborValue; signature?: CborValue } = {},
): Uint8Array {
  return encodeCbor(
    new CborTag(18, [
      protectedBytes,
      opts.unprotected ?? new Map(),
      'payload' in opts ? opts.payload : PAYLOAD,
      opts.signature ?? SIG,
    ]),
  );
}

function errorOf(f: () => unknown): CoseError {
  try {
    f();
  } catch (e) {
    if (e instanceof CoseError) return e;
    throw e;
  }
  throw new Error('expected a CoseError');
}

describe('when the envelope is well-formed', () => {
  it('decodes the minimal header set', () => {
    const d = decodeCoseSign1(sign1(header(GOOD)));
    expect([d.alg, d.iss, d.sub, d.contentType]).toEqual([-8, 'i', 's', undefined]);
  });

  it('accepts crit listing only processed, present labels', () => {
    const d = decodeCoseSign1(sign1(header([...GOOD, [2, [4, 15]]])));
    expect(d.kid).toEqual(fromHex('01'));
  });

  it('accepts an unprotected header the envelope itself does not restrict', () => {
    const d = decodeCoseSign1(
      sign1(header(GOOD), { unprotected: new Map([[394, [fromHex('00')]]]) }),
    );
    expect(d.unprotectedHeader.size).toBe(1);
  });
});

describe('when the envelope is malformed', () => {
  it.each<[string, string, () => Uint8Array]>([
    ['truncated bytes', 'MALFORMED_COSE', () => sign1(header(GOOD)).subarray(0, 20)],
    ['trailing bytes', 'MALFORMED_COSE', () => Uint8Array.from([...sign1(header(GOOD)), 0])],
    ['not tagged', 'WRONG_TAG', () => encodeCbor([header(GOOD), new Map(), PAYLOAD, SIG])],
    [
      'tag 98 (COSE_Sign)',
      'WRONG_TAG',
      () => encodeCbor(new CborTag(98, [header(GOOD), new Map(), PAYLOAD, SIG])),
    ],
    [
      'three items',
      'MALFORMED_COSE',
      () => encodeCbor(new CborTag(18, [header(GOOD), new Map(), PAYLOAD])),
    ],
    ['a map instead of an array', 'MALFORMED_COSE', () => encodeCbor(new CborTag(18, new Map()))],
    [
      'protected as a map, not a bstr',
      'MALFORMED_COSE',
      () => encodeCbor(new CborTag(18, [new Map(GOOD), new Map(), PAYLOAD, SIG])),
    ],
    ['protected bytes that are not CBOR', 'MALFORMED_COSE', () => sign1(fromHex('a1'))],
    ['protected bytes that are an array', 'MALFORMED_COSE', () => sign1(encodeCbor([1]))],
    [
      'protected bytes not deterministic',
      'MALFORMED_COSE',
      () => sign1(fromHex('a3' + '0fa2016169016173' + '0127' + '044101')),
    ],
    [
      'unprotected not a map',
      'MALFORMED_COSE',
      () => sign1(header(GOOD), { unprotected: [] as never }),
    ],
    ['a detached payload', 'MALFORMED_COSE', () => sign1(header(GOOD), { payload: null })],
    ['a text payload', 'MALFORMED_COSE', () => sign1(header(GOOD), { payload: 'x' })],
    ['a text signature', 'MALFORMED_COSE', () => sign1(header(GOOD), { signature: 'x' })],
    ['an empty protected header', 'MISSING_ALG', () => sign1(new Uint8Array(0))],
    [
      'alg only unprotected',
      'MISSING_ALG',
      () => sign1(header(GOOD.slice(1)), { unprotected: new Map([[1, -8]]) }),
    ],
    [
      'alg in both buckets',
      'MALFORMED_COSE',
      () => sign1(header(GOOD), { unprotected: new Map([[1, -8]]) }),
    ],
    ['alg ES384 (-35)', 'UNSUPPORTED_ALG', () => sign1(header([[1, -35], ...GOOD.slice(1)]))],
    ['alg as text', 'UNSUPPORTED_ALG', () => sign1(header([[1, 'EdDSA'], ...GOOD.slice(1)]))],
    [
      'alg as a byte string',
      'MALFORMED_COSE',
      () => sign1(header([[1, fromHex('27')], ...GOOD.slice(1)])),
    ],
    ['no kid', 'MISSING_KID', () => sign1(header([GOOD[0]!, GOOD[2]!]))],
    [
      'kid only unprotected',
      'MISSING_KID',
      () => sign1(header([GOOD[0]!, GOOD[2]!]), { unprotected: new Map([[4, fromHex('01')]]) }),
    ],
    ['kid as text', 'MALFORMED_COSE', () => sign1(header([GOOD[0]!, [4, '01'], GOOD[2]!]))],
    [
      'an empty kid',
      'MALFORMED_COSE',
      () => sign1(header([GOOD[0]!, [4, new Uint8Array(0)], GOOD[2]!])),
    ],
    ['no CWT claims', 'MISSING_CLAIMS', () => sign1(header(GOOD.slice(0, 2)))],
    [
      'CWT claims without iss',
      'MISSING_CLAIMS',
      () => sign1(header([...GOOD.slice(0, 2), [15, claims(null, 's')]])),
    ],
    [
      'CWT claims without sub',
      'MISSING_CLAIMS',
      () => sign1(header([...GOOD.slice(0, 2), [15, claims('i', null)]])),
    ],
    [
      'CWT claims not a map',
      'MALFORMED_COSE',
      () => sign1(header([...GOOD.slice(0, 2), [15, fromHex('00')]])),
    ],
    [
      'sub as an integer',
      'MALFORMED_COSE',
      () => sign1(header([...GOOD.slice(0, 2), [15, claims('i', 7)]])),
    ],
    [
      'content type as a byte string',
      'MALFORMED_COSE',
      () => sign1(header([...GOOD, [3, fromHex('00')]])),
    ],
    [
      'crit naming an unprocessed label',
      'UNSUPPORTED_CRIT',
      () => sign1(header([...GOOD, [2, [33]], [33, fromHex('00')]])),
    ],
    ['crit naming an absent label', 'UNSUPPORTED_CRIT', () => sign1(header([...GOOD, [2, [3]]]))],
    ['an empty crit', 'MALFORMED_COSE', () => sign1(header([...GOOD, [2, []]]))],
  ])('rejects %s with %s', (_name, code, make) => {
    expect(errorOf(() => decodeCoseSign1(make())).code).toBe(code);
  });

  it('keeps the CBOR error as the cause of MALFORMED_COSE', () => {
    const e = errorOf(() => decodeCoseSign1(fromHex('d2')));
    expect(e.code).toBe('MALFORMED_COSE');
    expect(e.evidence).toMatchObject({ cborCode: 'TRUNCATED' });
    expect((e.cause as { code?: string }).code).toBe('TRUNCATED');
  });
});

describe('when decoding attacker-controlled bytes', () => {
  it('throws nothing but CoseError for mutated signed statements', () => {
    const good = signCoseSign1({
      alg: CoseAlg.EdDSA,
      kid: fromHex('01'),
      iss: 'i',
      sub: 's',
      payload: PAYLOAD,
      privateKey: new Uint8Array(32),
    });
    fc.assert(
      fc.property(
        fc.nat(good.length - 1),
        fc.integer({ min: 0, max: 255 }),
        fc.nat(good.length),
        (pos, byte, len) => {
          const b = good.slice(0, Math.max(1, len));
          b[pos % b.length] = byte;
          try {
            decodeCoseSign1(b);
          } catch (e) {
            if (!(e instanceof CoseError)) throw e;
          }
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe('when messages of one protected header follow each other', () => {
  it('checks the header against each message’s own unprotected header', () => {
    const p = header(GOOD);
    expect(decodeCoseSign1(sign1(p)).iss).toBe('i');
    // The same protected bytes, now with a label in both buckets: refused, not taken from before.
    const e = errorOf(() => decodeCoseSign1(sign1(p, { unprotected: new Map([[1, -8]]) })));
    expect(e.code).toBe('MALFORMED_COSE');
    expect(decodeCoseSign1(sign1(p)).sub).toBe('s');
  });

  it('gives a header of other bytes its own fields', () => {
    const a = decodeCoseSign1(sign1(header(GOOD)));
    const b = decodeCoseSign1(
      sign1(
        header([
          [1, -7],
          [4, fromHex('02')],
          [15, claims('j', 't')],
        ]),
      ),
    );
    expect([a.alg, a.iss, a.sub, a.kid]).toEqual([-8, 'i', 's', fromHex('01')]);
    expect([b.alg, b.iss, b.sub, b.kid]).toEqual([-7, 'j', 't', fromHex('02')]);
  });

  it('keeps what it decoded when the caller’s buffer changes afterwards', () => {
    const bytes = sign1(header(GOOD), { payload: utf8('payload') });
    const d = decodeCoseSign1(bytes);
    bytes.fill(0);
    expect(d.payload).toEqual(utf8('payload'));
    expect(d.signature).toEqual(SIG);
    expect(d.bytes).not.toEqual(bytes);
    expect(decodeCoseSign1(d.bytes).iss).toBe('i');
  });
});
