import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ocmfFigures,
  OcmfError,
  parseOcmf,
  verifyOcmf,
  type OcmfFigures,
} from '../../../src/core/ocmf/index.ts';
import { QualityFlag } from '../../../src/core/reading/reading.ts';
import { timelineFault, type ChannelFigures } from '../../../src/core/reading/timeline.ts';
import { generateKey, payloadJson, record, signDer, unsignedRecord } from './helpers.ts';

type Reading = Record<string, unknown>;

const T0 = Date.UTC(2024, 4, 1, 10, 0, 0) / 1000;

/** `TM` for T0 + `s` seconds (UTC, with milliseconds). */
function tm(s: number, status = 'S'): string {
  const d = new Date((T0 + s) * 1000);
  const iso = d.toISOString(); // 2024-05-01T10:00:00.000Z
  return `${iso.slice(0, 19)},${iso.slice(20, 23)}+0000 ${status}`;
}

function figures(rd: Reading[], extra: Record<string, unknown> = {}): OcmfFigures {
  return ocmfFigures(parseOcmf(unsignedRecord(payloadJson({ RD: rd, ...extra }))));
}

function failure(f: () => unknown): { code: string; field?: unknown } {
  try {
    f();
  } catch (e) {
    if (e instanceof OcmfError) return { code: e.code, field: e.evidence?.field };
    return { code: `not an OcmfError: ${String(e)}` };
  }
  return { code: 'no error' };
}

const imp = (s: number, rv: unknown, more: Reading = {}): Reading => ({
  TM: tm(s),
  RV: rv,
  RI: '1-0:1.8.0',
  RU: 'kWh',
  ST: 'G',
  ...more,
});

describe('when a record reads import and export registers', () => {
  it('gives one channel per register, each with its own interval (VW DC layout)', () => {
    const f = figures([
      imp(0, 57.584, { TX: 'B' }),
      { RV: 4.405, RI: '1-0:2.8.0' },
      imp(77, 58.685, { TX: 'E' }),
      { RV: 4.405, RI: '1-0:2.8.0' },
    ]);
    expect(f.channels).toEqual([
      {
        obis: '1-0:1.8.0',
        intervalStart: T0,
        intervalEnd: T0 + 77,
        registerMilliWh: 58_685_000,
        energyMilliWh: 1_101_000,
      },
      {
        obis: '1-0:2.8.0',
        intervalStart: T0,
        intervalEnd: T0 + 77,
        registerMilliWh: 4_405_000,
        energyMilliWh: 0,
      },
    ]);
  });

  it('gives registers read at different times their own intervals', () => {
    const f = figures([
      imp(0, 1),
      imp(0, 5, { RI: '1-0:2.8.0' }),
      imp(60, 2),
      imp(30, 6, { RI: '1-0:2.8.0' }),
    ]);
    expect(f.channels.map((c) => [c.obis, c.intervalStart - T0, c.intervalEnd - T0])).toEqual([
      ['1-0:1.8.0', 0, 60],
      ['1-0:2.8.0', 0, 30],
    ]);
    expect([f.intervalStart - T0, f.intervalEnd - T0]).toEqual([0, 60]);
  });

  it('reads the layout of the specification example: registers one after the other', () => {
    // OCMF §Example, Figure 1: B and E of 01.08.00, then of B1.08.00 and B3.08.00, each
    // beginning at the same time again; hex OBIS; LC, CL and EF as there.
    const f = figures(
      [
        imp(0, 2935.6, { TX: 'B', RI: '01-0B:01.08.00*FF', RT: 'DC', EF: '' }),
        imp(240, 2965.1, { TX: 'E', RI: '01-0B:01.08.00*FF', RT: 'DC', EF: '', CL: 0.5 }),
        imp(0, 2905.6, { TX: 'B', RI: '01-0B:B1.08.00*FF', RT: 'DC', EF: '' }),
        imp(240, 2934.6, { TX: 'E', RI: '01-0B:B1.08.00*FF', RT: 'DC', EF: '' }),
        imp(0, 0.0, { TX: 'B', RI: '01-0B:B3.08.00*FF', RT: 'DC', EF: '' }),
        imp(240, 29.0, { TX: 'E', RI: '01-0B:B3.08.00*FF', RT: 'DC', EF: '' }),
      ],
      { LC: { LN: 'cable_name', LI: 1, LR: 2, LU: 'mOhm' } },
    );
    // Device energy (B1) and transaction energy (B3) are other quantities: no timeline.
    expect(f.channels).toEqual([
      {
        obis: '1-0:1.8.0',
        intervalStart: T0,
        intervalEnd: T0 + 240,
        registerMilliWh: 2_965_100_000,
        energyMilliWh: 29_500_000,
      },
    ]);
    expect(f.fault).toBeUndefined();
  });

  it('keeps tariff registers apart from each other and from the total', () => {
    const f = figures([
      imp(0, 10, { RI: '1-0:1.8.1' }),
      imp(0, 20, { RI: '1-0:1.8.2' }),
      imp(0, 30, { RI: '1-0:1.8.0' }),
      imp(0, 7, { RI: '1-0:2.8.0' }),
      imp(900, 10.5, { RI: '1-0:1.8.1' }),
      imp(900, 20, { RI: '1-0:1.8.2' }),
      imp(900, 30.5, { RI: '1-0:1.8.0' }),
      imp(900, 7, { RI: '1-0:2.8.0' }),
    ]);
    expect(f.channels.map((c) => [c.obis, c.energyMilliWh, c.registerMilliWh])).toEqual([
      ['1-0:1.8.0', 500_000, 30_500_000],
      ['1-0:1.8.1', 500_000, 10_500_000],
      ['1-0:1.8.2', 0, 20_000_000],
      ['1-0:2.8.0', 0, 7_000_000],
    ]);
    expect(f.fault).toBeUndefined();
  });

  it('refuses two RI spellings of one channel in one record', () => {
    expect(
      failure(() =>
        figures([
          imp(0, 1),
          imp(0, 1, { RI: '1-b:1.8.0' }),
          imp(9, 2),
          imp(9, 2, { RI: '1-b:1.8.0' }),
        ]),
      ),
    ).toEqual({ code: 'INVALID_VALUE', field: 'RD[1].RI' });
  });
});

describe('when a record holds several readings of a register', () => {
  it('spans the first to the last reading', () => {
    const f = figures([
      imp(0, 1, { TX: 'B' }),
      { TM: tm(300), TX: 'C', RV: 1.2 },
      { TM: tm(600), TX: 'T', RV: 1.4 },
      { TM: tm(900), TX: 'E', RV: 1.5 },
    ]);
    expect(f.channels).toHaveLength(1);
    expect(f.channels[0]).toMatchObject({
      intervalStart: T0,
      intervalEnd: T0 + 900,
      registerMilliWh: 1_500_000,
      energyMilliWh: 500_000,
    });
  });

  it('reports a register that decreases anywhere inside the record as a fault, not an error', () => {
    const f = figures([imp(0, 1), { TM: tm(300), RV: 0.9 }, { TM: tm(600), RV: 1.5 }]);
    expect(f.fault?.code).toBe('REGISTER_BACKWARDS');
    expect(f.channels[0]!.energyMilliWh).toBe(500_000);
  });

  it('reports an end below the begin as a fault with no energy', () => {
    const f = figures([imp(0, 2), imp(60, 1)]);
    expect(f.fault?.code).toBe('REGISTER_BACKWARDS');
    expect(f.channels[0]).toMatchObject({ registerMilliWh: 1_000_000, energyMilliWh: 0 });
  });

  it('refuses readings of one register out of time order', () => {
    expect(failure(() => figures([imp(0, 1), imp(60, 2), imp(30, 3)]))).toEqual({
      code: 'INVALID_VALUE',
      field: 'RD[2].TM',
    });
  });

  it('accepts one register read twice at one instant with one value', () => {
    const f = figures([imp(0, 1), imp(0, 1), imp(60, 2)]);
    expect(f.channels[0]).toMatchObject({ intervalStart: T0, energyMilliWh: 1_000_000 });
  });
});

describe('when a record is a point in time', () => {
  it('gives a begin-only record no channel, and its time as the record interval', () => {
    const f = figures([imp(0, 12.345, { TX: 'B' })]);
    expect(f.channels).toEqual([]);
    expect([f.intervalStart, f.intervalEnd]).toEqual([T0, T0]);
    expect(f.fault).toBeUndefined();
  });

  it('gives an end-only record no channel', () => {
    expect(figures([imp(0, 13.5, { TX: 'E' })]).channels).toEqual([]);
  });

  it('gives no channel to a register read twice within one second with one value', () => {
    expect(figures([imp(0.1, 5), imp(0.9, 5)]).channels).toEqual([]);
  });

  it('refuses a register that changes within one second', () => {
    expect(failure(() => figures([imp(0.1, 5), imp(0.9, 5.001)]))).toEqual({
      code: 'INVALID_VALUE',
      field: 'RD[0].RV',
    });
    expect(failure(() => figures([imp(0, 5), imp(0, 6)])).code).toBe('INVALID_VALUE');
  });

  it('accepts a record without transaction reference (fiscal, PG F) the same way', () => {
    const f = figures([imp(0, 1), imp(900, 1.25)], { PG: 'F12' });
    expect([f.sequenceScope, f.sequence, f.channels[0]!.energyMilliWh]).toEqual(['F', 12, 250_000]);
  });
});

describe('when rounding reading times to whole seconds', () => {
  const chan = (a: number, b: number, ra: number, rb: number): ChannelFigures =>
    figures([imp(a, ra), imp(b, rb)]).channels[0]!;

  it('takes every TM as the second it falls in, for the start and the end alike', () => {
    expect(chan(0.999, 900.001, 1, 2)).toMatchObject({
      intervalStart: T0,
      intervalEnd: T0 + 900,
    });
  });

  it('keeps a record that starts where the previous one ended directly following it', () => {
    const a = chan(0.5, 900.5, 1, 2);
    const b = chan(900.5, 1800.5, 2, 3);
    expect(b.intervalStart).toBe(a.intervalEnd);
    expect(timelineFault(a, b)).toBeUndefined();
  });

  it('never makes records of one charger that do not overlap in milliseconds overlap', () => {
    // Flooring the start but ceiling the end would give [0, 901) and [900, 1800) here.
    const a = chan(0, 900.2, 1, 2);
    const b = chan(900.7, 1800, 2, 3);
    expect(timelineFault(a, b)).toBeUndefined();
  });

  it('never overlaps or breaks a register chain of records whose times are milliseconds', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 9 })), {
          minLength: 2,
          maxLength: 12,
        }),
        (steps) => {
          // A chain: record i reads the register at times t_i and t_{i+1} (milliseconds).
          let ms = 0;
          let wh = 1_000;
          const points = [{ ms, wh }];
          for (const [dms, dwh] of steps) {
            const next = ms + dms;
            // The register moves only when time moves on by a whole second.
            if (Math.floor(next / 1000) > Math.floor(ms / 1000)) wh += dwh;
            ms = next;
            points.push({ ms, wh });
          }
          const channels: ChannelFigures[] = [];
          for (let i = 1; i < points.length; i++) {
            const [p, q] = [points[i - 1]!, points[i]!];
            const f = figures([
              { ...imp(p.ms / 1000, p.wh), RU: 'Wh' },
              { ...imp(q.ms / 1000, q.wh), RU: 'Wh' },
            ]);
            channels.push(...f.channels);
          }
          for (let i = 1; i < channels.length; i++) {
            expect(timelineFault(channels[i - 1]!, channels[i]!)).toBeUndefined();
          }
          const total = channels.reduce((a, c) => a + c.energyMilliWh, 0);
          expect(total).toBe((points[points.length - 1]!.wh - points[0]!.wh) * 1000);
        },
      ),
    );
  });

  it('truncates registers finer than 1 mWh so that a chain of records still adds up', () => {
    // Enercharge-style Wh with six decimals: each register is cut to whole mWh, and the
    // energies are differences of the cut registers.
    const values = ['1709.539307', '1709.5399', '1711.0000009', '1711.000999'];
    const cs = values.slice(1).map((v, i) => {
      const f = figures([
        { ...imp(i * 60, values[i]), RU: 'Wh' },
        { ...imp((i + 1) * 60, v), RU: 'Wh' },
      ]);
      return f.channels[0]!;
    });
    expect(cs.map((c) => c.registerMilliWh)).toEqual([1_709_539, 1_711_000, 1_711_000]);
    expect(cs.map((c) => c.energyMilliWh)).toEqual([0, 1_461, 0]);
    for (let i = 1; i < cs.length; i++) expect(timelineFault(cs[i - 1]!, cs[i]!)).toBeUndefined();
  });
});

describe('when a record is refused or flagged', () => {
  it('refuses a record without any energy register reading', () => {
    const rd = [{ TM: tm(0), RV: 30, RI: '01-00:00.08.06.FF', RU: 'sec', ST: 'G' }];
    expect(failure(() => figures(rd))).toEqual({ code: 'MISSING_FIELD', field: 'RD' });
  });

  it('accepts a record whose only register is a transaction register, with no channel', () => {
    // BAUER writes its transaction register as 1-0:1.8.0*198, restarting at 0.
    const f = figures([imp(0, 0, { RI: '1-0:1.8.0*198', RU: 'Wh' }), imp(60, 890)]);
    expect(f.channels).toEqual([]);
  });

  it('refuses a meter serial the ledger cannot name', () => {
    expect(failure(() => figures([imp(0, 1)], { MS: 'meter 42' }))).toEqual({
      code: 'INVALID_VALUE',
      field: 'MS',
    });
    expect(failure(() => figures([imp(0, 1)], { MS: '', GS: '-x' }))).toEqual({
      code: 'INVALID_VALUE',
      field: 'GS',
    });
  });

  it('refuses a reading before 1970', () => {
    const rd = [imp(0, 1), { ...imp(60, 2), TM: '1969-12-31T23:59:59,000+0000 U' }];
    expect(failure(() => figures(rd))).toEqual({ code: 'INVALID_VALUE', field: 'RD[1].TM' });
  });

  it('refuses a register beyond 2^53 − 1 milli-Wh', () => {
    const rd = [imp(0, 1), imp(60, '9007199254.740992')];
    expect(failure(() => figures(rd))).toEqual({ code: 'INVALID_VALUE', field: 'RD[1].RV' });
    expect(figures([imp(0, 1), imp(60, '9007199254.740991')]).channels[0]!.registerMilliWh).toBe(
      Number.MAX_SAFE_INTEGER,
    );
  });

  it.each([
    ['every clock synchronised', [imp(0, 1), imp(60, 2)], QualityFlag.CLOCK_SYNCED],
    ['one clock informative', [imp(0, 1), { ...imp(60, 2), TM: tm(60, 'I') }], 0],
    [
      'a meter state other than G',
      [imp(0, 1), imp(60, 2, { ST: 'T' })],
      QualityFlag.CLOCK_SYNCED | QualityFlag.METER_ERROR,
    ],
    [
      'EF energy',
      [imp(0, 1, { EF: 'E' }), imp(60, 2)],
      QualityFlag.CLOCK_SYNCED | QualityFlag.METER_ERROR,
    ],
    [
      'EF time',
      [imp(0, 1, { EF: 't' }), imp(60, 2)],
      QualityFlag.CLOCK_SYNCED | QualityFlag.METER_ERROR,
    ],
    ['EF empty', [imp(0, 1, { EF: '' }), imp(60, 2)], QualityFlag.CLOCK_SYNCED],
    [
      'a reading with reason X (values unusable from there)',
      [imp(0, 1, { TX: 'B' }), imp(60, 2, { TX: 'X' }), imp(90, 3, { TX: 'E' })],
      QualityFlag.CLOCK_SYNCED | QualityFlag.METER_ERROR,
    ],
  ] as const)('sets the quality bits for %s', (_why, rd, want) => {
    expect(figures([...rd]).quality).toBe(want);
  });
});

describe('when the signature and the content both fail', () => {
  const key = generateKey('prime256v1');
  const other = generateKey('prime256v1');
  const payload = payloadJson({
    RD: [imp(0, 2, { TX: 'B' }), imp(60, 1, { TX: 'E' })],
  });

  it('lets a validly signed record whose register decreases reach the state check', () => {
    const v = verifyOcmf(record(payload, signDer(payload, key.privateKey)), key.spki);
    expect(v.valid).toBe(true);
    expect(ocmfFigures(v.record!).fault?.code).toBe('REGISTER_BACKWARDS');
  });

  it('gives a forged record whose register decreases BAD_SIGNATURE, its figures no error', () => {
    // The figures carry the fault instead of throwing, so a verifier can check the signature
    // first and report BAD_SIGNATURE for any forged record, whatever its registers say.
    const forged = record(payload, signDer(payload, other.privateKey));
    const rec = parseOcmf(forged);
    expect(() => ocmfFigures(rec)).not.toThrow();
    const v = verifyOcmf(forged, key.spki);
    expect(v.valid ? 'valid' : v.code).toBe('BAD_SIGNATURE');
  });
});
