import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../../src/core/bytes.ts';
import { OCMF_CURVES, parseOcmfPublicKey, verifyOcmf } from '../../../src/core/ocmf/index.ts';
import {
  CURVES,
  derSig,
  generateKey,
  opensslHas,
  payloadJson,
  record,
  rsFromDer,
  signDer,
  spkiOf,
} from './helpers.ts';

const ROUNDS = 4;

function nodeSays(payload: string, sig: Uint8Array, spki: Uint8Array): boolean {
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  return nodeVerify('sha256', utf8(payload), { key, dsaEncoding: 'der' }, sig);
}

for (const c of CURVES) {
  const available = opensslHas(c.openssl);
  const title = available
    ? `when OpenSSL signs with ${c.openssl}`
    : `when OpenSSL signs with ${c.openssl} (skipped: this OpenSSL has no ${c.openssl})`;

  describe.skipIf(!available)(title, () => {
    const keys = Array.from({ length: ROUNDS }, () => generateKey(c.openssl));
    const curve = OCMF_CURVES[c.name];

    it('parses the SPKI onto the right curve, uncompressed and compressed', () => {
      for (const k of keys) {
        expect(parseOcmfPublicKey(toHex(k.spki)).curve.name).toBe(c.name);
        expect(parseOcmfPublicKey(k.spkiCompressed).curve.name).toBe(c.name);
      }
    });

    it('verifies what node:crypto signs, in hex and base64, with either key form', () => {
      keys.forEach((k, i) => {
        const payload = payloadJson({ PG: `T${i}`, ID: `run-${i}` });
        const sig = signDer(payload, k.privateKey);
        expect(nodeSays(payload, sig, k.spki)).toBe(true);
        for (const se of ['hex', 'base64'] as const) {
          const v = verifyOcmf(record(payload, sig, c.sa, se), toHex(k.spki));
          expect(v.valid, `${se} ${v.valid ? '' : v.error.message}`).toBe(true);
        }
        expect(verifyOcmf(record(payload, sig, c.sa), k.spkiCompressed).valid).toBe(true);
      });
    });

    it('agrees with node:crypto that the mirrored s (n − s) also verifies', () => {
      for (const k of keys) {
        const payload = payloadJson();
        const { r, s } = rsFromDer(signDer(payload, k.privateKey));
        const mirrored = derSig(r, curve.order - s);
        expect(nodeSays(payload, mirrored, k.spki)).toBe(true);
        expect(verifyOcmf(record(payload, mirrored, c.sa), k.spki).valid).toBe(true);
      }
    });

    it('rejects a tampered payload, a changed s and a foreign key, as node:crypto does', () => {
      const [k, other] = keys as [(typeof keys)[0], (typeof keys)[0]];
      const payload = payloadJson();
      const sig = signDer(payload, k.privateKey);
      const tamperedPayload = payload.replace('"RV":12.345', '"RV":12.346');
      expect(tamperedPayload).not.toBe(payload);
      const { r, s } = rsFromDer(sig);
      const bumped = derSig(r, s === curve.order - 1n ? 1n : s + 1n);
      const cases: [string, Uint8Array, Uint8Array][] = [
        [tamperedPayload, sig, k.spki],
        [payload, bumped, k.spki],
        [payload, sig, other.spki],
      ];
      for (const [p, sg, key] of cases) {
        expect(nodeSays(p, sg, key)).toBe(false);
        const v = verifyOcmf(record(p, sg, c.sa), key);
        expect(v.valid).toBe(false);
        if (!v.valid) expect(v.code).toBe('BAD_SIGNATURE');
      }
    });

    it('produces signatures node:crypto accepts (same domain parameters both ways)', () => {
      const { secretKey, publicKey } = curve.ecdsa.keygen();
      const spki = spkiOf(keys[0]!.algId, publicKey);
      const payload = payloadJson({ GI: 'noble-signed' });
      const sig = curve.ecdsa.sign(sha256(utf8(payload)), secretKey, {
        prehash: false,
        format: 'der',
      });
      expect(nodeSays(payload, sig, spki)).toBe(true);
      expect(verifyOcmf(record(payload, sig, c.sa), spki).valid).toBe(true);
    });
  });
}
