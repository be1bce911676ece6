/**
 * The `index` section of an evidence bundle (docs/bundle.md §Index; docs/index.md): the index
 * epoch entry with its inclusion proof, and the verifiable map's proofs that let a verifier
 * check what the bundle leaves out — each reading signer's registrations and revocations, each
 * requested meter's flags and, per channel, every reading of each whole UTC year, month, day or
 * hour of the period. Its JSON form and its strict parsing (attacker-controlled input).
 */
import { fromBase64 } from '../bytes.ts';
import { SALT_SIZE } from '../leaf/index.ts';
import { isValidMeterId, isValidObis } from '../reading/index.ts';
import { BundleError } from './errors.ts';

/** The `index` section as JSON (bytes in standard base64). */
export interface BundleIndexJson {
  /** The epoch entry, disclosed, and its RFC 9162 §2.1.3 inclusion proof at the checkpoint. */
  readonly epoch: {
    readonly index: number;
    readonly salt: string;
    readonly bytes: string;
    readonly proof: readonly string[];
  };
  /** Per signer of the bundle's readings: the leaf indices filed under it, and the lookup proof. */
  readonly signers: readonly {
    readonly signer: string;
    readonly indices: readonly number[];
    readonly proof: string;
  }[];
  /** Per requested meter. */
  readonly meters: readonly {
    readonly meter: string;
    /** Leaf indices of the meter's flag entries (empty: none), and the lookup proof. */
    readonly flags: { readonly indices: readonly number[]; readonly proof: string };
    /** Per channel: one prefix proof per whole UTC period block of the request. */
    readonly channels: readonly {
      readonly obis: string;
      readonly blocks: readonly { readonly period: string; readonly proof: string }[];
    }[];
  }[];
}

/** The parsed section. */
export interface ParsedIndex {
  readonly epoch: {
    readonly index: number;
    readonly salt: Uint8Array;
    readonly bytes: Uint8Array;
    readonly proof: Uint8Array[];
  };
  readonly signers: {
    readonly signer: string;
    readonly indices: number[];
    readonly proof: Uint8Array;
  }[];
  readonly meters: {
    readonly meter: string;
    readonly flags: { readonly indices: number[]; readonly proof: Uint8Array };
    readonly channels: {
      readonly obis: string;
      readonly blocks: { readonly period: string; readonly proof: Uint8Array }[];
    }[];
  }[];
}

/** Most elements of any list in the section (a year is one block per channel; this is ample). */
const MAX_LIST = 100_000;
/** Longest map proof accepted, bytes (a path proof at 10 M keys is about 900). */
const MAX_PROOF_BYTES = 64 * 1024;
const PERIOD_RE = /^\d{4}(-\d{2}(-\d{2}(T\d{2})?)?)?$/;

function bad(path: string, why: string, cause?: unknown): never {
  throw new BundleError('MALFORMED_BUNDLE', `${path}: ${why}`, { evidence: { path }, cause });
}

function obj(v: unknown, path: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path, 'not an object');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!keys.includes(k)) bad(`${path}.${k}`, 'unknown field');
  for (const k of keys) if (!Object.hasOwn(o, k)) bad(`${path}.${k}`, 'missing');
  return o;
}

function list(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) bad(path, 'not an array');
  if (v.length > MAX_LIST) bad(path, 'too many elements');
  return v;
}

function uint(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    bad(path, 'not a non-negative safe integer');
  }
  return v;
}

function bytes(v: unknown, path: string, size?: number, max = MAX_PROOF_BYTES): Uint8Array {
  if (typeof v !== 'string') bad(path, 'not a string');
  if (v.length > ((max + 2) / 3) * 4 + 4) bad(path, 'too long');
  let b: Uint8Array;
  try {
    b = fromBase64(v);
  } catch (e) {
    bad(path, 'not canonical standard base64', e);
  }
  if (size !== undefined && b.length !== size) bad(path, `not ${size} bytes`);
  return b;
}

function indices(v: unknown, path: string): number[] {
  const out = list(v, path).map((x, i) => uint(x, `${path}[${i}]`));
  for (let i = 1; i < out.length; i++) {
    if (out[i]! <= out[i - 1]!) bad(`${path}[${i}]`, 'not strictly increasing');
  }
  return out;
}

function id(v: unknown, path: string): string {
  if (typeof v !== 'string' || !isValidMeterId(v)) bad(path, 'not a valid id');
  return v;
}

/** Parses the `index` section; throws `MALFORMED_BUNDLE` naming the offending path. */
export function parseIndexSection(v: unknown): ParsedIndex {
  const o = obj(v, 'index', ['epoch', 'signers', 'meters']);
  const e = obj(o.epoch, 'index.epoch', ['index', 'salt', 'bytes', 'proof']);
  const epoch = {
    index: uint(e.index, 'index.epoch.index'),
    salt: bytes(e.salt, 'index.epoch.salt', SALT_SIZE),
    bytes: bytes(e.bytes, 'index.epoch.bytes', undefined, 1024),
    proof: list(e.proof, 'index.epoch.proof').map((h, i) =>
      bytes(h, `index.epoch.proof[${i}]`, 32),
    ),
  };
  if (epoch.proof.length > 64) bad('index.epoch.proof', 'too many hashes');
  const signers = list(o.signers, 'index.signers').map((s, i) => {
    const p = `index.signers[${i}]`;
    const x = obj(s, p, ['signer', 'indices', 'proof']);
    return {
      signer: id(x.signer, `${p}.signer`),
      indices: indices(x.indices, `${p}.indices`),
      proof: bytes(x.proof, `${p}.proof`),
    };
  });
  const meters = list(o.meters, 'index.meters').map((m, i) => {
    const p = `index.meters[${i}]`;
    const x = obj(m, p, ['meter', 'flags', 'channels']);
    const f = obj(x.flags, `${p}.flags`, ['indices', 'proof']);
    return {
      meter: id(x.meter, `${p}.meter`),
      flags: {
        indices: indices(f.indices, `${p}.flags.indices`),
        proof: bytes(f.proof, `${p}.flags.proof`),
      },
      channels: list(x.channels, `${p}.channels`).map((c, j) => {
        const q = `${p}.channels[${j}]`;
        const y = obj(c, q, ['obis', 'blocks']);
        if (typeof y.obis !== 'string' || !isValidObis(y.obis))
          bad(`${q}.obis`, 'not an OBIS code');
        return {
          obis: y.obis,
          blocks: list(y.blocks, `${q}.blocks`).map((b, k) => {
            const r = `${q}.blocks[${k}]`;
            const z = obj(b, r, ['period', 'proof']);
            if (typeof z.period !== 'string' || !PERIOD_RE.test(z.period)) {
              bad(`${r}.period`, 'not YYYY[-MM[-DD[THH]]]');
            }
            return { period: z.period, proof: bytes(z.proof, `${r}.proof`) };
          }),
        };
      }),
    };
  });
  return { epoch, signers, meters };
}
