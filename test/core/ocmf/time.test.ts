import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  obisRegisterKind,
  OcmfError,
  parseOcmfPagination,
  parseOcmfTime,
} from '../../../src/core/ocmf/index.ts';

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return e instanceof OcmfError ? e.code : `not an OcmfError: ${String(e)}`;
  }
  return 'no error';
}

describe('when parsing OCMF times (TM)', () => {
  it('reads the KEBA sample time', () => {
    const t = parseOcmfTime('2019-08-13T10:03:15,000+0000 I');
    expect(t.unixMs).toBe(Date.UTC(2019, 7, 13, 10, 3, 15));
    expect(t.status).toBe('I');
    expect(t.offsetMinutes).toBe(0);
  });

  it('applies positive and negative offsets and milliseconds', () => {
    expect(parseOcmfTime('2018-07-24T13:22:04,123+0200 S').unixMs).toBe(
      Date.UTC(2018, 6, 24, 11, 22, 4, 123),
    );
    expect(parseOcmfTime('2018-07-24T13:22:04,000-0530 U').unixMs).toBe(
      Date.UTC(2018, 6, 24, 18, 52, 4),
    );
    expect(parseOcmfTime('2018-07-24T13:22:04.000+0000 R').status).toBe('R');
  });

  it('accepts 29 February only in leap years', () => {
    expect(parseOcmfTime('2020-02-29T00:00:00,000+0000 S').unixMs).toBe(Date.UTC(2020, 1, 29));
    expect(parseOcmfTime('2000-02-29T00:00:00,000+0000 S').unixMs).toBe(Date.UTC(2000, 1, 29));
    expect(code(() => parseOcmfTime('2019-02-29T00:00:00,000+0000 S'))).toBe('INVALID_VALUE');
    expect(code(() => parseOcmfTime('1900-02-29T00:00:00,000+0000 S'))).toBe('INVALID_VALUE');
  });

  it.each([
    '2019-08-13T10:03:15,000+0000',
    '2019-08-13T10:03:15,000+0000 i',
    '2019-08-13T10:03:15,000+0000 X',
    '2019-08-13T10:03:15,000+0000  I',
    '2019-08-13T10:03:15,000+00:00 I',
    '2019-08-13T10:03:15,000Z I',
    '2019-08-13T10:03:15,00+0000 I',
    '2019-08-13T10:03:15+0000 I',
    '2019-08-13 10:03:15,000+0000 I',
    '2019-13-13T10:03:15,000+0000 I',
    '2019-04-31T10:03:15,000+0000 I',
    '2019-08-00T10:03:15,000+0000 I',
    '2019-08-13T24:00:00,000+0000 I',
    '2019-08-13T10:60:15,000+0000 I',
    '2019-08-13T10:03:60,000+0000 I',
    '2019-08-13T10:03:15,000+2400 I',
    '2019-08-13T10:03:15,000+0060 I',
    '19-08-13T10:03:15,000+0000 I',
    '',
  ])('rejects %j', (tm) => {
    expect(code(() => parseOcmfTime(tm))).toBe('INVALID_VALUE');
  });

  it('agrees with Date.UTC on random instants and offsets', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date(Date.UTC(1970, 0, 1)),
          max: new Date(Date.UTC(9999, 11, 31)),
          noInvalidDate: true,
        }),
        fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
        fc.constantFrom('U', 'I', 'S', 'R'),
        (d, off, status) => {
          const local = new Date(d.getTime() + off * 60_000);
          if (local.getUTCFullYear() > 9999 || local.getUTCFullYear() < 1000) return;
          const p2 = (n: number): string => String(n).padStart(2, '0');
          const abs = Math.abs(off);
          const tm =
            `${local.getUTCFullYear()}-${p2(local.getUTCMonth() + 1)}-${p2(local.getUTCDate())}` +
            `T${p2(local.getUTCHours())}:${p2(local.getUTCMinutes())}:${p2(local.getUTCSeconds())}` +
            `,${String(local.getUTCMilliseconds()).padStart(3, '0')}` +
            `${off < 0 ? '-' : '+'}${p2(Math.floor(abs / 60))}${p2(abs % 60)} ${status}`;
          const t = parseOcmfTime(tm);
          expect(t.unixMs).toBe(d.getTime());
          expect(t.offsetMinutes).toBe(off);
          expect(t.status).toBe(status);
        },
      ),
    );
  });
});

describe('when parsing pagination (PG)', () => {
  it('reads the transaction and fiscal contexts', () => {
    expect(parseOcmfPagination('T32')).toEqual({ kind: 'T', number: 32 });
    expect(parseOcmfPagination('F12')).toEqual({ kind: 'F', number: 12 });
    expect(parseOcmfPagination('T0')).toEqual({ kind: 'T', number: 0 });
    expect(parseOcmfPagination('T9007199254740991')).toEqual({ kind: 'T', number: 2 ** 53 - 1 });
  });

  it.each([
    'T032',
    'X1',
    't1',
    'T',
    '1',
    'T-1',
    'T1.5',
    'T 1',
    ' T1',
    'T1 ',
    'T9007199254740992',
    'T1e3',
    '',
  ])('rejects %j', (pg) => {
    expect(code(() => parseOcmfPagination(pg))).toBe('INVALID_VALUE');
  });
});

describe('when classifying OBIS codes (RI)', () => {
  it.each([
    ['1-b:1.8.0', 'import'],
    ['1-0:1.8.0', 'import'],
    ['01-00:01.08.00.FF', 'import'],
    ['1-0:1.8.0*255', 'import'],
    ['1-0:2.8.0', 'export'],
    ['01-00:02.08.00.FF', 'export'],
    ['01-00:00.08.06.FF', null],
    ['1-0:1.7.0', null],
    ['2-0:1.8.0', null],
    ['foo', null],
    ['', null],
  ] as const)('classifies %j as %s', (ri, kind) => {
    expect(obisRegisterKind(ri)).toBe(kind);
  });
});
