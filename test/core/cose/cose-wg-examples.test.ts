import { describe, expect, it } from 'vitest';
import { CborTag, decodeCbor } from '../../../src/core/cbor/index.ts';
import type { CborValue } from '../../../src/core/cbor/index.ts';
import {
  CoseAlg,
  CoseError,
  decodeCoseSign1,
  sigStructure1,
  verifyWithAlg,
} from '../../../src/core/cose/index.ts';
import { concatBytes, fromHex, toHex, utf8 } from '../../../src/core/bytes.ts';
import vectors from '../../vectors/cose-wg-sign1.json' with { type: 'json' };

const b64u = (s: string) => new Uint8Array(Buffer.from(s, 'base64url'));
const publicKey = concatBytes(fromHex('04'), b64u(vectors.key.x), b64u(vectors.key.y));

function parts(hex: string): CborValue[] {
  const v = decodeCbor(fromHex(hex));
  return (v instanceof CborTag ? v.value : v) as CborValue[];
}

describe('when checking the cose-wg/Examples sign1 vectors', () => {
  // sign-pass-01 carries protected h'a0' but was signed over h'' (an RFC 8152-era special case
  // for an empty protected map); a byte-exact verifier builds the Sig_structure from the h'a0'
  // received, so only the other two are rebuilt here.
  const byteExact = vectors.vectors.filter((v) => !v.title.startsWith('sign-pass-01'));

  it.each(byteExact)('rebuilds the ToBeSign bytes of $title', (v) => {
    const [protectedBytes, , payload] = parts(v.cbor) as [Uint8Array, unknown, Uint8Array];
    expect(payload).toEqual(utf8(vectors.plaintext));
    expect(toHex(sigStructure1(protectedBytes, payload, fromHex(v.external)))).toBe(v.toBeSign);
  });

  it("builds the pass-01 Sig_structure from the h'a0' received, not from h''", () => {
    const v = vectors.vectors[0]!;
    const [protectedBytes, , payload] = parts(v.cbor) as [Uint8Array, unknown, Uint8Array];
    expect(toHex(protectedBytes)).toBe('a0');
    expect(toHex(sigStructure1(protectedBytes, payload))).toBe(
      v.toBeSign.replace('5369676e617475726531404054', '5369676e61747572653141a04054'),
    );
  });

  it.each(vectors.vectors)(
    'verifies the ES256 signature of $title over its published ToBeSign',
    (v) => {
      const [, , , signature] = parts(v.cbor) as [unknown, unknown, unknown, Uint8Array];
      expect(verifyWithAlg(CoseAlg.ES256, signature, fromHex(v.toBeSign), publicKey)).toBe(true);
      expect(verifyWithAlg(CoseAlg.ES256, signature, fromHex(v.toBeSign + '00'), publicKey)).toBe(
        false,
      );
    },
  );

  it('refuses them as signed statements, each for the reason the envelope gives', () => {
    const codes = vectors.vectors.map((v) => {
      try {
        decodeCoseSign1(fromHex(v.cbor));
        return 'no error';
      } catch (e) {
        return e instanceof CoseError ? e.code : String(e);
      }
    });
    // pass-01: alg only unprotected; pass-02: kid only unprotected; pass-03: untagged.
    expect(codes).toEqual(['MISSING_ALG', 'MISSING_KID', 'WRONG_TAG']);
  });
});
