/**
 * OCMF meter public keys: DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) with an EC key of a
 * named curve (RFC 5480 §2), as published out of band for each meter (OCMF §"Relation of
 * Serial Numbers, Charge Point and Public Key").
 */
import { fromBase64, fromHex } from '../bytes.ts';
import { curveByOid, type OcmfCurve } from './curves.ts';
import { DerReader, DerSyntaxError, DerTag, derOidToString } from './der.ts';
import { OcmfError } from './errors.ts';

/** A parsed, on-curve EC public key. */
export interface OcmfPublicKey {
  /** The key's named curve. */
  readonly curve: OcmfCurve;
  /** The SEC 1 §2.3.3 point as in the key (compressed or uncompressed). */
  readonly point: Uint8Array;
  /** The DER SubjectPublicKeyInfo bytes. */
  readonly spki: Uint8Array;
}

/** id-ecPublicKey (RFC 5480 §2.1.1). */
const ID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
/** Longest key text accepted (a P-384 SPKI is 120 bytes; hex with spaces about 300 chars). */
const MAX_KEY_TEXT = 4096;

function malformed(why: string, cause?: unknown): OcmfError {
  return new OcmfError('MALFORMED_KEY', `public key: ${why}`, {
    cause,
    evidence: { field: 'key' },
  });
}

function keyBytes(key: string | Uint8Array): Uint8Array {
  if (key instanceof Uint8Array) return key;
  if (typeof key !== 'string') throw new TypeError('public key must be a string or Uint8Array');
  if (key.length > MAX_KEY_TEXT) throw malformed('too long');
  let text = key.trim();
  const pem = /^-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\s]*)-----END PUBLIC KEY-----$/.exec(text);
  if (pem !== null) text = pem[1]!;
  const compact = text.replace(/[ \t\r\n]+/g, '');
  try {
    // A SPKI starts with 0x30: hex "30…", base64 "M…", so the two never overlap.
    if (pem === null && /^[0-9a-fA-F]+$/.test(compact)) {
      // Spaces may only separate whole bytes (e.g. "3059 3013 …").
      if (!/^[0-9a-fA-F]{2}(?:[0-9a-fA-F]{2}|[ \t\r\n]+(?=[0-9a-fA-F]))*$/.test(text)) {
        throw malformed('hex groups must hold whole bytes');
      }
      return fromHex(compact);
    }
    return fromBase64(compact);
  } catch (e) {
    if (e instanceof OcmfError) throw e;
    throw malformed('neither hex, base64 nor PEM', e);
  }
}

/**
 * Parses a meter public key: DER SubjectPublicKeyInfo given as bytes, as hex (upper or lower
 * case; whitespace allowed between bytes, e.g. `3059 3013 0607 …`), as base64 (RFC 4648 §4)
 * or as a PEM `PUBLIC KEY` block. The algorithm must be id-ecPublicKey with a namedCurve
 * parameter naming an OCMF curve (RFC 5480 §2.1.1; implicit or explicit curves are refused),
 * the BIT STRING must have no unused bits, and the point must be a valid SEC 1 §2.3.4
 * compressed or uncompressed point on that curve. Strict DER, no trailing bytes.
 * Throws {@link OcmfError}: `MALFORMED_KEY`, or `UNSUPPORTED_ALGORITHM` for another curve.
 */
export function parseOcmfPublicKey(key: string | Uint8Array): OcmfPublicKey {
  const spki = Uint8Array.from(keyBytes(key));
  let oid: string;
  let point: Uint8Array;
  try {
    const outer = new DerReader(spki);
    const body = new DerReader(outer.read(DerTag.sequence));
    outer.end();
    const alg = new DerReader(body.read(DerTag.sequence));
    if (derOidToString(alg.read(DerTag.oid)) !== ID_EC_PUBLIC_KEY) {
      throw malformed('algorithm is not id-ecPublicKey');
    }
    if (alg.peekTag() !== DerTag.oid) throw malformed('EC parameters are not a namedCurve');
    oid = derOidToString(alg.read(DerTag.oid));
    alg.end();
    const bits = body.read(DerTag.bitString);
    body.end();
    if (bits.length < 2 || bits[0] !== 0) throw malformed('BIT STRING has unused bits');
    point = bits.slice(1);
  } catch (e) {
    if (e instanceof OcmfError) throw e;
    if (e instanceof DerSyntaxError) throw malformed(`bad DER: ${e.message}`, e);
    throw malformed('unreadable', e);
  }
  const curve = curveByOid(oid);
  if (curve === undefined) {
    throw new OcmfError('UNSUPPORTED_ALGORITHM', `public key: curve ${oid} is not an OCMF curve`, {
      evidence: { field: 'key', curveOid: oid },
    });
  }
  try {
    curve.ecdsa.Point.fromBytes(point).assertValidity();
  } catch (e) {
    throw malformed(`not a valid ${curve.name} point`, e);
  }
  return { curve, point, spki };
}
