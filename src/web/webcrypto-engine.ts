/**
 * One context's signature checks (a Web Worker's, or the page's own when workers cannot
 * start): WebCrypto (W3C Web Cryptography API §23.4 ECDSA, Secure Curves in the Web
 * Cryptography API §"Ed25519") where this browser has the algorithm, the pure core's @noble
 * code for the rest (brainpool, secp256k1, secp192r1/k1) and where it has not.
 *
 * Same verdicts as the core, job by job:
 * - every key is first checked by the core's own rules (canonical Ed25519 encoding, RFC 8032
 *   §5.1.3, and no small-order key; a SEC 1 §2.3.4 point on the curve; the OCMF key's DER
 *   SubjectPublicKeyInfo), and an OCMF signature is read as strictly as the core reads it;
 * - ECDSA (SEC 1 §4.1.4) is one equation: WebCrypto's answer on the same point, `r`, `s` and
 *   digest is the core's;
 * - Ed25519: WebCrypto (BoringSSL in Chromium) checks the cofactorless equation and the core
 *   the cofactored one (RFC 8032 §5.1.7), which accepts the same signatures but for crafted
 *   ones with small-order components. An accepted signature is accepted by both; a refused one
 *   is checked again by the core, whose answer stands.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { assertValidPublicKey, CoseAlg, verifyWithAlg } from '../core/cose/index.ts';
import {
  derToRawEcdsaSignature,
  OCMF_CURVES,
  parseDerEcdsaSignature,
  parseOcmfPublicKey,
  type OcmfCurve,
} from '../core/ocmf/index.ts';
import { ecdsaVerifyDigest } from '../core/ocmf/index.ts';
import { JOB_CODE, unpackJobs, type PackedJob } from './webcrypto-jobs.ts';

/** Who checked how many signatures. */
export interface EngineStats {
  /** Checks WebCrypto answered. */
  webcrypto: number;
  /** Checks the @noble core answered (unsupported curves, no WebCrypto, Ed25519 re-checks). */
  noble: number;
}

/** WebCrypto algorithms this context has, found once by known-answer tests. */
interface Support {
  readonly ed25519: boolean;
  readonly p256: boolean;
  readonly p384: boolean;
}

/**
 * `b` as WebCrypto's `BufferSource`: every array here is backed by an ArrayBuffer (never a
 * SharedArrayBuffer), which the library's typing cannot tell.
 */
function source(b: Uint8Array): Uint8Array<ArrayBuffer> {
  return b as Uint8Array<ArrayBuffer>;
}

const hex = (s: string): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
};

/** RFC 8032 §7.1 TEST 1 (the empty message). */
const ED25519_KAT = {
  key: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  msg: '',
};

/** RFC 6979 §A.2.5 and §A.2.6: P-256 and P-384, SHA-256, message "sample". */
const ECDSA_KATS = {
  'P-256': {
    key: '0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb67903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299',
    sig: 'efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8',
  },
  'P-384': {
    key: '04ec3a4e415b4e19a4568618029f427fa5da9a8bc4ae92e02e06aae5286b300c64def8f0ea9055866064a254515480bc138015d9b72d7d57244ea8ef9ac0c621896708a59367f9dfb9f54ca84b3f1c9db1288b231c3ae0d4fe7344fd2533264720',
    sig: '21b13d1e013c7fa1392d03c5f99af8b30c570c6f98d4ea8e354b63a21d3daa33bde1e888e63355d92fa2b3c36d8fb2cdf3aa443fb107745bf4bd77cb3891674632068a10ca67e3d45db2266fa7d1feebefdc63eccd1ac42ec0cb8668a4fa0ab0',
  },
} as const;

const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

function subtle(): SubtleCrypto | undefined {
  return typeof crypto !== 'undefined' && crypto.subtle !== undefined ? crypto.subtle : undefined;
}

async function knownAnswer(run: (s: SubtleCrypto) => Promise<boolean>): Promise<boolean> {
  const s = subtle();
  if (s === undefined) return false;
  try {
    return await run(s);
  } catch {
    return false;
  }
}

/** Finds what this context's WebCrypto verifies correctly (a valid vector, and a bad one). */
async function detect(): Promise<Support> {
  const ed = ED25519_KAT;
  const ed25519Ok = knownAnswer(async (s) => {
    const key = await s.importKey('raw', hex(ed.key), { name: 'Ed25519' }, false, ['verify']);
    const bad = hex(ed.sig);
    bad[0]! ^= 1;
    return (
      (await s.verify({ name: 'Ed25519' }, key, hex(ed.sig), hex(ed.msg))) &&
      !(await s.verify({ name: 'Ed25519' }, key, bad, hex(ed.msg)))
    );
  });
  const ecdsa = (curve: 'P-256' | 'P-384') =>
    knownAnswer(async (s) => {
      const v = ECDSA_KATS[curve];
      const key = await s.importKey(
        'raw',
        hex(v.key),
        { name: 'ECDSA', namedCurve: curve },
        false,
        ['verify'],
      );
      const msg = source(new TextEncoder().encode('sample'));
      const bad = hex(v.sig);
      bad[bad.length - 1]! ^= 1;
      return (
        (await s.verify(ECDSA_SHA256, key, hex(v.sig), msg)) &&
        !(await s.verify(ECDSA_SHA256, key, bad, msg))
      );
    });
  const [a, b, c] = await Promise.all([ed25519Ok, ecdsa('P-256'), ecdsa('P-384')]);
  return { ed25519: a, p256: b, p384: c };
}

/** A key checked by the core's rules, with its WebCrypto import where there is one. */
type PreparedKey =
  | { readonly valid: false }
  | {
      readonly valid: true;
      /** WebCrypto's key, or undefined: this key is checked by @noble. */
      readonly web: CryptoKey | undefined;
      /** The OCMF key's curve and SEC 1 point. */
      readonly ocmf?: { readonly curve: OcmfCurve; readonly point: Uint8Array };
    };

const INVALID: PreparedKey = { valid: false };

/** Most keys kept per context (a bundle has a few; a hostile one may have many). */
const MAX_KEYS = 4_096;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function keyId(code: number, key: Uint8Array): string {
  let s = String(code);
  for (let i = 0; i < key.length; i++) s += String.fromCharCode(key[i]!);
  return s;
}

/** Checks packed pieces of jobs; one engine per worker (or on the page). */
export class SignatureEngine {
  readonly #webCrypto: boolean;
  #support: Promise<Support> | undefined;
  readonly #keys = new Map<string, Promise<PreparedKey>>();
  #last: { code: number; bytes: Uint8Array; key: Promise<PreparedKey> } | undefined;
  /** `webCrypto: false` checks everything with @noble (the comparison path). */
  constructor(options: { webCrypto?: boolean } = {}) {
    this.#webCrypto = options.webCrypto !== false && subtle() !== undefined;
  }

  /** The algorithms WebCrypto checks here (all false on the @noble-only path). */
  support(): Promise<Support> {
    if (!this.#webCrypto) return Promise.resolve({ ed25519: false, p256: false, p384: false });
    this.#support ??= detect();
    return this.#support;
  }

  /**
   * One byte per job of `buffer` (packed by `packJobs`), 1 where the signature verifies, and
   * who answered them. Never rejects for a job's content.
   */
  async check(buffer: ArrayBuffer): Promise<{ results: Uint8Array; stats: EngineStats }> {
    const jobs = unpackJobs(buffer);
    const support = await this.support();
    const results = new Uint8Array(jobs.length);
    const stats: EngineStats = { webcrypto: 0, noble: 0 };
    await Promise.all(
      jobs.map(async (j, i) => {
        results[i] = (await this.#one(j, support, stats)) ? 1 : 0;
      }),
    );
    return { results, stats };
  }

  #key(j: PackedJob, support: Support): Promise<PreparedKey> {
    // A bundle's readings mostly share one key: compare with the last before building an id.
    const last = this.#last;
    if (last !== undefined && last.code === j.code && sameBytes(last.bytes, j.publicKey)) {
      return last.key;
    }
    const id = keyId(j.code, j.publicKey);
    let key = this.#keys.get(id);
    if (key === undefined) {
      key = prepareKey(j, support);
      if (this.#keys.size >= MAX_KEYS) this.#keys.delete(this.#keys.keys().next().value!);
      this.#keys.set(id, key);
    }
    this.#last = { code: j.code, bytes: j.publicKey.slice(), key };
    return key;
  }

  async #one(j: PackedJob, support: Support, stats: EngineStats): Promise<boolean> {
    const key = await this.#key(j, support);
    if (!key.valid) return false;
    try {
      switch (j.code) {
        case JOB_CODE.EdDSA:
          if (j.signature.length !== 64) return false;
          if (key.web !== undefined) {
            const ok = await web(stats, () =>
              subtle()!.verify({ name: 'Ed25519' }, key.web!, j.signature, j.message),
            );
            // Only a refusal can differ from the core's cofactored check: it decides those.
            if (ok === true) return true;
          }
          return noble(stats, () =>
            verifyWithAlg(CoseAlg.EdDSA, j.signature, j.message, j.publicKey),
          );
        case JOB_CODE.ES256:
          if (j.signature.length !== 64) return false;
          if (key.web !== undefined) {
            const ok = await web(stats, () =>
              subtle()!.verify(ECDSA_SHA256, key.web!, j.signature, j.message),
            );
            if (ok !== undefined) return ok;
          }
          return noble(stats, () =>
            verifyWithAlg(CoseAlg.ES256, j.signature, j.message, j.publicKey),
          );
        case JOB_CODE.OCMF:
          return await checkOcmf(j, key, stats);
        default:
          return false;
      }
    } catch {
      return false;
    }
  }
}

/** WebCrypto's answer, or undefined when it threw (then @noble answers). */
async function web(stats: EngineStats, run: () => Promise<boolean>): Promise<boolean | undefined> {
  try {
    const ok = await run();
    stats.webcrypto++;
    return ok;
  } catch {
    return undefined;
  }
}

/** The core's answer; false where it throws (a malformed key or signature). */
function noble(stats: EngineStats, run: () => boolean): boolean {
  stats.noble++;
  try {
    return run();
  } catch {
    return false;
  }
}

/** OCMF: the SA curve must be the key's; the DER signature is read as strictly as the core does. */
async function checkOcmf(
  j: PackedJob,
  key: PreparedKey & { valid: true },
  stats: EngineStats,
): Promise<boolean> {
  const { curve, point } = key.ocmf!;
  if (j.curve !== undefined && j.curve !== curve.name) return false;
  if (key.web !== undefined) {
    let raw: Uint8Array;
    try {
      raw = derToRawEcdsaSignature(j.signature, curve);
    } catch {
      return false;
    }
    const ok = await web(stats, () =>
      subtle()!.verify(ECDSA_SHA256, key.web!, source(raw), j.message),
    );
    if (ok !== undefined) return ok;
  }
  return noble(stats, () => {
    const { r, s } = parseDerEcdsaSignature(j.signature, curve);
    return ecdsaVerifyDigest(curve, r, s, sha256(j.message), point);
  });
}

const WEB_CURVES: Partial<Record<string, 'P-256' | 'P-384'>> = {
  secp256r1: 'P-256',
  secp384r1: 'P-384',
};

async function importEcdsa(
  point: Uint8Array,
  curve: 'P-256' | 'P-384',
): Promise<CryptoKey | undefined> {
  try {
    return await subtle()!.importKey(
      'raw',
      source(point),
      { name: 'ECDSA', namedCurve: curve },
      false,
      ['verify'],
    );
  } catch {
    return undefined;
  }
}

/** Checks a key by the core's rules, then imports it into WebCrypto if this context can. */
async function prepareKey(j: PackedJob, support: Support): Promise<PreparedKey> {
  const pk = j.publicKey;
  try {
    switch (j.code) {
      case JOB_CODE.EdDSA: {
        assertValidPublicKey(CoseAlg.EdDSA, pk);
        // The core's verify refuses small-order keys (RFC 8032 strict mode, noble's rule).
        if (ed25519.Point.fromBytes(pk, false).isSmallOrder()) return INVALID;
        let web: CryptoKey | undefined;
        if (support.ed25519) {
          try {
            web = await subtle()!.importKey('raw', pk, { name: 'Ed25519' }, false, ['verify']);
          } catch {
            web = undefined;
          }
        }
        return { valid: true, web };
      }
      case JOB_CODE.ES256: {
        assertValidPublicKey(CoseAlg.ES256, pk);
        // WebCrypto's raw import wants the uncompressed point (W3C WebCrypto §23.7).
        const point = OCMF_CURVES.secp256r1.ecdsa.Point.fromBytes(pk).toBytes(false);
        return { valid: true, web: support.p256 ? await importEcdsa(point, 'P-256') : undefined };
      }
      case JOB_CODE.OCMF: {
        const key = parseOcmfPublicKey(pk);
        const webCurve = WEB_CURVES[key.curve.name];
        const usable =
          (webCurve === 'P-256' && support.p256) || (webCurve === 'P-384' && support.p384);
        const point = key.curve.ecdsa.Point.fromBytes(key.point).toBytes(false);
        return {
          valid: true,
          web: usable ? await importEcdsa(point, webCurve!) : undefined,
          ocmf: { curve: key.curve, point: key.point },
        };
      }
      default:
        return INVALID;
    }
  } catch {
    return INVALID;
  }
}
