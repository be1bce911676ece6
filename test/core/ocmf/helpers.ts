/**
 * Test helpers: OCMF records signed with node:crypto (OpenSSL), DER building blocks.
 */
import {
  createPublicKey,
  ECDH,
  generateKeyPairSync,
  getCurves,
  sign,
  type KeyObject,
} from 'node:crypto';
import { concatBytes, toHex, utf8 } from '../../../src/core/bytes.ts';
import type { OcmfCurveName } from '../../../src/core/ocmf/index.ts';

/** OpenSSL's name for each OCMF curve, and the SA spelled from the OCMF 1.x table. */
export const CURVES: readonly {
  name: OcmfCurveName;
  openssl: string;
  sa: string;
}[] = [
  { name: 'secp256r1', openssl: 'prime256v1', sa: 'ECDSA-secp256r1-SHA256' },
  { name: 'secp384r1', openssl: 'secp384r1', sa: 'ECDSA-secp384r1-SHA256' },
  { name: 'secp256k1', openssl: 'secp256k1', sa: 'ECDSA-secp256k1-SHA256' },
  { name: 'brainpoolP256r1', openssl: 'brainpoolP256r1', sa: 'ECDSA-brainpool256r1-SHA256' },
  { name: 'brainpoolP384r1', openssl: 'brainpoolP384r1', sa: 'ECDSA-brainpool384r1-SHA256' },
  { name: 'secp192r1', openssl: 'prime192v1', sa: 'ECDSA-secp192r1-SHA256' },
  { name: 'secp192k1', openssl: 'secp192k1', sa: 'ECDSA-secp192k1-SHA256' },
];

/** Whether this OpenSSL knows a curve. */
export function opensslHas(curve: string): boolean {
  return getCurves().includes(curve);
}

/** A DER TLV with a definite length. */
export function tlv(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  const len =
    n < 0x80
      ? Uint8Array.of(n)
      : n < 0x100
        ? Uint8Array.of(0x81, n)
        : Uint8Array.of(0x82, n >> 8, n & 255);
  return concatBytes(Uint8Array.of(tag), len, content);
}

/** A minimal DER INTEGER for a non-negative bigint. */
export function derInt(v: bigint): Uint8Array {
  let hex = v.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  let bytes: Uint8Array = Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
  if (bytes[0]! & 0x80) bytes = concatBytes(Uint8Array.of(0), bytes);
  return tlv(0x02, bytes);
}

/** DER ECDSA-Sig-Value for (r, s). */
export function derSig(r: bigint, s: bigint): Uint8Array {
  return tlv(0x30, concatBytes(derInt(r), derInt(s)));
}

/** Reads (r, s) back from a DER signature produced by OpenSSL. */
export function rsFromDer(der: Uint8Array): { r: bigint; s: bigint } {
  let i = 2;
  if (der[1]! & 0x80) i += der[1]! & 0x7f;
  const readInt = (): bigint => {
    const len = der[i + 1]!;
    const v = BigInt('0x' + (toHex(der.subarray(i + 2, i + 2 + len)) || '0'));
    i += 2 + len;
    return v;
  };
  const r = readInt();
  return { r, s: readInt() };
}

/** A generated key pair with its SPKI in both point forms. */
export interface TestKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  spki: Uint8Array;
  spkiCompressed: Uint8Array;
  /** The DER AlgorithmIdentifier (id-ecPublicKey + curve OID). */
  algId: Uint8Array;
}

/** SubjectPublicKeyInfo for `algId` and a SEC 1 point. */
export function spkiOf(algId: Uint8Array, point: Uint8Array): Uint8Array {
  return tlv(0x30, concatBytes(algId, tlv(0x03, concatBytes(Uint8Array.of(0), point))));
}

/** Generates a key with node:crypto and builds the compressed-point SPKI by hand. */
export function generateKey(opensslCurve: string): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: opensslCurve });
  const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
  // SEQUENCE { algId SEQUENCE, BIT STRING } with a short-form algId.
  const algStart = spki[1]! & 0x80 ? 2 + (spki[1]! & 0x7f) : 2;
  const algId = spki.subarray(algStart, algStart + 2 + spki[algStart + 1]!);
  const bits = spki.subarray(algStart + algId.length);
  const point = bits.subarray(bits[1]! & 0x80 ? 4 : 3);
  const compressed = new Uint8Array(
    ECDH.convertKey(point, opensslCurve, undefined, undefined, 'compressed') as Buffer,
  );
  const spkiCompressed = spkiOf(algId, compressed);
  // Sanity: OpenSSL must accept the hand-built compressed SPKI as the same key.
  const back = createPublicKey({ key: Buffer.from(spkiCompressed), format: 'der', type: 'spki' });
  if (!back.equals(publicKey)) throw new Error('compressed SPKI does not round-trip');
  return { privateKey, publicKey, spki, spkiCompressed, algId: algId.slice() };
}

/** A payload section as OCMF devices write it (fields in Table order). */
export function payloadJson(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    FV: '1.0',
    GI: 'WATTPROOF_TEST',
    GS: 'GW-0001',
    GV: '1.0.0',
    PG: 'T7',
    MV: 'TestVendor',
    MM: 'TM-1',
    MS: 'METER-42',
    IS: false,
    IT: 'NONE',
    RD: [
      {
        TM: '2024-05-01T12:00:00,000+0200 S',
        TX: 'B',
        RV: 12.345,
        RI: '1-b:1.8.0',
        RU: 'kWh',
        ST: 'G',
      },
      { TM: '2024-05-01T12:15:00,000+0200 S', TX: 'E', RV: 13.5 },
    ],
    ...overrides,
  });
}

/** Signs `payload` with node:crypto: ECDSA, SHA-256, DER (OCMF's only scheme). */
export function signDer(payload: string, key: KeyObject): Uint8Array {
  return new Uint8Array(sign('sha256', utf8(payload), { key, dsaEncoding: 'der' }));
}

/** `OCMF|payload|{"SA":…,"SD":…}` with SD in hex (or base64 with SE). */
export function record(
  payload: string,
  sig: Uint8Array,
  sa?: string,
  se: 'hex' | 'base64' = 'hex',
): string {
  const section: Record<string, string> = {};
  if (sa !== undefined) section.SA = sa;
  if (se === 'base64') section.SE = 'base64';
  section.SD = se === 'hex' ? toHex(sig).toUpperCase() : Buffer.from(sig).toString('base64');
  return `OCMF|${payload}|${JSON.stringify(section)}`;
}

/** A syntactically valid SD (r = s = 1) for parse-only tests. */
export const DUMMY_SD = '3006020101020101';

/** A record whose signature is well-formed but meaningless, for parse-only tests. */
export function unsignedRecord(payload: string, signature = `{"SD":"${DUMMY_SD}"}`): string {
  return `OCMF|${payload}|${signature}`;
}
