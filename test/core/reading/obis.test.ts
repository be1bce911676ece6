import { describe, expect, it } from 'vitest';
import {
  isValidObis,
  OBIS_ACTIVE_EXPORT,
  OBIS_ACTIVE_IMPORT,
} from '../../../src/core/reading/index.ts';

describe('when checking OBIS codes', () => {
  it.each([
    OBIS_ACTIVE_IMPORT,
    OBIS_ACTIVE_EXPORT,
    '1-0:1.8.1',
    '1-1:2.8.2*255',
    '0-0:96.1.0',
    '255-255:255.255.255*255',
  ])('accepts %s', (code) => {
    expect(isValidObis(code)).toBe(true);
  });

  it.each([
    ['an empty string', ''],
    ['a missing group', '1-0:1.8'],
    ['a group above 255', '1-0:256.8.0'],
    ['a leading zero', '1-0:01.8.0'],
    ['a letter group', '1-0:C.8.0'],
    ['a wrong separator', '1-0.1.8.0'],
    ['surrounding space', ' 1-0:1.8.0'],
    ['a trailing newline', '1-0:1.8.0\n'],
    ['an empty F group', '1-0:1.8.0*'],
    ['a 4-digit group', '1-0:1000.8.0'],
    ['a non-string', 1.8],
  ])('rejects %s', (_name, code) => {
    expect(isValidObis(code)).toBe(false);
  });
});
