import { describe, expect, it } from 'vitest';
import { OcmfError, parseOcmf } from '../../../src/core/ocmf/index.ts';
import { payloadJson, unsignedRecord } from './helpers.ts';

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return e instanceof OcmfError ? e.code : `not an OcmfError: ${String(e)}`;
  }
  return 'no error';
}

const parse = (payload: string) => parseOcmf(unsignedRecord(payload)).payload;
const reading = { TM: '2024-05-01T12:00:00,000+0000 S', RV: 1, RU: 'kWh', ST: 'G' };

describe('when reading a payload', () => {
  it('maps the header fields', () => {
    const p = parse(
      payloadJson({ TT: 'Tarif 1', CT: 'EVSEID', CI: 'DE*ABC*E1', UX: { vendor: true } }),
    );
    expect(p.pagination).toEqual({ kind: 'T', number: 7 });
    expect(p.meterSerial).toBe('METER-42');
    expect(p.gatewaySerial).toBe('GW-0001');
    expect(p.identificationStatus).toBe(false);
    expect(p.tariffText).toBe('Tarif 1');
    expect(p.chargePointId).toBe('DE*ABC*E1');
    expect(p.fields.has('UX')).toBe(true);
  });

  it('fills omitted reading fields from the previous reading of the record', () => {
    const p = parse(
      payloadJson({
        RD: [
          {
            TM: '2024-05-01T12:00:00,000+0200 S',
            TX: 'B',
            RV: 1.5,
            RI: '1-b:1.8.0',
            RU: 'kWh',
            RT: 'AC',
            EF: '',
            ST: 'G',
          },
          { TM: '2024-05-01T12:15:00,000+0200 S', TX: 'C', RV: 1.75 },
          { TM: '2024-05-01T12:30:00,000+0200 S', RV: '2.000' },
          { TX: 'E', ST: 'T' },
        ],
      }),
    );
    expect(p.readings.map((r) => r.transaction)).toEqual(['B', 'C', 'C', 'E']);
    expect(p.readings.map((r) => r.valueMilliWh)).toEqual([
      1_500_000n,
      1_750_000n,
      2_000_000n,
      2_000_000n,
    ]);
    expect(p.readings.map((r) => r.unit)).toEqual(['kWh', 'kWh', 'kWh', 'kWh']);
    expect(p.readings.map((r) => r.currentType)).toEqual(['AC', 'AC', 'AC', 'AC']);
    expect(p.readings.map((r) => r.status)).toEqual(['G', 'G', 'G', 'T']);
    expect(p.readings[3]!.time.text).toBe('2024-05-01T12:30:00,000+0200 S');
  });

  it('does not carry fields across records', () => {
    const first = parse(payloadJson({ RD: [{ ...reading, RT: 'DC' }] }));
    const second = parse(payloadJson({ RD: [reading] }));
    expect(first.readings[0]!.currentType).toBe('DC');
    expect(second.readings[0]!.currentType).toBeUndefined();
  });

  it('accepts an event-only reading without RV, RU or RI', () => {
    const p = parse(payloadJson({ RD: [{ TM: reading.TM, TX: 'X', EF: 'E', ST: 'F' }] }));
    expect(p.readings[0]!.value).toBeUndefined();
    expect(p.readings[0]!.valueMilliWh).toBeUndefined();
    expect(p.readings[0]!.errorFlags).toBe('E');
  });

  it('converts CL (cumulated loss) in the reading unit', () => {
    const p = parse(payloadJson({ RD: [{ ...reading, CL: 0.5 }] }));
    expect(p.readings[0]!.cumulatedLossMilliWh).toBe(500_000n);
  });

  it('accepts a gateway serial alone (KEBA style)', () => {
    const p = parse(payloadJson({ MS: undefined }));
    expect(p.meterSerial).toBeUndefined();
    expect(p.gatewaySerial).toBe('GW-0001');
  });

  it.each([
    ['PG missing', { PG: undefined }, 'MISSING_FIELD'],
    ['MS and GS missing', { MS: undefined, GS: undefined }, 'MISSING_FIELD'],
    ['MS missing and GS empty', { MS: undefined, GS: '' }, 'MISSING_FIELD'],
    ['RD missing', { RD: undefined }, 'MISSING_FIELD'],
    ['TM missing in the first reading', { RD: [{ ...reading, TM: undefined }] }, 'MISSING_FIELD'],
    ['ST missing', { RD: [{ ...reading, ST: undefined }] }, 'MISSING_FIELD'],
    ['RV without RU', { RD: [{ ...reading, RU: undefined }] }, 'MISSING_FIELD'],
    ['PG with leading zero', { PG: 'T07' }, 'INVALID_VALUE'],
    ['PG a number', { PG: 7 }, 'INVALID_VALUE'],
    ['IS a string', { IS: 'true' }, 'INVALID_VALUE'],
    ['IF not strings', { IF: [1] }, 'INVALID_VALUE'],
    ['MS a number', { MS: 42 }, 'INVALID_VALUE'],
    ['RD empty', { RD: [] }, 'INVALID_VALUE'],
    ['RD an object', { RD: reading }, 'INVALID_VALUE'],
    ['reading not an object', { RD: [reading, 3] }, 'INVALID_VALUE'],
    ['TX unknown', { RD: [{ ...reading, TX: 'Q' }] }, 'INVALID_VALUE'],
    ['ST unknown', { RD: [{ ...reading, ST: 'OK' }] }, 'INVALID_VALUE'],
    ['RV an array', { RD: [{ ...reading, RV: [1] }] }, 'INVALID_VALUE'],
    ['RV with a decimal comma', { RD: [{ ...reading, RV: '1,5' }] }, 'INVALID_VALUE'],
    ['RV negative', { RD: [{ ...reading, RV: -1 }] }, 'INVALID_VALUE'],
    ['RV finer than 1 mWh', { RD: [{ ...reading, RV: 0.0000001 }] }, 'INVALID_VALUE'],
    ['TM malformed', { RD: [{ ...reading, TM: '2024-05-01T12:00:00Z' }] }, 'INVALID_VALUE'],
    ['LC not an object', { LC: 'x' }, 'INVALID_VALUE'],
    ['too many readings', { RD: Array.from({ length: 1001 }, () => reading) }, 'TOO_LARGE'],
  ] as const)('rejects a payload with %s', (_why, overrides, want) => {
    expect(code(() => parse(payloadJson(overrides)))).toBe(want);
  });

  it('names the failing reading in the error', () => {
    try {
      parse(payloadJson({ RD: [reading, { TX: 'Q' }] }));
      expect.unreachable();
    } catch (e) {
      expect((e as OcmfError).evidence).toEqual({ field: 'RD[1].TX' });
    }
  });
});
