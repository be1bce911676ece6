import { p256, p384 } from '@noble/curves/nist.js';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/core/bytes.ts';
import {
  derToRawEcdsaSignature,
  ecdsaRawSignature,
  OCMF_CURVES,
} from '../../../src/core/ocmf/index.ts';

describe('when a DER ECDSA signature becomes r ‖ s', () => {
  it('pads each integer to the size of the curve order', () => {
    // SEQUENCE { INTEGER 1, INTEGER 0xff (with its leading 0x00) }
    const raw = derToRawEcdsaSignature(fromHex('3007020101020200ff'), OCMF_CURVES.secp256r1);
    expect(toHex(raw)).toBe(`${'00'.repeat(31)}01${'00'.repeat(31)}ff`);
    expect(derToRawEcdsaSignature(fromHex('3006020101020101'), OCMF_CURVES.secp384r1)).toHaveLength(
      96,
    );
  });

  it('gives what noble gives for real signatures on P-256 and P-384', () => {
    for (const [curve, impl] of [
      [OCMF_CURVES.secp256r1, p256],
      [OCMF_CURVES.secp384r1, p384],
    ] as const) {
      const key = impl.utils.randomSecretKey();
      const msg = new Uint8Array([1, 2, 3]);
      const der = impl.sign(msg, key, { format: 'der' });
      const compact = impl.Signature.fromBytes(der, 'der').toBytes('compact');
      expect(toHex(derToRawEcdsaSignature(der, curve))).toBe(toHex(compact));
    }
  });

  it('refuses non-minimal DER and r or s out of range (MALFORMED_SIGNATURE)', () => {
    const c = OCMF_CURVES.secp256r1;
    for (const der of ['300802020001020200ff', '3006020100020101', '3007020101020101ff']) {
      expect(() => derToRawEcdsaSignature(fromHex(der), c), der).toThrow(
        expect.objectContaining({ code: 'MALFORMED_SIGNATURE' }),
      );
    }
    expect(() => ecdsaRawSignature(c, 1n, c.order)).toThrow(RangeError);
    expect(() => ecdsaRawSignature(c, 0n, 1n)).toThrow(RangeError);
  });
});
