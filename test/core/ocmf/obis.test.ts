import { describe, expect, it } from 'vitest';
import { obisRegisterKind, parseOcmfRegister } from '../../../src/core/ocmf/index.ts';

describe('when classifying RI (OBIS, IEC 62056-6-1; OCMF Table 25)', () => {
  it.each([
    // Decimal notation, as most devices write it.
    ['1-0:1.8.0', 'import', 'total', '1-0:1.8.0'],
    ['1-0:2.8.0', 'export', 'total', '1-0:2.8.0'],
    ['1-0:1.8.0*255', 'import', 'total', '1-0:1.8.0'],
    ['1-0:2.8.0.FF', 'export', 'total', '1-0:2.8.0'],
    // Letter placeholders (KEBA `1-b:1.8.0`; eBZ and Isabellenhütte `1-b:1.8.e`).
    ['1-b:1.8.0', 'import', 'total', '1-0:1.8.0'],
    ['1-b:1.8.e', 'import', 'total', '1-0:1.8.0'],
    ['1-b:2.8.e', 'export', 'total', '1-0:2.8.0'],
    // Tariff rates, value group E = 1…63.
    ['1-0:1.8.1', 'import', 'tariff', '1-0:1.8.1'],
    ['1-0:1.8.2', 'import', 'tariff', '1-0:1.8.2'],
    ['1-0:2.8.63', 'export', 'tariff', '1-0:2.8.63'],
    ['1-0:1.8.64', 'import', 'other', null],
    // F other than 255: billing-period or manufacturer-specific (BAUER's transaction register).
    ['1-0:1.8.0*198', 'import', 'other', null],
    ['1-0:1.8.0*3', 'import', 'other', null],
    // Hexadecimal notation (every group two hex digits).
    ['01-00:01.08.00.FF', 'import', 'total', '1-0:1.8.0'],
    ['01-0B:01.08.00*FF', 'import', 'total', '1-0:1.8.0'],
    ['01-00:02.08.01', 'export', 'tariff', '1-0:2.8.1'],
    ['01-00:B0.08.00*FF', 'import', 'total', '1-0:1.8.0'],
    ['01-0B:B1.08.00*FF', 'import', 'device', null],
    ['01-00:B2.08.00', 'import', 'transaction', null],
    ['01-0B:B3.08.00*FF', 'import', 'transaction', null],
    ['01-00:C0.08.00*FF', 'export', 'total', '1-0:2.8.0'],
    ['01-00:C1.08.00', 'export', 'device', null],
    ['01-00:C3.08.00', 'export', 'transaction', null],
    ['01-00:B0.08.01', 'import', 'other', null],
  ])('reads %s as %s, %s, channel %s', (ri, kind, role, channel) => {
    expect(parseOcmfRegister(ri)).toEqual({ kind, role, channel });
    expect(obisRegisterKind(ri)).toBe(kind);
  });

  it.each([
    '1-0:98.8.0.FF', // C = 98: not an active energy register
    '1-b:1.9.0', // D = 9 (KEBA)
    '01-00:00.08.06.FF', // charging duration (DZG, RU sec)
    '1-0:16.7.0', // power
    '01-00:B4.08.00', // reserved (Table 25)
    '01-00:C4.08.00',
    '2-0:1.8.0', // A = 2 is not electricity
    '1-0:256.8.0',
    '1-0:1.8.0*256',
    '1-0:1.8',
    '1-0:1.8.0*',
    '1-B:1.8.0', // placeholders are lower case
    '1-0:1.8.0 ',
    '',
  ])('reads %j as no energy register', (ri) => {
    expect(parseOcmfRegister(ri)).toBeNull();
    expect(obisRegisterKind(ri)).toBeNull();
  });
});
