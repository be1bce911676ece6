import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decimalToString,
  MAX_MILLI_WH,
  OcmfError,
  parseOcmfDecimal,
  toMilliWh,
  wholeWh,
  type OcmfEnergyUnit,
} from '../../../src/core/ocmf/index.ts';

function mwh(text: string, kind: 'number' | 'string', unit: OcmfEnergyUnit): bigint {
  return toMilliWh(parseOcmfDecimal(text, kind, 'RV'), unit, 'RV');
}

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return e instanceof OcmfError ? e.code : `not an OcmfError: ${String(e)}`;
  }
  return 'no error';
}

describe('when converting kWh to milli-Wh', () => {
  it('keeps 0.2597 kWh as exactly 259.7 Wh (259 700 mWh), not a whole Wh', () => {
    const v = mwh('0.2597', 'number', 'kWh');
    expect(v).toBe(259_700n);
    expect(wholeWh(v)).toBeNull();
  });

  it('reads exponent forms exactly', () => {
    for (const t of ['2.597E-1', '2.597e-1', '25.97E-2', '0.02597e+1', '2597E-4', '0.25970']) {
      expect(mwh(t, 'number', 'kWh'), t).toBe(259_700n);
    }
    expect(mwh('1E3', 'number', 'kWh')).toBe(1_000_000_000n);
    expect(mwh('1e0', 'number', 'Wh')).toBe(1000n);
  });

  it('reads space-padded and zero-padded strings', () => {
    expect(mwh('       9.038', 'string', 'kWh')).toBe(9_038_000n);
    expect(mwh('0009.038  ', 'string', 'kWh')).toBe(9_038_000n);
    expect(mwh('      30', 'string', 'Wh')).toBe(30_000n);
  });

  it('gives whole Wh when the value has no sub-Wh part', () => {
    expect(wholeWh(mwh('7753', 'number', 'Wh'))).toBe(7753n);
    expect(wholeWh(mwh('2935.6', 'number', 'kWh'))).toBe(2_935_600n);
    expect(wholeWh(mwh('7753.5', 'number', 'Wh'))).toBeNull();
  });

  it('accepts trailing zeros beyond milli-Wh precision but not significant digits', () => {
    expect(mwh('1.0000000000', 'number', 'kWh')).toBe(1_000_000n);
    expect(mwh('0.000001', 'number', 'kWh')).toBe(1n);
    expect(code(() => mwh('0.0000001', 'number', 'kWh'))).toBe('INVALID_VALUE');
    expect(code(() => mwh('0.0001', 'number', 'Wh'))).toBe('INVALID_VALUE');
  });

  it('handles large values exactly up to 2^63 − 1 mWh', () => {
    expect(mwh('9223372036854.775807', 'number', 'kWh')).toBe(MAX_MILLI_WH);
    expect(mwh('9223372036854775.807', 'string', 'Wh')).toBe(MAX_MILLI_WH);
    expect(mwh('1e12', 'number', 'kWh')).toBe(10n ** 18n);
    expect(code(() => mwh('9223372036854.775808', 'number', 'kWh'))).toBe('INVALID_VALUE');
    expect(code(() => mwh('1e13', 'number', 'kWh'))).toBe('INVALID_VALUE');
  });

  it.each([
    ['-1', 'number'],
    ['-0', 'number'],
    ['-0.5', 'string'],
    ['1e400', 'number'],
    ['1e401', 'number'],
    ['1E99999999999', 'number'],
    ['NaN', 'string'],
    ['Infinity', 'string'],
    ['-Infinity', 'string'],
    ['', 'string'],
    ['   ', 'string'],
    ['1,5', 'string'],
    ['0x10', 'string'],
    ['+1', 'string'],
    ['.5', 'string'],
    ['5.', 'string'],
    ['\t9.0', 'string'],
    ['01', 'number'],
    ['1'.repeat(41), 'number'],
  ] as const)('rejects %j given as a %s', (text, kind) => {
    expect(code(() => mwh(text, kind, 'kWh'))).toBe('INVALID_VALUE');
  });

  it('reads zero with any exponent as zero', () => {
    expect(mwh('0e400', 'number', 'kWh')).toBe(0n);
    expect(mwh('0.000', 'number', 'kWh')).toBe(0n);
  });

  it('round-trips every milli-Wh count through fixed-point and exponent spellings', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_MILLI_WH }), (m) => {
        const digits = m.toString();
        const padded = digits.padStart(7, '0');
        const fixed = `${padded.slice(0, -6)}.${padded.slice(-6)}`;
        expect(mwh(fixed, 'number', 'kWh')).toBe(m);
        expect(mwh(`  ${fixed} `, 'string', 'kWh')).toBe(m);
        expect(mwh(`${digits}E-6`, 'number', 'kWh')).toBe(m);
        expect(mwh(`${digits}e-3`, 'number', 'Wh')).toBe(m);
        if (m > 0n) expect(mwh(`0.${digits}e${digits.length - 6}`, 'number', 'kWh')).toBe(m);
        expect(decimalToString(parseOcmfDecimal(fixed, 'number', 'RV'))).toBe(
          fixed.replace(/^0+(?=\d)/, '').replace(/\.?0+$/, '') || '0',
        );
      }),
    );
  });
});
