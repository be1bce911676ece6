/**
 * The elliptic curves of OCMF Table 22/23, each with its SEC 1 / RFC 5639 object identifier
 * (as it appears in a SubjectPublicKeyInfo, RFC 5480 §2.1.1.1) and an ECDSA implementation.
 *
 * @noble/curves ships P-256, P-384, secp256k1 and Brainpool P256r1/P384r1. secp192r1 and
 * secp192k1 are not shipped, so they are built here from their published domain parameters
 * with noble's abstract Weierstrass constructor. The hash bound into each noble instance is
 * irrelevant: OCMF always hashes with SHA-256 and {@link ecdsaVerifyDigest} passes the digest.
 */
import { ecdsa, weierstrass, type ECDSA } from '@noble/curves/abstract/weierstrass.js';
import { brainpoolP256r1, brainpoolP384r1 } from '@noble/curves/misc.js';
import { p256, p384 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';

/** Curve names used by this module (the SEC 2 / RFC 5639 names). */
export type OcmfCurveName =
  | 'secp192k1'
  | 'secp192r1'
  | 'secp256k1'
  | 'secp256r1'
  | 'secp384r1'
  | 'brainpoolP256r1'
  | 'brainpoolP384r1';

/** One supported curve. */
export interface OcmfCurve {
  /** SEC 2 / RFC 5639 name. */
  readonly name: OcmfCurveName;
  /** Dotted object identifier of the named curve. */
  readonly oid: string;
  /** Bytes of a field element / scalar (24, 32 or 48). */
  readonly byteLength: number;
  /** Order of the base point. */
  readonly order: bigint;
  /** ECDSA over this curve. */
  readonly ecdsa: ECDSA;
}

/** secp192r1 (= NIST P-192, ANSI X9.62 prime192v1): SEC 2 v2.0 §2.5.2, FIPS 186-4 §D.1.2.1. */
const secp192r1 = ecdsa(
  weierstrass({
    p: BigInt('0xfffffffffffffffffffffffffffffffeffffffffffffffff'),
    n: BigInt('0xffffffffffffffffffffffff99def836146bc9b1b4d22831'),
    h: 1n,
    a: BigInt('0xfffffffffffffffffffffffffffffffefffffffffffffffc'),
    b: BigInt('0x64210519e59c80e70fa7e9ab72243049feb8deecc146b9b1'),
    Gx: BigInt('0x188da80eb03090f67cbf20eb43a18800f4ff0afd82ff1012'),
    Gy: BigInt('0x07192b95ffc8da78631011ed6b24cdd573f977a11e794811'),
  }),
  sha256,
);

/** secp192k1 (Koblitz curve y² = x³ + 3): SEC 2 v2.0 §2.4.1. */
const secp192k1 = ecdsa(
  weierstrass({
    p: BigInt('0xfffffffffffffffffffffffffffffffffffffffeffffee37'),
    n: BigInt('0xfffffffffffffffffffffffe26f2fc170f69466a74defd8d'),
    h: 1n,
    a: 0n,
    b: 3n,
    Gx: BigInt('0xdb4ff10ec057e9ae26b07d0280b7f4341da5d1b1eae06c7d'),
    Gy: BigInt('0x9b2f2f6d9c5628a7844163d015be86344082aa88d95e2f9d'),
  }),
  sha256,
);

function curve(name: OcmfCurveName, oid: string, impl: ECDSA): OcmfCurve {
  return { name, oid, byteLength: impl.Point.Fn.BYTES, order: impl.Point.Fn.ORDER, ecdsa: impl };
}

/**
 * Every curve of OCMF Table 23 by name. OIDs: SEC 2 v2.0 Appendix A.2 (secp*), ANSI X9.62 /
 * RFC 5480 §2.1.1.1 (prime192v1, prime256v1), RFC 5639 §4.1 (brainpool).
 */
export const OCMF_CURVES: Readonly<Record<OcmfCurveName, OcmfCurve>> = Object.freeze({
  secp192k1: curve('secp192k1', '1.3.132.0.31', secp192k1),
  secp192r1: curve('secp192r1', '1.2.840.10045.3.1.1', secp192r1),
  secp256k1: curve('secp256k1', '1.3.132.0.10', secp256k1),
  secp256r1: curve('secp256r1', '1.2.840.10045.3.1.7', p256),
  secp384r1: curve('secp384r1', '1.3.132.0.34', p384),
  brainpoolP256r1: curve('brainpoolP256r1', '1.3.36.3.3.2.8.1.1.7', brainpoolP256r1),
  brainpoolP384r1: curve('brainpoolP384r1', '1.3.36.3.3.2.8.1.1.11', brainpoolP384r1),
});

/** The curve with the given dotted OID, or `undefined`. */
export function curveByOid(oid: string): OcmfCurve | undefined {
  return Object.values(OCMF_CURVES).find((c) => c.oid === oid);
}

/**
 * ECDSA verification (SEC 1 v2.0 §4.1.4) of `(r, s)` over a precomputed `digest`, truncated to
 * the order's bit length as SEC 1 §4.1.3 step 5 / FIPS 186-4 §6.4 prescribe (SHA-256 on a
 * 192-bit curve keeps the leftmost 192 bits). High-S signatures are accepted: OCMF devices
 * and OpenSSL do not normalise s. `point` is a SEC 1 §2.3.3 encoded public key.
 */
export function ecdsaVerifyDigest(
  c: OcmfCurve,
  r: bigint,
  s: bigint,
  digest: Uint8Array,
  point: Uint8Array,
): boolean {
  const sig = new c.ecdsa.Signature(r, s).toBytes('compact');
  return c.ecdsa.verify(sig, digest, point, { prehash: false, lowS: false, format: 'compact' });
}
