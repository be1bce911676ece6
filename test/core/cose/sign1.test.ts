import { describe, expect, it } from 'vitest';
import { CborTag, decodeCbor, encodeCbor } from '../../../src/core/cbor/index.ts';
import type { CborValue } from '../../../src/core/cbor/index.ts';
import {
  assertCoseSign1,
  CoseAlg,
  CoseError,
  decodeCoseSign1,
  encodeProtectedHeader,
  publicKeyFromPrivate,
  sigStructure1,
  signCoseSign1,
  verifyCoseSign1,
} from '../../../src/core/cose/index.ts';
import type { CoseAlgorithm } from '../../../src/core/cose/index.ts';
import { concatBytes, fromHex, utf8 } from '../../../src/core/bytes.ts';

// RFC 8032 §7.1 TEST 1 secret key and RFC 6979 §A.2.5 P-256 private key: published test keys.
const ED_SK = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
const P256_SK = fromHex('c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721');

const ALGS: readonly [string, CoseAlgorithm, Uint8Array][] = [
  ['EdDSA', CoseAlg.EdDSA, ED_SK],
  ['ES256', CoseAlg.ES256, P256_SK],
];

const base = {
  kid: fromHex('0a0b0c0d'),
  iss: 'platform.example/hes-7',
  sub: 'mtr-0001',
  contentType: 'application/example+cbor',
  payload: utf8('payload bytes'),
};

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof CoseError) return e.code;
    throw e;
  }
  return 'no error';
}

/** Re-encodes a COSE_Sign1 after changing its array (strict CBOR makes this byte-exact). */
function rebuild(bytes: Uint8Array, change: (arr: CborValue[]) => void, tag = 18): Uint8Array {
  const outer = decodeCbor(bytes) as CborTag;
  const arr = [...(outer.value as CborValue[])];
  change(arr);
  return encodeCbor(new CborTag(tag, arr));
}

function flipLastByte(b: Uint8Array): Uint8Array {
  const out = b.slice();
  out[out.length - 1]! ^= 0x01;
  return out;
}

describe('when encoding the protected header', () => {
  it('writes alg, content type, kid and CWT claims in deterministic key order', () => {
    const got = encodeProtectedHeader({
      alg: CoseAlg.EdDSA,
      kid: fromHex('0a0b'),
      iss: 'i',
      sub: 's',
      contentType: 'c',
    });
    // {1: -8, 3: "c", 4: h'0a0b', 15: {1: "i", 2: "s"}}
    expect(got).toEqual(
      fromHex('a4' + '0127' + '036163' + '04420a0b' + '0fa2' + '016169' + '026173'),
    );
  });

  it('leaves out the content type when none is given', () => {
    const got = encodeProtectedHeader({
      alg: CoseAlg.ES256,
      kid: fromHex('01'),
      iss: 'i',
      sub: 's',
    });
    expect(got).toEqual(fromHex('a3' + '0126' + '044101' + '0fa2' + '016169' + '026173'));
  });

  it('refuses an empty kid or an empty iss as programmer errors', () => {
    expect(() =>
      encodeProtectedHeader({ alg: CoseAlg.EdDSA, kid: new Uint8Array(0), iss: 'i', sub: 's' }),
    ).toThrow(TypeError);
    expect(() =>
      encodeProtectedHeader({ alg: CoseAlg.EdDSA, kid: fromHex('01'), iss: '', sub: 's' }),
    ).toThrow(TypeError);
  });
});

describe('when building the Sig_structure', () => {
  it('is the CBOR array ["Signature1", protected, external_aad, payload] of RFC 9052 §4.4', () => {
    const p = fromHex('a10126');
    const payload = utf8('hi');
    const expected = concatBytes(
      fromHex('84'),
      fromHex('6a'),
      utf8('Signature1'),
      fromHex('43a10126'),
      fromHex('40'),
      fromHex('426869'),
    );
    expect(sigStructure1(p, payload)).toEqual(expected);
  });
});

describe.each(ALGS)('when signing and verifying with %s', (_name, alg, sk) => {
  const pk = publicKeyFromPrivate(alg, sk);
  const signed = signCoseSign1({ ...base, alg, privateKey: sk });

  it('produces a tagged COSE_Sign1 with an empty unprotected header', () => {
    const outer = decodeCbor(signed);
    expect(outer).toBeInstanceOf(CborTag);
    expect((outer as CborTag).tag).toBe(18);
    const arr = (outer as CborTag).value as CborValue[];
    expect(arr).toHaveLength(4);
    expect(arr[1]).toEqual(new Map());
    expect(arr[2]).toEqual(base.payload);
    expect((arr[3] as Uint8Array).length).toBe(64);
  });

  it('decodes every protected field and keeps the exact bytes received', () => {
    const d = decodeCoseSign1(signed);
    expect(d.alg).toBe(alg);
    expect(d.kid).toEqual(base.kid);
    expect(d.iss).toBe(base.iss);
    expect(d.sub).toBe(base.sub);
    expect(d.contentType).toBe(base.contentType);
    expect(d.payload).toEqual(base.payload);
    expect(d.bytes).toEqual(signed);
    expect(d.protectedBytes).toEqual(encodeProtectedHeader({ ...base, alg }));
  });

  it('verifies with the matching public key', () => {
    const d = decodeCoseSign1(signed);
    expect(verifyCoseSign1(d, pk, alg)).toBe(true);
    expect(() => assertCoseSign1(d, pk, alg)).not.toThrow();
  });

  it('is deterministic', () => {
    expect(signCoseSign1({ ...base, alg, privateKey: sk })).toEqual(signed);
  });

  it('does not verify under another key of the same algorithm', () => {
    const other = publicKeyFromPrivate(alg, flipLastByte(sk));
    expect(verifyCoseSign1(decodeCoseSign1(signed), other, alg)).toBe(false);
  });

  it('rejects a tampered protected header', () => {
    // Same structure, different iss: still decodes, no longer verifies.
    const forged = encodeProtectedHeader({ ...base, alg, iss: 'platform.example/hes-8' });
    const d = decodeCoseSign1(rebuild(signed, (a) => (a[0] = forged)));
    expect(d.iss).toBe('platform.example/hes-8');
    expect(verifyCoseSign1(d, pk, alg)).toBe(false);
    expect(codeOf(() => assertCoseSign1(d, pk, alg))).toBe('BAD_SIGNATURE');
  });

  it('rejects a tampered payload', () => {
    const d = decodeCoseSign1(rebuild(signed, (a) => (a[2] = flipLastByte(base.payload))));
    expect(verifyCoseSign1(d, pk, alg)).toBe(false);
    expect(codeOf(() => assertCoseSign1(d, pk, alg))).toBe('BAD_SIGNATURE');
  });

  it('rejects a tampered signature', () => {
    const d = decodeCoseSign1(rebuild(signed, (a) => (a[3] = flipLastByte(a[3] as Uint8Array))));
    expect(verifyCoseSign1(d, pk, alg)).toBe(false);
  });

  it.each([
    ['63 bytes', (s: Uint8Array) => s.subarray(0, 63)],
    ['65 bytes', (s: Uint8Array) => concatBytes(s, fromHex('00'))],
    ['empty', () => new Uint8Array(0)],
    ['all zero', () => new Uint8Array(64)],
  ])('returns false for a signature that is %s', (_n, mangle) => {
    const d = decodeCoseSign1(rebuild(signed, (a) => (a[3] = mangle(a[3] as Uint8Array))));
    expect(verifyCoseSign1(d, pk, alg)).toBe(false);
  });

  it('rejects another COSE tag, and no tag at all, as WRONG_TAG', () => {
    expect(codeOf(() => decodeCoseSign1(rebuild(signed, () => {}, 17)))).toBe('WRONG_TAG');
    expect(codeOf(() => decodeCoseSign1(rebuild(signed, () => {}, 98)))).toBe('WRONG_TAG');
    expect(codeOf(() => decodeCoseSign1(signed.subarray(1)))).toBe('WRONG_TAG');
  });

  it('throws ALG_MISMATCH when the key is registered for the other algorithm', () => {
    const otherAlg = alg === CoseAlg.EdDSA ? CoseAlg.ES256 : CoseAlg.EdDSA;
    const otherPk = publicKeyFromPrivate(otherAlg, otherAlg === CoseAlg.EdDSA ? ED_SK : P256_SK);
    expect(codeOf(() => verifyCoseSign1(decodeCoseSign1(signed), otherPk, otherAlg))).toBe(
      'ALG_MISMATCH',
    );
  });

  it('throws INVALID_KEY for a malformed public key', () => {
    expect(codeOf(() => verifyCoseSign1(decodeCoseSign1(signed), pk.subarray(1), alg))).toBe(
      'INVALID_KEY',
    );
  });
});

describe('when verifying ES256', () => {
  const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

  it('accepts the high-S twin of a valid signature (low-S is not required by RFC 9053)', () => {
    const signed = signCoseSign1({ ...base, alg: CoseAlg.ES256, privateKey: P256_SK });
    const high = rebuild(signed, (a) => {
      const sig = a[3] as Uint8Array;
      const s = BigInt('0x' + Buffer.from(sig.subarray(32)).toString('hex'));
      a[3] = concatBytes(sig.subarray(0, 32), fromHex((N - s).toString(16).padStart(64, '0')));
    });
    const d = decodeCoseSign1(high);
    expect(d.signature).not.toEqual(decodeCoseSign1(signed).signature);
    expect(verifyCoseSign1(d, publicKeyFromPrivate(CoseAlg.ES256, P256_SK), CoseAlg.ES256)).toBe(
      true,
    );
  });

  it('accepts an uncompressed SEC 1 public key as well as a compressed one', () => {
    const signed = decodeCoseSign1(
      signCoseSign1({ ...base, alg: CoseAlg.ES256, privateKey: P256_SK }),
    );
    const compressed = publicKeyFromPrivate(CoseAlg.ES256, P256_SK);
    expect(compressed.length).toBe(33);
    // RFC 6979 §A.2.5 public key Ux, Uy.
    const uncompressed = fromHex(
      '04' +
        '60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6' +
        '7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299',
    );
    expect(verifyCoseSign1(signed, uncompressed, CoseAlg.ES256)).toBe(true);
  });
});
