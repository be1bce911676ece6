/**
 * Signature checks with `node:crypto` (OpenSSL), run in a worker thread of {@link VerifyPool}
 * (`verify-pool.ts`): Ed25519 (RFC 8032 §5.1.7), ES256 with a raw `r ‖ s` signature (RFC 9053
 * §2.1) and OCMF ECDSA over SHA-256 with a DER signature (SEC 1 §4.1.4, RFC 3279 §2.2.3).
 *
 * Keys are accepted exactly when the pure core accepts them (checked once per key, then the
 * OpenSSL KeyObject is cached), so OpenSSL only does the signature arithmetic.
 *
 * A chunk of checks travels as one transferred ArrayBuffer (see {@link encodeChunk}); the
 * answer is one byte per check. The module only starts listening when loaded as the pool's
 * worker (marked by `workerData`), so the pool can import its encoder.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { ed25519 } from '@noble/curves/ed25519.js';
import { assertValidPublicKey, CoseAlg } from '../core/cose/index.ts';
import { parseOcmfPublicKey } from '../core/ocmf/index.ts';
import type { SignerKeyType } from '../core/registry/index.ts';
import type { SignatureCheck } from '../core/signature/index.ts';

/** `workerData` of a pool worker. */
export const VERIFY_WORKER_MARK = 'wattproof-verify-worker';

/** The first message a worker posts, once its module has loaded. */
export const VERIFY_WORKER_READY = 'ready';

/** Key type codes in an encoded chunk (0: unknown, always false). */
const TYPE_CODE: Readonly<Record<SignerKeyType, number>> = { Ed25519: 1, 'P-256': 2, OCMF: 3 };

/** Header words per check: key type, key length, message length, signature length. */
const WORDS = 4;

/**
 * Packs checks into one ArrayBuffer: a Uint32 header `[n, (type, keyLen, msgLen, sigLen) × n]`
 * followed by every key, message and signature back to back.
 */
export function encodeChunk(checks: readonly SignatureCheck[]): ArrayBuffer {
  const n = checks.length;
  let bodyBytes = 0;
  for (const c of checks) {
    bodyBytes += c.publicKey.length + c.message.length + c.signature.length;
  }
  const headerBytes = 4 * (1 + WORDS * n);
  const buffer = new ArrayBuffer(headerBytes + bodyBytes);
  const header = new Uint32Array(buffer, 0, 1 + WORDS * n);
  const body = new Uint8Array(buffer, headerBytes);
  header[0] = n;
  let off = 0;
  checks.forEach((c, i) => {
    const h = 1 + WORDS * i;
    header[h] = Object.hasOwn(TYPE_CODE, c.keyType) ? TYPE_CODE[c.keyType] : 0;
    header[h + 1] = c.publicKey.length;
    header[h + 2] = c.message.length;
    header[h + 3] = c.signature.length;
    for (const part of [c.publicKey, c.message, c.signature]) {
      body.set(part, off);
      off += part.length;
    }
  });
  return buffer;
}

/** A bounded cache of imported keys (`null`: the key does not import). */
export class KeyCache {
  readonly #max: number;
  readonly #map = new Map<string, KeyObject | null>();

  constructor(max = 10_000) {
    this.#max = max;
  }

  /** The KeyObject for `publicKey` of type `code`, imported once. */
  get(code: number, publicKey: Uint8Array): KeyObject | null {
    const id = `${code}:${Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.length).toString('base64')}`;
    let key = this.#map.get(id);
    if (key === undefined) {
      key = importKey(code, publicKey);
      if (this.#map.size >= this.#max) {
        // Evict the oldest entry (Map keeps insertion order).
        this.#map.delete(this.#map.keys().next().value!);
      }
      this.#map.set(id, key);
    }
    return key;
  }
}

/** SubjectPublicKeyInfo prefixes for a P-256 point (RFC 5480 §2): uncompressed and compressed. */
const P256_SPKI_65 = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');
const P256_SPKI_33 = Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex');

/**
 * Imports a key for OpenSSL once it passed the pure core's own key checks, so that both
 * verifiers accept exactly the same keys: OpenSSL alone would also take small-order Ed25519
 * keys (for which a crafted signature verifies over any message), the hybrid 0x06/0x07 point
 * form, trailing bytes after a SubjectPublicKeyInfo and explicit curve parameters.
 */
function importKey(code: number, pk: Uint8Array): KeyObject | null {
  try {
    switch (code) {
      case TYPE_CODE.Ed25519: {
        // RFC 8032 §5.1.3 canonical decoding, and no small-order key (as the core's verify).
        if (pk.length !== 32 || ed25519.Point.fromBytes(pk, false).isSmallOrder()) return null;
        return createPublicKey({
          key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(pk).toString('base64url') },
          format: 'jwk',
        });
      }
      case TYPE_CODE['P-256']: {
        assertValidPublicKey(CoseAlg.ES256, pk);
        const prefix = pk.length === 65 ? P256_SPKI_65 : P256_SPKI_33;
        return createPublicKey({ key: Buffer.concat([prefix, pk]), format: 'der', type: 'spki' });
      }
      case TYPE_CODE.OCMF: {
        const { spki } = parseOcmfPublicKey(pk);
        return createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
      }
      default:
        return null;
    }
  } catch {
    return null;
  }
}

/** One check with node:crypto; false for anything malformed, never a throw. */
export function verifyOne(
  cache: KeyCache,
  code: number,
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    const key = cache.get(code, publicKey);
    if (key === null) return false;
    switch (code) {
      case TYPE_CODE.Ed25519:
        return signature.length === 64 && verify(null, message, key, signature);
      case TYPE_CODE['P-256']:
        return (
          signature.length === 64 &&
          verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature)
        );
      case TYPE_CODE.OCMF:
        return verify('sha256', message, { key, dsaEncoding: 'der' }, signature);
      default:
        return false;
    }
  } catch {
    return false;
  }
}

/** Verifies an encoded chunk; one byte per check, 1 for valid. */
export function verifyChunk(buffer: ArrayBuffer, cache: KeyCache): Uint8Array {
  const n = new Uint32Array(buffer, 0, 1)[0]!;
  const header = new Uint32Array(buffer, 0, 1 + WORDS * n);
  const body = new Uint8Array(buffer, 4 * (1 + WORDS * n));
  const results = new Uint8Array(n);
  let off = 0;
  for (let i = 0; i < n; i++) {
    const h = 1 + WORDS * i;
    const pk = body.subarray(off, (off += header[h + 1]!));
    const msg = body.subarray(off, (off += header[h + 2]!));
    const sig = body.subarray(off, (off += header[h + 3]!));
    results[i] = verifyOne(cache, header[h]!, pk, msg, sig) ? 1 : 0;
  }
  return results;
}

/** Checks without a worker (the pool's fallback when workers cannot start). */
export function verifyInThread(checks: readonly SignatureCheck[], cache: KeyCache): boolean[] {
  return checks.map((c) =>
    verifyOne(
      cache,
      Object.hasOwn(TYPE_CODE, c.keyType) ? TYPE_CODE[c.keyType] : 0,
      c.publicKey,
      c.message,
      c.signature,
    ),
  );
}

/** A request from the pool. */
export interface VerifyRequest {
  readonly id: number;
  readonly buffer: ArrayBuffer;
}

/** The worker's answer. */
export interface VerifyResponse {
  readonly id: number;
  readonly results: Uint8Array;
}

if (!isMainThread && parentPort !== null && workerData === VERIFY_WORKER_MARK) {
  const port = parentPort;
  const cache = new KeyCache();
  port.on('message', (req: VerifyRequest) => {
    const results = verifyChunk(req.buffer, cache);
    const response: VerifyResponse = { id: req.id, results };
    port.postMessage(response, [results.buffer as ArrayBuffer]);
  });
  port.postMessage(VERIFY_WORKER_READY);
}
