import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../../src/core/bytes.ts';
import {
  normalizeSignerPublicKey,
  RegistryError,
  validateSignerPublicKey,
} from '../../../src/core/registry/index.ts';
import { ecSpki, ed25519Spki, p256Key } from './helpers.ts';

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof RegistryError) return `${e.code}:${String(e.evidence?.field)}`;
    throw e;
  }
  return undefined;
}

describe('when a key is given in another common form', () => {
  it('takes an Ed25519 key raw or as a SubjectPublicKeyInfo', () => {
    const { spki, raw } = ed25519Spki();
    expect(normalizeSignerPublicKey('Ed25519', raw)).toEqual(raw);
    expect(normalizeSignerPublicKey('Ed25519', spki)).toEqual(raw);
  });

  it('takes a P-256 key uncompressed, compressed or as a SubjectPublicKeyInfo, giving the uncompressed point', () => {
    const { spki, raw } = p256Key();
    const compressed = concatBytes(Uint8Array.of(2 + (raw[64]! & 1)), raw.subarray(1, 33));
    for (const k of [raw, compressed, spki]) {
      const out = normalizeSignerPublicKey('P-256', k);
      expect(out).toEqual(raw);
      expect(() => validateSignerPublicKey('P-256', out)).not.toThrow();
    }
  });

  it('keeps an OCMF SubjectPublicKeyInfo as it is, for every OCMF curve node:crypto has', () => {
    for (const curve of [
      'prime256v1',
      'secp384r1',
      'secp256k1',
      'brainpoolP256r1',
      'brainpoolP384r1',
      'prime192v1',
    ]) {
      const spki = ecSpki(curve);
      expect(normalizeSignerPublicKey('OCMF', spki)).toEqual(spki);
    }
  });

  it('rejects keys of another type or curve with INVALID_FIELD publicKey', () => {
    expect(code(() => normalizeSignerPublicKey('P-256', ecSpki('secp384r1')))).toBe(
      'INVALID_FIELD:publicKey',
    );
    expect(code(() => normalizeSignerPublicKey('P-256', ed25519Spki().spki))).toBe(
      'INVALID_FIELD:publicKey',
    );
    expect(code(() => normalizeSignerPublicKey('Ed25519', p256Key().raw))).toBe(
      'INVALID_FIELD:publicKey',
    );
    expect(code(() => normalizeSignerPublicKey('Ed25519', p256Key().spki))).toBe(
      'INVALID_FIELD:publicKey',
    );
    expect(code(() => normalizeSignerPublicKey('OCMF', ed25519Spki().spki))).toBe(
      'INVALID_FIELD:publicKey',
    );
    expect(code(() => normalizeSignerPublicKey('OCMF', ecSpki('secp521r1')))).toBe(
      'INVALID_FIELD:publicKey',
    );
    const badCompressed = new Uint8Array(33).fill(0xff);
    badCompressed[0] = 2;
    expect(code(() => normalizeSignerPublicKey('P-256', badCompressed))).toBe(
      'INVALID_FIELD:publicKey',
    );
    expect(code(() => normalizeSignerPublicKey('P-256', new Uint8Array(0)))).toBe(
      'INVALID_FIELD:publicKey',
    );
    expect(code(() => normalizeSignerPublicKey('RSA' as never, new Uint8Array(32)))).toBe(
      'INVALID_FIELD:keyType',
    );
  });
});
