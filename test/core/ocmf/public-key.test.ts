import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toBase64, toHex } from '../../../src/core/bytes.ts';
import { OcmfError, parseOcmfPublicKey, verifyOcmf } from '../../../src/core/ocmf/index.ts';
import samples from '../../vectors/ocmf-samples.json' with { type: 'json' };
import { generateKey, spkiOf, tlv } from './helpers.ts';

const keba = samples[0]!;
const kebaSpki = fromHex(keba.publicKey);

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return e instanceof OcmfError ? e.code : `not an OcmfError: ${String(e)}`;
  }
  return 'no error';
}

describe('when reading a meter public key', () => {
  it('accepts the same SPKI as hex (either case, grouped), base64, PEM and bytes', () => {
    const b64 = toBase64(kebaSpki);
    const grouped = keba.publicKey.match(/.{1,4}/g)!.join(' ');
    const pem = `-----BEGIN PUBLIC KEY-----\n${b64.slice(0, 64)}\n${b64.slice(64)}\n-----END PUBLIC KEY-----\n`;
    for (const form of [
      keba.publicKey,
      keba.publicKey.toLowerCase(),
      grouped,
      ` ${grouped}\n`,
      b64,
      pem,
      kebaSpki,
    ]) {
      const k = parseOcmfPublicKey(form);
      expect(k.curve.name).toBe('secp256r1');
      expect(toHex(k.spki)).toBe(toHex(kebaSpki));
      expect(verifyOcmf(keba.ocmf, form).valid).toBe(true);
    }
  });

  it('keeps the point as given, compressed or not', () => {
    const k = generateKey('brainpoolP384r1');
    expect(parseOcmfPublicKey(k.spki).point.length).toBe(97);
    expect(parseOcmfPublicKey(k.spkiCompressed).point.length).toBe(49);
  });

  it('rejects a key that is not an EC key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    const ed = generateKeyPairSync('ed25519').publicKey;
    for (const key of [rsa, ed]) {
      const der = new Uint8Array(key.export({ format: 'der', type: 'spki' }));
      expect(code(() => parseOcmfPublicKey(der))).toBe('MALFORMED_KEY');
    }
  });

  it('rejects explicit curve parameters and the point at infinity', () => {
    const k = generateKey('prime256v1');
    const ecPublicKey = fromHex('06072a8648ce3d0201');
    const explicit = tlv(0x30, concatBytes(ecPublicKey, tlv(0x30, Uint8Array.of(2, 1, 1))));
    expect(code(() => parseOcmfPublicKey(spkiOf(explicit, k.spki.subarray(-65))))).toBe(
      'MALFORMED_KEY',
    );
    expect(code(() => parseOcmfPublicKey(spkiOf(k.algId, Uint8Array.of(0))))).toBe('MALFORMED_KEY');
  });

  it('rejects a point of the wrong length or with a bad prefix', () => {
    const k = generateKey('prime256v1');
    const point = k.spki.subarray(-65);
    expect(parseOcmfPublicKey(spkiOf(k.algId, point)).curve.name).toBe('secp256r1');
    for (const bad of [
      point.subarray(0, 64),
      concatBytes(point, Uint8Array.of(0)),
      concatBytes(Uint8Array.of(5), point.subarray(1)),
    ]) {
      expect(code(() => parseOcmfPublicKey(spkiOf(k.algId, bad)))).toBe('MALFORMED_KEY');
    }
  });

  it('rejects a BIT STRING with unused bits and non-minimal DER lengths', () => {
    const unused = kebaSpki.slice();
    unused[kebaSpki.length - 66] = 1;
    expect(code(() => parseOcmfPublicKey(unused))).toBe('MALFORMED_KEY');
    const longForm = concatBytes(Uint8Array.of(0x30, 0x81, kebaSpki[1]!), kebaSpki.subarray(2));
    expect(code(() => parseOcmfPublicKey(longForm))).toBe('MALFORMED_KEY');
  });

  it('rejects a point that is on another curve', () => {
    const k1 = generateKey('secp256k1');
    // A secp256k1 point labelled as P-256: same sizes, wrong curve equation.
    const p256AlgId = generateKey('prime256v1').algId;
    expect(code(() => parseOcmfPublicKey(spkiOf(p256AlgId, k1.spki.subarray(-65))))).toBe(
      'MALFORMED_KEY',
    );
  });
});
