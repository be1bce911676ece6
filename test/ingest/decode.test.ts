import { describe, expect, it } from 'vitest';
import { encodeCbor } from '../../src/core/cbor/index.ts';
import { bytesEqual, utf8 } from '../../src/core/bytes.ts';
import { decodeCoseSign1, sigStructure1 } from '../../src/core/cose/index.ts';
import { EntryKind } from '../../src/core/leaf/leaf.ts';
import { QualityFlag } from '../../src/core/reading/index.ts';
import { decodeMessage, decodeReadingBytes } from '../../src/ingest/decode.ts';
import type { CandidateReading } from '../../src/ingest/candidate.ts';
import {
  DEV_A,
  DEV_B,
  OCMF_SAMPLES,
  ocmfPayload,
  ocmfRecord,
  reading,
  signed,
  T0,
} from './helpers/fixtures.ts';

const LIMITS = { maxReadingBytes: 4096, maxMessageBytes: 262_144, maxReadingsPerMessage: 1000 };

function candidate(bytes: Uint8Array): CandidateReading {
  const r = decodeReadingBytes(bytes);
  if (!r.ok) throw new Error(`refused: ${r.rejection.code} ${r.rejection.message}`);
  return r.candidate;
}

function codeOf(bytes: Uint8Array): string {
  const r = decodeReadingBytes(bytes);
  return r.ok ? 'OK' : r.rejection.code;
}

describe('when decoding a COSE reading', () => {
  it('gives the exact bytes, kid as signer, the Sig_structure and milli-Wh figures', () => {
    const bytes = signed(DEV_A, reading('mtr-A', 3));
    const c = candidate(bytes);
    const sign1 = decodeCoseSign1(bytes);
    expect(c.kind).toBe(EntryKind.readingCose);
    expect(bytesEqual(c.bytes, bytes)).toBe(true);
    expect(c.signerId).toBe('dev-A');
    expect(c.issuer).toBe('dev-A');
    expect(c.keyType).toBe('Ed25519');
    expect(bytesEqual(c.message, sigStructure1(sign1.protectedBytes, sign1.payload))).toBe(true);
    expect(bytesEqual(c.signature, sign1.signature)).toBe(true);
    expect(c.reading).toEqual({
      meterId: 'mtr-A',
      sequence: 3,
      sequenceScope: '',
      intervalStart: T0 + 2700,
      intervalEnd: T0 + 3600,
      channels: [
        {
          obis: '1-0:1.8.0',
          intervalStart: T0 + 2700,
          intervalEnd: T0 + 3600,
          registerMilliWh: 100_750_000,
          energyMilliWh: 250_000,
        },
      ],
      quality: QualityFlag.CLOCK_SYNCED,
    });
  });

  it('maps ES256 to a P-256 key', () => {
    expect(candidate(signed(DEV_B, reading('mtr-B', 1))).keyType).toBe('P-256');
  });

  it('refuses a kid that is not UTF-8 as an unknown key', () => {
    const bytes = signed(DEV_A, reading('mtr-A', 1), { kid: Uint8Array.of(0xff, 0xfe) });
    expect(codeOf(bytes)).toBe('UNKNOWN_KEY');
  });

  it('refuses Wh values that overflow milli-Wh', () => {
    const big = Number.MAX_SAFE_INTEGER;
    expect(codeOf(signed(DEV_A, reading('mtr-A', 1, { registerWh: big })))).toBe(
      'IMPLAUSIBLE_ENERGY',
    );
  });

  it('maps core refusals to reject codes', () => {
    const good = signed(DEV_A, reading('mtr-A', 1));
    expect(codeOf(good.subarray(0, good.length - 3))).toBe('MALFORMED_COSE');
    const untagged = good.slice(1);
    expect(codeOf(untagged)).toBe('MALFORMED_COSE');
    expect(codeOf(Uint8Array.of())).toBe('MALFORMED_MESSAGE');
    expect(codeOf(encodeCbor(new Map()))).toBe('MALFORMED_COSE');
  });
});

describe('when decoding an OCMF record', () => {
  it('takes meter and signer from MS, sequence from PG, figures from the readings', () => {
    const rec = ocmfRecord(ocmfPayload(4));
    const c = candidate(utf8(rec));
    expect(c.kind).toBe(EntryKind.readingOcmf);
    expect(c.signerId).toBe('OCMF-1');
    expect(c.keyType).toBe('OCMF');
    expect(c.ocmfCurve).toBe('secp256r1');
    expect(c.issuer).toBeUndefined();
    const payload = rec.slice(5, rec.lastIndexOf('|'));
    expect(bytesEqual(c.message, utf8(payload))).toBe(true);
    expect(c.reading).toEqual({
      meterId: 'OCMF-1',
      sequence: 4,
      sequenceScope: 'T',
      intervalStart: T0 + 3600,
      intervalEnd: T0 + 4500,
      channels: [
        {
          obis: '1-0:1.8.0',
          intervalStart: T0 + 3600,
          intervalEnd: T0 + 4500,
          registerMilliWh: 101_250_000,
          energyMilliWh: 250_000,
        },
      ],
      quality: QualityFlag.CLOCK_SYNCED,
    });
  });

  it('uses GS when MS is absent and converts sub-Wh kWh exactly (KEBA sample)', () => {
    const keba = OCMF_SAMPLES.find((s) => s.sample === 'test_ocmf_keba_kcp30.xml')!;
    const c = candidate(utf8(keba.ocmf));
    expect(c.signerId).toBe('17619300');
    expect(c.reading.channels).toHaveLength(1);
    expect(c.reading.channels[0]!.registerMilliWh).toBe(259_700);
    expect(c.reading.channels[0]!.energyMilliWh).toBe(100);
    expect(c.reading.sequence).toBe(32);
    expect(c.reading.quality & QualityFlag.CLOCK_SYNCED).toBe(0);
  });

  it('ignores non-energy readings and normalises the OBIS spelling', () => {
    const s = OCMF_SAMPLES.find((x) => x.ocmf.includes('"T199"'))!;
    const c = candidate(utf8(s.ocmf));
    expect(c.signerId).toBe('1DZG0033016824');
    expect(c.ocmfCurve).toBe('secp256k1');
    // Its energy register is read at one time only: a point, so no energy interval.
    expect(c.reading.channels).toEqual([]);
  });

  it('marks a meter error from ST or EF', () => {
    const c = candidate(
      utf8(
        ocmfRecord(
          ocmfPayload(1, {
            RD: [
              { TM: '2026-01-01T00:00:00,000+0000 S', RV: 1, RI: '1-0:1.8.0', RU: 'kWh', ST: 'E' },
            ],
          }),
        ),
      ),
    );
    expect(c.reading.quality & QualityFlag.METER_ERROR).toBe(QualityFlag.METER_ERROR);
  });

  it.each([
    [
      'no energy register',
      { RD: [{ TM: '2026-01-01T00:00:00,000+0000 S', RV: 30, RU: 'sec', ST: 'G' }] },
      'MALFORMED_OCMF',
    ],
    [
      'times out of order',
      {
        RD: [
          { TM: '2026-01-01T01:00:00,000+0000 S', RV: 1, RI: '1-0:1.8.0', RU: 'kWh', ST: 'G' },
          { TM: '2026-01-01T00:00:00,000+0000 S', RV: 2 },
        ],
      },
      'MALFORMED_OCMF',
    ],
    [
      'a time before 1970',
      {
        RD: [{ TM: '1969-12-31T23:59:00,000+0000 S', RV: 1, RI: '1-0:1.8.0', RU: 'kWh', ST: 'G' }],
      },
      'MALFORMED_OCMF',
    ],
    [
      'a negative value',
      {
        RD: [{ TM: '2026-01-01T00:00:00,000+0000 S', RV: -1, RI: '1-0:1.8.0', RU: 'kWh', ST: 'G' }],
      },
      'MALFORMED_OCMF',
    ],
    ['a meter serial with a slash', { MS: 'a/b' }, 'MALFORMED_OCMF'],
    ['a leading-zero PG', { PG: 'T01' }, 'MALFORMED_OCMF'],
    [
      'a register beyond 2^53 mWh',
      {
        RD: [
          { TM: '2026-01-01T00:00:00,000+0000 S', RV: 9e12, RI: '1-0:1.8.0', RU: 'kWh', ST: 'G' },
        ],
      },
      'IMPLAUSIBLE_ENERGY',
    ],
  ])('refuses %s', (_name, over, code) => {
    expect(codeOf(utf8(ocmfRecord(ocmfPayload(1, over))))).toBe(code);
  });

  it('keeps a register that falls inside the record as a fault for after the signature check', () => {
    const c = candidate(
      utf8(
        ocmfRecord(
          ocmfPayload(1, {
            RD: [
              { TM: '2026-01-01T00:00:00,000+0000 S', RV: 2, RI: '1-0:1.8.0', RU: 'kWh', ST: 'G' },
              { TM: '2026-01-01T00:15:00,000+0000 S', RV: 1 },
            ],
          }),
        ),
      ),
    );
    expect(c.fault?.code).toBe('REGISTER_BACKWARDS');
    expect(c.fault?.detail).toBe('REGISTER_FALLS_IN_RECORD');
  });

  it('refuses an unknown SA as an unsupported algorithm', () => {
    const rec = ocmfRecord(ocmfPayload(1)).replace('{"SD"', '{"SA":"ECDSA-secp521r1-SHA512","SD"');
    expect(codeOf(utf8(rec))).toBe('UNSUPPORTED_ALGORITHM');
  });
});

describe('when splitting a message', () => {
  const one = signed(DEV_A, reading('mtr-A', 1));
  const two = signed(DEV_A, reading('mtr-A', 2));

  it('takes a meter message as one reading, even a CBOR array', () => {
    const m = decodeMessage(encodeCbor([one, two]), false, LIMITS);
    expect(m.ok && m.batch).toBe(false);
    expect(m.ok && m.parts.length).toBe(1);
  });

  it('splits a platform array into its byte strings', () => {
    const m = decodeMessage(encodeCbor([one, utf8('x'), 7, two]), true, LIMITS);
    if (!m.ok) throw new Error('refused');
    expect(m.batch).toBe(true);
    expect(m.parts.map((p) => (p.result.ok ? 'OK' : p.result.rejection.code))).toEqual([
      'OK',
      'MALFORMED_COSE',
      'MALFORMED_MESSAGE',
      'OK',
    ]);
  });

  it('takes a single platform reading as it is', () => {
    const m = decodeMessage(one, true, LIMITS);
    expect(m.ok && !m.batch && m.parts[0]!.result.ok).toBe(true);
  });

  it.each([
    ['an empty payload', new Uint8Array(0), true, 'MALFORMED_MESSAGE'],
    ['an empty array', encodeCbor([]), true, 'MALFORMED_MESSAGE'],
    ['a truncated array', encodeCbor([one]).subarray(0, 20), true, 'MALFORMED_MESSAGE'],
    ['an oversize meter message', new Uint8Array(4097), false, 'OVERSIZE'],
    ['an oversize platform message', new Uint8Array(262_145).fill(0x80, 0, 1), true, 'OVERSIZE'],
    [
      'too many readings',
      encodeCbor(Array.from({ length: 1001 }, () => Uint8Array.of(1))),
      true,
      'OVERSIZE',
    ],
  ])('refuses %s as a whole', (_name, payload, platform, code) => {
    const m = decodeMessage(payload, platform, LIMITS);
    expect(m.ok ? 'OK' : m.rejection.code).toBe(code);
  });

  it('refuses an oversize element alone', () => {
    const m = decodeMessage(encodeCbor([new Uint8Array(5000), one]), true, LIMITS);
    if (!m.ok) throw new Error('refused');
    expect(m.parts[0]!.result.ok ? 'OK' : m.parts[0]!.result.rejection.code).toBe('OVERSIZE');
    expect(m.parts[1]!.result.ok).toBe(true);
  });
});
