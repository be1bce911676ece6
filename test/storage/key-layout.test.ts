import { describe, expect, it } from 'vitest';
import { concatBytes, u64be, utf8 } from '../../src/core/bytes.ts';
import { compositeKey } from '../../src/storage/key-layout.ts';

/** The layout spelled out: prefix, then each part (strings length-prefixed UTF-8, numbers u64be). */
function reference(prefix: number, ...parts: (Uint8Array | string | number)[]): Uint8Array {
  const bytes: Uint8Array[] = [Uint8Array.of(prefix)];
  for (const p of parts) {
    if (typeof p === 'number') bytes.push(u64be(p));
    else if (typeof p === 'string') bytes.push(Uint8Array.of(utf8(p).length), utf8(p));
    else bytes.push(p);
  }
  return concatBytes(...bytes);
}

describe('compositeKey', () => {
  it('writes the documented layout for every kind of part', () => {
    const cases: (Uint8Array | string | number)[][] = [
      [],
      ['mtr-1'],
      ['mtr-1', 0, 2 ** 53 - 1],
      ['', 1_767_225_600, 12_345_678_901],
      ['zähler-ü', 'T', 7],
      ['😀 meter', 2 ** 32, 2 ** 32 - 1],
      [Uint8Array.of(1, 2, 3), 'x', 255],
      ['a'.repeat(255)],
      ['é'.repeat(127)],
    ];
    for (const parts of cases) {
      expect(compositeKey(0x21, ...parts)).toEqual(reference(0x21, ...parts));
    }
  });

  it('refuses a string part longer than 255 bytes and a number that is not a u64', () => {
    expect(() => compositeKey(0x21, 'a'.repeat(256))).toThrow(/longer than 255/);
    expect(() => compositeKey(0x21, 'é'.repeat(128))).toThrow(/longer than 255/);
    expect(() => compositeKey(0x21, -1)).toThrow(RangeError);
    expect(() => compositeKey(0x21, 1.5)).toThrow(RangeError);
    expect(() => compositeKey(0x21, 2 ** 53)).toThrow(RangeError);
  });
});
