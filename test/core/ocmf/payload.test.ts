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

  it('keeps FV and CT written as JSON numbers as their exact text (DZG/TwinCharger)', () => {
    // The TwinCharger record writes `"FV": 1.0` and `"CT": 0` (test/vectors/ocmf-devices.json).
    const p = parse(
      payloadJson({ FV: '@FV@', CT: '@CT@' }).replace('"@FV@"', '1.0').replace('"@CT@"', '0'),
    );
    expect(p.formatVersion).toBe('1.0');
    expect(p.chargePointIdType).toBe('0');
    const exp = parse(payloadJson({ FV: '@FV@' }).replace('"@FV@"', '1.40e0'));
    expect(exp.formatVersion).toBe('1.40e0');
  });

  it('keeps FV and CT written as strings as they are', () => {
    const p = parse(payloadJson({ FV: '1.4', CT: 'EVSEID' }));
    expect(p.formatVersion).toBe('1.4');
    expect(p.chargePointIdType).toBe('EVSEID');
  });

  it('reads CF, the charge controller firmware version (Table 5, OCMF 1.3)', () => {
    expect(parse(payloadJson({ CF: 'cc-2.1' })).chargeControllerVersion).toBe('cc-2.1');
  });

  it('reads LC as Table 24 defines it, numbers as numbers or decimal strings', () => {
    const p = parse(payloadJson({ LC: { LN: 'cable_name', LI: 1, LR: 2, LU: 'mOhm' } }));
    expect(p.lossCompensation).toMatchObject({ name: 'cable_name', unit: 'mOhm' });
    expect(p.lossCompensation!.resistance.text).toBe('2');
    expect(p.lossCompensation!.id!.text).toBe('1');
    const s = parse(payloadJson({ LC: { LR: '0.5', LU: 'uOhm' } })).lossCompensation!;
    expect(s.resistance).toMatchObject({ coefficient: 5n, exponent: -1 });
    expect(s.name).toBeUndefined();
  });

  it('truncates a register finer than 1 mWh to whole mWh and keeps its exact text', () => {
    // Enercharge writes Wh with six decimals: 1709.539307 Wh (test/vectors/ocmf-devices.json).
    const p = parse(payloadJson({ RD: [{ ...reading, RV: 1709.539307, RU: 'Wh' }] }));
    expect(p.readings[0]!.valueMilliWh).toBe(1_709_539n);
    expect(p.readings[0]!.value!.text).toBe('1709.539307');
    const tiny = parse(payloadJson({ RD: [{ ...reading, RV: '0.0000009', CL: '0.0000019' }] }));
    expect(tiny.readings[0]!.valueMilliWh).toBe(0n);
    expect(tiny.readings[0]!.cumulatedLossMilliWh).toBe(1n);
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
    ['TM malformed', { RD: [{ ...reading, TM: '2024-05-01T12:00:00Z' }] }, 'INVALID_VALUE'],
    ['LC not an object', { LC: 'x' }, 'INVALID_VALUE'],
    ['LC without LR', { LC: { LU: 'mOhm' } }, 'MISSING_FIELD'],
    ['LC without LU', { LC: { LR: 2 } }, 'MISSING_FIELD'],
    ['LC with an unknown unit', { LC: { LR: 2, LU: 'Ohm' } }, 'INVALID_VALUE'],
    ['LC.LR a boolean', { LC: { LR: true, LU: 'mOhm' } }, 'INVALID_VALUE'],
    ['LC.LN a number', { LC: { LN: 1, LR: 2, LU: 'mOhm' } }, 'INVALID_VALUE'],
    ['FV an object', { FV: { v: 1 } }, 'INVALID_VALUE'],
    ['FV a boolean', { FV: true }, 'INVALID_VALUE'],
    ['CT an array', { CT: ['EVSEID'] }, 'INVALID_VALUE'],
    ['CT null', { CT: null }, 'INVALID_VALUE'],
    ['too many readings', { RD: Array.from({ length: 1001 }, () => reading) }, 'TOO_LARGE'],
  ] as const)('rejects a payload with %s', (_why, overrides, want) => {
    expect(code(() => parse(payloadJson(overrides)))).toBe(want);
  });

  // OCMF Tables 1–7 type these String; no device in the samples writes them otherwise.
  it.each(['GI', 'GS', 'GV', 'MV', 'MM', 'MF', 'IL', 'IT', 'ID', 'TT', 'CF', 'CI'])(
    'rejects %s written as a number',
    (key) => {
      expect(code(() => parse(payloadJson({ [key]: 1 })))).toBe('INVALID_VALUE');
    },
  );

  it.each(['TM', 'TX', 'RI', 'RU', 'RT', 'EF', 'ST'])(
    'rejects the reading field %s written as a number',
    (key) => {
      const e = (() => {
        try {
          parse(payloadJson({ RD: [{ ...reading, RI: '1-0:1.8.0', [key]: 1 }] }));
        } catch (err) {
          return err as OcmfError;
        }
        return undefined;
      })();
      expect(e?.code).toBe('INVALID_VALUE');
      expect(e?.evidence).toMatchObject({ field: `RD[0].${key}` });
    },
  );

  it('names the failing reading in the error', () => {
    try {
      parse(payloadJson({ RD: [reading, { TX: 'Q' }] }));
      expect.unreachable();
    } catch (e) {
      expect((e as OcmfError).evidence).toEqual({ field: 'RD[1].TX' });
    }
  });
});
