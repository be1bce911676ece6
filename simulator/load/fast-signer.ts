/**
 * Signs native readings (COSE_Sign1, EdDSA) with `node:crypto`, for the load generator: the
 * bytes are identical to the core's `signReading` (Ed25519 is deterministic), only faster.
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { CborTag, encodeCbor } from '../../src/core/cbor/index.ts';
import { CoseAlg } from '../../src/core/cose/algorithms.ts';
import { sigStructure1 } from '../../src/core/cose/sig-structure.ts';
import { encodeProtectedHeader } from '../../src/core/cose/sign1-sign.ts';
import { encodeReading } from '../../src/core/reading/reading-codec.ts';
import type { Reading } from '../../src/core/reading/reading.ts';
import { READING_CONTENT_TYPE } from '../../src/core/reading/signed-reading.ts';

const PKCS8_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

/** A `node:crypto` Ed25519 private key from a 32-byte seed (RFC 8410 PKCS #8). */
export function ed25519KeyObject(seed: Uint8Array): KeyObject {
  const der = new Uint8Array(PKCS8_ED25519_PREFIX.length + 32);
  der.set(PKCS8_ED25519_PREFIX);
  der.set(seed, PKCS8_ED25519_PREFIX.length);
  return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
}

/** A signer for one device: same output as `signReading(reading, { alg: EdDSA, kid, issuer, privateKey: seed })`. */
export function fastReadingSigner(
  seed: Uint8Array,
  kid: Uint8Array,
  issuer: string,
): (r: Reading) => Uint8Array {
  const key = ed25519KeyObject(seed);
  return (reading) => {
    const protectedHeader = encodeProtectedHeader({
      alg: CoseAlg.EdDSA,
      kid,
      iss: issuer,
      sub: reading.meterId,
      contentType: READING_CONTENT_TYPE,
    });
    const payload = encodeReading(reading);
    const signature = sign(null, sigStructure1(protectedHeader, payload), key);
    return encodeCbor(
      new CborTag(18, [protectedHeader, new Map(), payload, new Uint8Array(signature)]),
    );
  };
}
