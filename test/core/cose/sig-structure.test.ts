import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeCbor } from '../../../src/core/cbor/index.ts';
import { sigStructure1 } from '../../../src/core/cose/index.ts';

/** The Sig_structure through the generic CBOR encoder (RFC 9052 §4.4). */
function reference(p: Uint8Array, payload: Uint8Array, aad = new Uint8Array(0)): Uint8Array {
  return encodeCbor(['Signature1', p, aad, payload]);
}

describe('sigStructure1', () => {
  it('writes the bytes the CBOR encoder writes at every length boundary', () => {
    for (const n of [0, 1, 23, 24, 255, 256, 65_535, 65_536, 70_000]) {
      const p = new Uint8Array(n).fill(0xa1);
      const payload = new Uint8Array(n + 1).fill(7);
      expect(sigStructure1(p, payload)).toEqual(reference(p, payload));
      expect(sigStructure1(payload, p, p)).toEqual(reference(payload, p, p));
    }
  });

  it('agrees with the encoder on random inputs', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.uint8Array({ maxLength: 600 }),
        fc.uint8Array({ maxLength: 40 }),
        (p, payload, aad) => {
          expect(sigStructure1(p, payload, aad)).toEqual(reference(p, payload, aad));
        },
      ),
    );
  });

  it('starts with the context "Signature1" (RFC 9052 §4.4)', () => {
    const s = sigStructure1(new Uint8Array(0), new Uint8Array(0));
    expect(Buffer.from(s).toString('hex')).toBe('846a5369676e617475726531404040');
  });
});
