import {
  createPublicKey,
  generateKeyPairSync,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CborTag, encodeCbor } from '../../../src/core/cbor/index.ts';
import {
  CoseAlg,
  decodeCoseSign1,
  encodeProtectedHeader,
  sigStructure1,
  signCoseSign1,
  verifyCoseSign1,
} from '../../../src/core/cose/index.ts';
import type { CoseAlgorithm } from '../../../src/core/cose/index.ts';
import { concatBytes, fromHex, utf8 } from '../../../src/core/bytes.ts';

interface NodeKeys {
  alg: CoseAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
  raw: { sk: Uint8Array; pk: Uint8Array };
}

const b64u = (s: string | undefined) => new Uint8Array(Buffer.from(s ?? '', 'base64url'));

function nodeKeys(alg: CoseAlgorithm): NodeKeys {
  const { privateKey, publicKey } =
    alg === CoseAlg.EdDSA
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  const pk =
    alg === CoseAlg.EdDSA ? b64u(jwk.x) : concatBytes(fromHex('04'), b64u(jwk.x), b64u(jwk.y));
  return { alg, privateKey, publicKey, raw: { sk: b64u(jwk.d), pk } };
}

/** node:crypto signature in the COSE form: Ed25519, or ECDSA SHA-256 as raw r ‖ s (IEEE P1363). */
function signWithNode(k: NodeKeys, message: Uint8Array): Uint8Array {
  if (k.alg === CoseAlg.EdDSA) return new Uint8Array(nodeSign(null, message, k.privateKey));
  return new Uint8Array(
    nodeSign('sha256', message, { key: k.privateKey, dsaEncoding: 'ieee-p1363' }),
  );
}

function verifyWithNode(k: NodeKeys, message: Uint8Array, sig: Uint8Array): boolean {
  if (k.alg === CoseAlg.EdDSA) return nodeVerify(null, message, k.publicKey, sig);
  return nodeVerify('sha256', message, { key: k.publicKey, dsaEncoding: 'ieee-p1363' }, sig);
}

const fields = {
  kid: fromHex('c0ffee'),
  iss: 'platform.example',
  sub: 'mtr-9',
  contentType: 'text/plain',
};

describe.each([
  ['EdDSA', CoseAlg.EdDSA],
  ['ES256', CoseAlg.ES256],
] as const)('when %s signatures cross between node:crypto and the core', (_name, alg) => {
  it('verifies in the core what node:crypto signed over the Sig_structure', () => {
    for (let i = 0; i < 20; i++) {
      const k = nodeKeys(alg);
      const payload = utf8(`reading ${i}`);
      const protectedBytes = encodeProtectedHeader({ ...fields, alg });
      const sig = signWithNode(k, sigStructure1(protectedBytes, payload));
      const cose = encodeCbor(new CborTag(18, [protectedBytes, new Map(), payload, sig]));
      const decoded = decodeCoseSign1(cose);
      expect(verifyCoseSign1(decoded, k.raw.pk, alg)).toBe(true);
      const tampered = decodeCoseSign1(
        encodeCbor(new CborTag(18, [protectedBytes, new Map(), utf8(`reading ${i + 1}`), sig])),
      );
      expect(verifyCoseSign1(tampered, k.raw.pk, alg)).toBe(false);
    }
  });

  it('has node:crypto verify what the core signed', () => {
    for (let i = 0; i < 20; i++) {
      const k = nodeKeys(alg);
      const cose = signCoseSign1({
        ...fields,
        alg,
        payload: utf8(`reading ${i}`),
        privateKey: k.raw.sk,
      });
      const d = decodeCoseSign1(cose);
      const toBeSigned = sigStructure1(d.protectedBytes, d.payload);
      expect(verifyWithNode(k, toBeSigned, d.signature)).toBe(true);
      expect(verifyWithNode(k, sigStructure1(d.protectedBytes, utf8('other')), d.signature)).toBe(
        false,
      );
    }
  });

  it('agrees with node:crypto on the public key derived from the private key', () => {
    const k = nodeKeys(alg);
    const spki = createPublicKey(k.privateKey).export({ format: 'jwk' });
    const fromNode =
      alg === CoseAlg.EdDSA ? b64u(spki.x) : concatBytes(fromHex('04'), b64u(spki.x), b64u(spki.y));
    expect(fromNode).toEqual(k.raw.pk);
  });
});

describe('when node:crypto makes a DER ECDSA signature', () => {
  it('is not accepted in place of the raw r ‖ s form (RFC 9053 §2.1)', () => {
    const k = nodeKeys(CoseAlg.ES256);
    const protectedBytes = encodeProtectedHeader({ ...fields, alg: CoseAlg.ES256 });
    const payload = utf8('x');
    const der = new Uint8Array(
      nodeSign('sha256', sigStructure1(protectedBytes, payload), k.privateKey),
    );
    const d = decodeCoseSign1(
      encodeCbor(new CborTag(18, [protectedBytes, new Map(), payload, der])),
    );
    expect(verifyCoseSign1(d, k.raw.pk, CoseAlg.ES256)).toBe(false);
  });
});
