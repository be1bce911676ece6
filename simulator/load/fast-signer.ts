/**
 * Signs native readings (COSE_Sign1, EdDSA) with `node:crypto`, for the load generator: the
 * bytes are identical to the core's `signReading` (Ed25519 is deterministic), only faster.
 */
import { sign } from 'node:crypto';
import { CborTag, encodeCbor } from '../../src/core/cbor/index.ts';
import { CoseAlg } from '../../src/core/cose/algorithms.ts';
import { sigStructure1 } from '../../src/core/cose/sig-structure.ts';
import { encodeProtectedHeader } from '../../src/core/cose/sign1-sign.ts';
import { encodeReading } from '../../src/core/reading/reading-codec.ts';
import type { Reading } from '../../src/core/reading/reading.ts';
import { READING_CONTENT_TYPE } from '../../src/core/reading/signed-reading.ts';
import { ed25519KeyObject } from '../../src/node-fast/openssl-signer.ts';

export { ed25519KeyObject };

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
