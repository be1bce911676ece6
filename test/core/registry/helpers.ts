import { generateKeyPairSync } from 'node:crypto';
import {
  decodeVerifierKey,
  ed25519Signer,
  generateEd25519Key,
} from '../../../src/core/note/index.ts';
import type { NoteSigner } from '../../../src/core/note/index.ts';
import type { KeyRegistration } from '../../../src/core/registry/index.ts';

/** A fresh Ed25519 signed-note key: signer, vkey and raw public key. */
export interface TestKey {
  readonly signer: NoteSigner;
  readonly vkey: string;
  readonly publicKey: Uint8Array;
}

export function newKey(name: string): TestKey {
  const { skey, vkey } = generateEd25519Key(name);
  return { signer: ed25519Signer(skey), vkey, publicKey: decodeVerifierKey(vkey).key.slice() };
}

/** DER SubjectPublicKeyInfo of a fresh EC key on `namedCurve` (node:crypto). */
export function ecSpki(namedCurve: string): Uint8Array {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve });
  return new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
}

/** A fresh key of each kind, in the forms node:crypto exports. */
export function ed25519Spki(): { spki: Uint8Array; raw: Uint8Array } {
  const { publicKey } = generateKeyPairSync('ed25519');
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  return { spki, raw: spki.slice(12) };
}

/** Raw uncompressed P-256 point (65 bytes) and its SPKI. */
export function p256Key(): { spki: Uint8Array; raw: Uint8Array } {
  const spki = ecSpki('prime256v1');
  return { spki, raw: spki.slice(spki.length - 65) };
}

/** A valid device registration with an Ed25519 key. */
export function sampleRegistration(overrides: Partial<KeyRegistration> = {}): KeyRegistration {
  return {
    signerId: 'mtr-0001',
    mode: 'device',
    keyType: 'Ed25519',
    publicKey: ed25519Spki().raw,
    meters: ['mtr-0001'],
    ratedCapacityW: 43_000,
    issuedAt: 1_767_225_600,
    ...overrides,
  };
}
