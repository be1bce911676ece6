import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/core/bytes.ts';
import { decodeCbor, encodeCbor, type CborMap } from '../../../src/core/cbor/index.ts';
import {
  certificateId,
  CertificateError,
  decodeCertificateEvent,
  encodeCertificateEvent,
  type CertificateEvent,
} from '../../../src/core/certificates/index.ts';
import {
  cancel,
  codeOf,
  expire,
  exportTo,
  HOUR,
  idOf,
  importFrom,
  issue,
  REGISTRY,
  TIME,
  transfer,
  withdraw,
} from './fixtures.ts';

const EVERY_TYPE: readonly CertificateEvent[] = [
  issue(),
  issue({ kind: 'go', energyWh: 1_700_000, carryInWh: 999_999 }),
  transfer(),
  cancel(),
  withdraw(),
  expire(),
  exportTo(),
  importFrom(),
];

/** The event's map, changed by `edit`, encoded deterministically. */
function edited(e: CertificateEvent, edit: (m: CborMap) => void): Uint8Array {
  const m = decodeCbor(encodeCertificateEvent(e)) as CborMap;
  edit(m);
  return encodeCbor(m);
}

function codeOfBytes(b: Uint8Array): string | undefined {
  return codeOf(() => decodeCertificateEvent(b));
}

describe('certificate ids', () => {
  it('are SHA-256 of the tag and the CBOR names, computed independently', () => {
    const text = (s: string): Buffer => Buffer.concat([Buffer.of(0x60 + s.length), Buffer.from(s)]);
    const hour = Buffer.alloc(5);
    hour[0] = 0x1a;
    hour.writeUInt32BE(HOUR, 1);
    const cbor = Buffer.concat([
      Buffer.of(0x85),
      text(REGISTRY),
      text('granular'),
      text('m1'),
      text('1-0:2.8.0'),
      hour,
    ]);
    const expected = createHash('sha256')
      .update('wattproof/v1/certificate-id\0')
      .update(cbor)
      .digest('hex');
    expect(toHex(idOf())).toBe(expected);
  });

  it('differ by registry, kind, meter, channel and hour', () => {
    const ids = [
      idOf(),
      idOf('m1', HOUR, 'granular', 'registry.example/ch'),
      idOf('m1', HOUR, 'go'),
      idOf('m2'),
      idOf('m1', HOUR + 3600),
      certificateId({
        issuer: REGISTRY,
        kind: 'granular',
        meterId: 'm1',
        obis: '1-0:1.8.0',
        hour: HOUR,
      }),
    ].map(toHex);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refuse a second spelling of a meter-hour', () => {
    const base = {
      issuer: REGISTRY,
      kind: 'granular' as const,
      meterId: 'm1',
      obis: '1-0:2.8.0',
      hour: HOUR,
    };
    for (const bad of [
      { obis: '01-0:2.8.0' },
      { obis: '1-0:2.8' },
      { hour: HOUR + 1 },
      { meterId: ' m1' },
      { issuer: 'registry example' },
      { kind: 'GO' },
      { hour: 253_402_300_800 },
    ]) {
      expect(codeOf(() => certificateId({ ...base, ...bad } as never))).toBe('INVALID_FIELD');
    }
  });
});

describe('certificate events', () => {
  it('round-trip every event type, byte for byte', () => {
    for (const e of EVERY_TYPE) {
      const bytes = encodeCertificateEvent(e);
      expect(decodeCertificateEvent(bytes)).toEqual(e);
      expect(encodeCertificateEvent(decodeCertificateEvent(bytes))).toEqual(bytes);
    }
  });

  it('write the version under key 1 and the type under key 2 (a worked expire event)', () => {
    const e = expire();
    const time = Buffer.alloc(4);
    time.writeUInt32BE(TIME);
    const expected = Buffer.concat([
      Buffer.from('a5010102', 'hex'),
      Buffer.of(0x66),
      Buffer.from('expire'),
      Buffer.of(0x03, 0x73),
      Buffer.from(REGISTRY),
      Buffer.from('045820', 'hex'),
      Buffer.from(idOf()),
      Buffer.of(0x05, 0x1a),
      time,
    ]);
    expect(toHex(encodeCertificateEvent(e))).toBe(expected.toString('hex'));
  });

  it('round-trip random transfers and cancels', () => {
    const account = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/);
    fc.assert(
      fc.property(
        account,
        account,
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.string({ minLength: 1, maxLength: 256 }),
        (from, to, amount, purpose) => {
          fc.pre(from !== to);
          for (const e of [
            transfer({ account: from, toAccount: to, amount }),
            cancel({ account: from, amount, purpose }),
          ]) {
            expect(decodeCertificateEvent(encodeCertificateEvent(e))).toEqual(e);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('when event bytes are not strict CBOR', () => {
  it('rejects non-canonical, truncated, trailing and indefinite encodings with NOT_STRICT_CBOR', () => {
    const good = encodeCertificateEvent(expire());
    const longVersion = Uint8Array.from([0xa5, 0x01, 0x18, 0x01, ...good.subarray(3)]);
    const unsorted = Uint8Array.from([
      0xa5,
      0x02,
      ...good.subarray(3, 10),
      0x01,
      0x01,
      ...good.subarray(10),
    ]);
    const indefinite = Uint8Array.from([0xbf, ...good.subarray(1), 0xff]);
    const cases: [Uint8Array, string][] = [
      [longVersion, 'NON_CANONICAL'],
      [unsorted, 'NON_CANONICAL'],
      [good.subarray(0, good.length - 1), 'TRUNCATED'],
      [Uint8Array.from([...good, 0x00]), 'TRAILING_BYTES'],
      [indefinite, 'INDEFINITE_LENGTH'],
      [new Uint8Array(0), 'TRUNCATED'],
    ];
    for (const [bytes, cbor] of cases) {
      let err: unknown;
      try {
        decodeCertificateEvent(bytes);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CertificateError);
      expect((err as CertificateError).code).toBe('NOT_STRICT_CBOR');
      expect((err as CertificateError).evidence?.['cbor']).toBe(cbor);
    }
  });

  it('rejects a float amount as INVALID_FIELD, not as a number', () => {
    const b = encodeCertificateEvent(transfer({ amount: 100 }));
    const at = b.length - 2; // key 15, then 0x18 0x64
    expect(toHex(b.subarray(at - 1))).toBe('0f1864');
    const float = Uint8Array.from([...b.subarray(0, at), 0xf9, 0x56, 0x40]);
    expect(codeOfBytes(float)).toBe('INVALID_FIELD');
  });
});

describe('when event bytes are not an event map', () => {
  it('rejects what is not a map, another version or type, unknown and missing keys', () => {
    const e = transfer();
    expect(codeOfBytes(encodeCbor([1, 2]))).toBe('NOT_A_MAP');
    expect(codeOfBytes(edited(e, (m) => m.set(1, 2)))).toBe('UNSUPPORTED_VERSION');
    expect(codeOfBytes(edited(e, (m) => m.delete(1)))).toBe('UNSUPPORTED_VERSION');
    expect(codeOfBytes(edited(e, (m) => m.set(2, 'mint')))).toBe('UNKNOWN_EVENT_TYPE');
    expect(codeOfBytes(edited(e, (m) => m.set(2, 1)))).toBe('UNKNOWN_EVENT_TYPE');
    expect(codeOfBytes(edited(e, (m) => m.set(2, 'toString')))).toBe('UNKNOWN_EVENT_TYPE');
    expect(codeOfBytes(edited(e, (m) => m.set(99, 0)))).toBe('UNKNOWN_KEY');
    expect(codeOfBytes(edited(e, (m) => m.set('x', 0)))).toBe('UNKNOWN_KEY');
    expect(codeOfBytes(edited(e, (m) => m.set(20, 'a reason')))).toBe('UNKNOWN_KEY');
    expect(codeOfBytes(edited(issue(), (m) => m.set(12, 0)))).toBe('UNKNOWN_KEY');
    expect(codeOfBytes(edited(issue({ kind: 'go' }), (m) => m.delete(12)))).toBe('MISSING_KEY');
  });

  it('rejects every event type without any one of its keys with MISSING_KEY', () => {
    for (const e of EVERY_TYPE) {
      const keys = [...(decodeCbor(encodeCertificateEvent(e)) as CborMap).keys()];
      for (const k of keys.filter((k) => k !== 1 && k !== 2 && !(e.type === 'issue' && k === 6))) {
        expect([e.type, k, codeOfBytes(edited(e, (m) => m.delete(k)))]).toEqual([
          e.type,
          k,
          'MISSING_KEY',
        ]);
      }
    }
  });
});

describe('when a field is out of its type or range', () => {
  const cases: [CertificateEvent, number, unknown][] = [
    [expire(), 3, 'two words'],
    [expire(), 3, 'a+b'],
    [expire(), 3, 7],
    [expire(), 4, new Uint8Array(31)],
    [expire(), 4, 'id'],
    [expire(), 5, -1],
    [expire(), 5, 2n ** 60n],
    [issue(), 6, 'GO'],
    [issue(), 7, 'm/1'],
    [issue(), 8, '1-0:2.8.00'],
    [issue(), 9, HOUR + 60],
    [issue(), 9, 253_402_300_800],
    [issue(), 10, 0],
    [issue(), 11, new Uint8Array(33)],
    [issue({ kind: 'go' }), 12, 1_000_000],
    [issue(), 13, ''],
    [transfer(), 14, 'a b'],
    [transfer(), 15, 0],
    [cancel(), 16, ''],
    [cancel(), 17, 'x'.repeat(257)],
    [cancel(), 18, 'now'],
    [cancel(), 19, -5],
    [withdraw(), 20, new Uint8Array(1)],
    [exportTo(), 21, ''],
    [importFrom(), 22, 'a b'],
    [importFrom(), 23, 1],
    [importFrom(), 24, -1],
  ];
  it('rejects each with INVALID_FIELD', () => {
    for (const [e, key, bad] of cases) {
      const code = codeOfBytes(edited(e, (m) => m.set(key, bad as never)));
      expect([e.type, key, code]).toEqual([e.type, key, 'INVALID_FIELD']);
    }
  });

  it('rejects a self-transfer, an empty claim period, an export or import to itself', () => {
    expect(codeOfBytes(edited(transfer(), (m) => m.set(14, 'producer')))).toBe('INVALID_FIELD');
    expect(codeOfBytes(edited(cancel(), (m) => m.set(19, m.get(18)!)))).toBe('INVALID_FIELD');
    expect(codeOfBytes(edited(exportTo(), (m) => m.set(21, REGISTRY)))).toBe('INVALID_FIELD');
    expect(codeOfBytes(edited(importFrom(), (m) => m.set(23, m.get(3)!)))).toBe('INVALID_FIELD');
  });

  it('rejects an issue or import under an id that is not its own with ID_MISMATCH', () => {
    expect(codeOfBytes(edited(issue(), (m) => m.set(9, HOUR + 3600)))).toBe('ID_MISMATCH');
    expect(codeOfBytes(edited(issue(), (m) => m.set(3, 'registry.example/ch')))).toBe(
      'ID_MISMATCH',
    );
    expect(codeOfBytes(edited(issue({ kind: 'go' }), (m) => m.set(4, idOf())))).toBe('ID_MISMATCH');
    expect(codeOfBytes(edited(importFrom(), (m) => m.set(22, 'registry.example/us')))).toBe(
      'ID_MISMATCH',
    );
  });
});

describe('when an event to encode is not one the decoder accepts', () => {
  it('refuses it with the decoder code', () => {
    expect(codeOf(() => encodeCertificateEvent(issue({ carryInWh: 5 })))).toBe('UNKNOWN_KEY');
    expect(
      codeOf(() => encodeCertificateEvent({ ...issue({ kind: 'go' }), carryInWh: undefined })),
    ).toBe('MISSING_KEY');
    expect(codeOf(() => encodeCertificateEvent(transfer({ amount: 1.5 })))).toBe('INVALID_FIELD');
    expect(codeOf(() => encodeCertificateEvent(transfer({ toAccount: 'producer' })))).toBe(
      'INVALID_FIELD',
    );
    expect(codeOf(() => encodeCertificateEvent(issue({ certificateId: idOf('m2') })))).toBe(
      'ID_MISMATCH',
    );
    expect(codeOf(() => encodeCertificateEvent({ ...expire(), type: 'mint' } as never))).toBe(
      'UNKNOWN_EVENT_TYPE',
    );
  });
});
