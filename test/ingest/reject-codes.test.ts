import { describe, expect, it } from 'vitest';
import {
  isRejectCode,
  PUBACK_REASON_BY_CODE,
  REJECT_CODES,
} from '../../src/ingest/reject-codes.ts';

describe('when mapping reject codes to PUBACK reason codes', () => {
  it('gives every code one of 0x80, 0x87, 0x99', () => {
    expect(Object.keys(PUBACK_REASON_BY_CODE).sort()).toEqual([...REJECT_CODES].sort());
    for (const c of REJECT_CODES) expect([0x80, 0x87, 0x99]).toContain(PUBACK_REASON_BY_CODE[c]);
  });

  it('answers malformed and oversize input with 0x99, key and topic problems with 0x87', () => {
    const by = (n: number) => REJECT_CODES.filter((c) => PUBACK_REASON_BY_CODE[c] === n).sort();
    expect(by(0x99)).toEqual(
      [
        'MALFORMED_COSE',
        'MALFORMED_MESSAGE',
        'MALFORMED_OCMF',
        'MALFORMED_READING',
        'OVERSIZE',
        'UNSUPPORTED_ALGORITHM',
      ].sort(),
    );
    expect(by(0x87)).toEqual(
      [
        'BAD_SIGNATURE',
        'ISSUER_MISMATCH',
        'METER_NOT_AUTHORIZED',
        'REVOKED_KEY',
        'UNKNOWN_KEY',
        'UNKNOWN_TOPIC',
        'WRONG_TOPIC',
      ].sort(),
    );
  });

  it('recognises only its own codes', () => {
    expect(isRejectCode('EQUIVOCATION')).toBe(true);
    expect(isRejectCode('DUPLICATE')).toBe(false);
    expect(isRejectCode(7)).toBe(false);
  });
});
