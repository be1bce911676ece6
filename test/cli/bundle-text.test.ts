import { describe, expect, it } from 'vitest';
import { bundleText } from '../../src/cli/verify.ts';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

describe('the bundle text the CLI hands to the core', () => {
  it('is the strict UTF-8 decoding for ASCII, non-ASCII and a BOM, and the bytes otherwise', () => {
    const enc = new TextEncoder();
    for (const text of ['{"a":"b"}', '{"m":"Zähler-ü €"}', '\ufeff{"a":1}', '', '\u0000\u007f']) {
      const bytes = enc.encode(text);
      expect(bundleText(bytes)).toBe(strict.decode(bytes));
    }
    for (const bad of [
      Uint8Array.of(0x7b, 0xff, 0x7d),
      Uint8Array.of(0xc3),
      Uint8Array.of(0xed, 0xa0, 0x80),
    ]) {
      expect(bundleText(bad)).toBe(bad);
    }
  });

  it('reads a view into a larger buffer from its own offset', () => {
    const big = new TextEncoder().encode('xx{"a":"é"}yy');
    expect(bundleText(big.subarray(2, big.length - 2))).toBe('{"a":"é"}');
  });
});
