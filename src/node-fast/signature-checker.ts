/**
 * The CLI's reading-signature checker for {@link verifyBundleAsync}, a `VerifySignatures`
 * (`src/core/signature/`): OpenSSL through `node:crypto` (RFC 8032 Ed25519, P-256 with a raw
 * `r ‖ s` per RFC 9053 §2.1), in this thread for small bundles and on worker threads across
 * every core for large ones (a year of 15-minute readings is 35,040 signatures). An OCMF check
 * (the bundle verifier checks those itself) goes to the core's `verifyWithNoble`, here.
 *
 * Same verdicts as the pure core, check by check: each key is checked once, on this thread, by the
 * core's rules (canonical Ed25519 encoding and no small-order key, RFC 8032 §5.1.3; a SEC 1
 * §2.3.4 P-256 point) before OpenSSL sees it; OpenSSL's Ed25519 checks the cofactorless
 * equation where the core checks the cofactored one (RFC 8032 §5.1.7), which differ only for
 * crafted signatures with small-order components, so a signature OpenSSL refuses is checked
 * again by the core, whose answer stands. ECDSA is one equation in both.
 *
 * The workers are plain JavaScript evaluated from a string (no TypeScript loader, no module
 * graph): they start in tens of milliseconds, and get each key once as a SubjectPublicKeyInfo,
 * then pieces of jobs as one transferred buffer each.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ed25519 } from '@noble/curves/ed25519.js';
import { assertValidPublicKey, CoseAlg, verifyWithAlg } from '../core/cose/index.ts';
import type { SignerKeyType } from '../core/registry/index.ts';
import {
  verifyWithNoble,
  type SignatureCheck,
  type VerifySignatures,
} from '../core/signature/index.ts';

/**
 * A first call with fewer signatures than this (a small bundle: the core hands over chunks of
 * `SIGNATURE_CHUNK`) is checked in this thread; starting workers would cost more than it saves.
 */
export const POOL_THRESHOLD = 1_024;

/** Smallest piece sent to one worker. */
const MIN_PIECE = 64;

/** Check type codes in a piece: 1 Ed25519, 2 P-256 (ES256). */
const TYPE = { Ed25519: 1, 'P-256': 2 } as const;

/** The key types OpenSSL checks here; any other goes to the core. */
function isFast(keyType: SignerKeyType): keyType is keyof typeof TYPE {
  return keyType === 'Ed25519' || keyType === 'P-256';
}

/** Header words per job: key id, type, message length, signature length. */
const WORDS = 4;

/**
 * The worker: CommonJS evaluated by `new Worker(…, { eval: true })`. Messages: `{ keys }` (new
 * keys by id, SubjectPublicKeyInfo DER) and `{ id, buffer }` (a piece); answer `{ id, results }`,
 * one byte per job.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const keys = [];
parentPort.on('message', (m) => {
  if (m.keys !== undefined) {
    for (const [id, der] of m.keys) {
      keys[id] = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
    }
    return;
  }
  const b = m.buffer;
  const n = new Uint32Array(b, 0, 1)[0];
  const h = new Uint32Array(b, 0, 1 + ${WORDS} * n);
  const body = Buffer.from(b, 4 * (1 + ${WORDS} * n));
  const out = new Uint8Array(n);
  let off = 0;
  for (let i = 0; i < n; i++) {
    const w = 1 + ${WORDS} * i;
    const key = keys[h[w]];
    const msg = body.subarray(off, (off += h[w + 2]));
    const sig = body.subarray(off, (off += h[w + 3]));
    try {
      const ok = h[w + 1] === ${TYPE.Ed25519}
        ? verify(null, msg, key, sig)
        : verify('sha256', msg, { key, dsaEncoding: 'ieee-p1363' }, sig);
      out[i] = ok ? 1 : 0;
    } catch {
      out[i] = 0;
    }
  }
  parentPort.postMessage({ id: m.id, results: out }, [out.buffer]);
});
`;

/** SubjectPublicKeyInfo prefixes (RFC 8410 §4 Ed25519; RFC 5480 §2 P-256, both point forms). */
const SPKI_PREFIX = {
  ed25519: Buffer.from('302a300506032b6570032100', 'hex'),
  p256Uncompressed: Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'),
  p256Compressed: Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'),
};

/** A registered key as the checker knows it: refused by the core's rules, or usable. */
type Key =
  | { readonly valid: false }
  | { readonly valid: true; readonly id: number; readonly spki: Buffer; object?: KeyObject };

function spkiOf(keyType: SignerKeyType, pk: Uint8Array): Buffer | undefined {
  try {
    if (keyType === 'Ed25519') {
      assertValidPublicKey(CoseAlg.EdDSA, pk);
      // The core's verify refuses small-order keys (RFC 8032 strict mode).
      if (ed25519.Point.fromBytes(pk, false).isSmallOrder()) return undefined;
      return Buffer.concat([SPKI_PREFIX.ed25519, pk]);
    }
    if (keyType === 'P-256') {
      assertValidPublicKey(CoseAlg.ES256, pk);
      const prefix = pk.length === 65 ? SPKI_PREFIX.p256Uncompressed : SPKI_PREFIX.p256Compressed;
      return Buffer.concat([prefix, pk]);
    }
  } catch {
    // A key the core refuses: every signature under it is false.
  }
  return undefined;
}

/** Keys by key type and bytes, each checked once; ids are sent to the workers. */
class Keys {
  readonly #map = new Map<string, Key>();
  #last: { keyType: SignerKeyType; bytes: Uint8Array; key: Key } | undefined;
  /** Keys not yet sent to the workers. */
  readonly fresh: [number, Buffer][] = [];

  get(keyType: SignerKeyType, pk: Uint8Array): Key {
    const last = this.#last;
    if (last !== undefined && last.keyType === keyType && Buffer.compare(last.bytes, pk) === 0) {
      return last.key;
    }
    const id = `${keyType}:${Buffer.from(pk.buffer, pk.byteOffset, pk.length).toString('latin1')}`;
    let key = this.#map.get(id);
    if (key === undefined) {
      const spki = spkiOf(keyType, pk);
      key = spki === undefined ? { valid: false } : { valid: true, id: this.#map.size, spki };
      this.#map.set(id, key);
      if (key.valid) this.fresh.push([key.id, key.spki]);
    }
    this.#last = { keyType, bytes: pk, key };
    return key;
  }
}

/** KeyObjects of the keys {@link opensslEd25519} met, by their bytes (refused ones as null). */
const ED25519_KEYS = new Map<string, KeyObject | null>();

/**
 * Ed25519 with OpenSSL for the core's own checks on this thread (checkpoint and cosignatures,
 * operator declarations, registry entries; `useFasterEd25519`, src/core/ed25519.ts): true only
 * under a key the core's rules accept (canonical, not of small order), so that the core can
 * take it as is; false sends the signature to the core.
 */
export function opensslEd25519(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (signature.length !== 64) return false;
  const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.length).toString(
    'latin1',
  );
  let key = ED25519_KEYS.get(id);
  if (key === undefined) {
    const spki = spkiOf('Ed25519', publicKey);
    key = spki === undefined ? null : createPublicKey({ key: spki, format: 'der', type: 'spki' });
    if (ED25519_KEYS.size < 1_024) ED25519_KEYS.set(id, key);
  }
  if (key === null) return false;
  try {
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

/** One check with OpenSSL on this thread. */
function verifyHere(j: SignatureCheck, key: Key & { valid: true }): boolean {
  key.object ??= createPublicKey({ key: key.spki, format: 'der', type: 'spki' });
  try {
    return j.keyType === 'Ed25519'
      ? verify(null, j.message, key.object, j.signature)
      : verify('sha256', j.message, { key: key.object, dsaEncoding: 'ieee-p1363' }, j.signature);
  } catch {
    return false;
  }
}

/** The core's verdict on an Ed25519 signature OpenSSL refused (see the module comment). */
function recheck(j: SignatureCheck): boolean {
  if (j.keyType !== 'Ed25519') return false;
  try {
    return verifyWithAlg(CoseAlg.EdDSA, j.signature, j.message, j.publicKey);
  } catch {
    return false;
  }
}

interface Pending {
  readonly resolve: (results: Uint8Array) => void;
  readonly reject: (e: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  load: number;
}

/** Worker threads running {@link WORKER_SOURCE}; a worker that fails fails its checks. */
class CryptoPool {
  readonly #slots: Slot[] = [];
  #next = 0;
  #closed = false;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      // No execArgv: the worker needs no TypeScript loader.
      const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
      const slot: Slot = { worker, pending: new Map(), load: 0 };
      worker.unref();
      worker.on('message', (m: { id: number; results: Uint8Array }) => {
        const p = slot.pending.get(m.id);
        if (p === undefined) return;
        slot.pending.delete(m.id);
        slot.load -= m.results.length;
        if (slot.pending.size === 0) worker.unref();
        p.resolve(m.results);
      });
      const fail = (e: Error): void => {
        if (this.#closed) return;
        for (const p of slot.pending.values()) p.reject(e);
        slot.pending.clear();
      };
      worker.on('error', (e) => fail(new Error(`signature worker failed: ${e.message}`)));
      worker.on('exit', (code) => fail(new Error(`signature worker exited with code ${code}`)));
      this.#slots.push(slot);
    }
  }

  get size(): number {
    return this.#slots.length;
  }

  /** Sends keys the workers do not have yet to every worker (before the jobs using them). */
  sendKeys(keys: [number, Buffer][]): void {
    if (keys.length === 0) return;
    const copy = keys.splice(0).map(([id, der]) => [id, new Uint8Array(der)] as const);
    for (const s of this.#slots) s.worker.postMessage({ keys: copy });
  }

  /** One byte per job of the packed piece, from the least loaded worker. */
  run(buffer: ArrayBuffer, n: number): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(new Error('the signature checker is closed'));
    let slot = this.#slots[0]!;
    for (const s of this.#slots) if (s.load < slot.load) slot = s;
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      if (slot.load === 0) slot.worker.ref();
      slot.load += n;
      slot.worker.postMessage({ id, buffer }, [buffer]);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const slots = this.#slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
    for (const s of slots) {
      for (const p of s.pending.values()) p.reject(new Error('the signature checker was closed'));
    }
  }
}

/** Packs the checks at `positions` (their keys are valid) into one buffer for a worker. */
function pack(
  jobs: readonly SignatureCheck[],
  keyIds: Int32Array,
  positions: readonly number[],
): ArrayBuffer {
  const n = positions.length;
  let bodyBytes = 0;
  for (const p of positions) bodyBytes += jobs[p]!.message.length + jobs[p]!.signature.length;
  const headerBytes = 4 * (1 + WORDS * n);
  const buffer = new ArrayBuffer(headerBytes + bodyBytes);
  const header = new Uint32Array(buffer, 0, 1 + WORDS * n);
  const body = new Uint8Array(buffer, headerBytes);
  header[0] = n;
  let off = 0;
  for (let i = 0; i < n; i++) {
    const j = jobs[positions[i]!]!;
    const h = 1 + WORDS * i;
    header[h] = keyIds[positions[i]!]!;
    header[h + 1] = j.keyType === 'Ed25519' ? TYPE.Ed25519 : TYPE['P-256'];
    header[h + 2] = j.message.length;
    header[h + 3] = j.signature.length;
    body.set(j.message, off);
    off += j.message.length;
    body.set(j.signature, off);
    off += j.signature.length;
  }
  return buffer;
}

/** Worker threads for a pool: one per core. */
function poolSize(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Runs `use` with a checker; the worker threads (if any were started) are stopped afterwards.
 * `onProgress` hears how many signatures were checked so far and how many were handed over.
 * With `eager`, the workers start at once (a large bundle, while it is still being parsed);
 * else on the first call of at least `threshold` jobs. If workers cannot start, the checks run
 * on this thread.
 */
export async function withSignatureChecker<T>(
  use: (check: VerifySignatures) => Promise<T>,
  options: {
    threshold?: number;
    /** Start the workers now, while the bundle is still being parsed (a large bundle). */
    eager?: boolean;
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<T> {
  const threshold = options.threshold ?? POOL_THRESHOLD;
  let pool: CryptoPool | undefined;
  let poolFailed = false;
  const startPool = (): CryptoPool | undefined => {
    if (pool === undefined && !poolFailed) {
      try {
        pool = new CryptoPool(poolSize());
      } catch {
        poolFailed = true;
      }
    }
    return pool;
  };
  if (options.eager === true) startPool();
  const keys = new Keys();
  let submitted = 0;
  let done = 0;

  const check: VerifySignatures = async (jobs) => {
    submitted += jobs.length;
    const results = new Array<boolean>(jobs.length).fill(false);
    const keyIds = new Int32Array(jobs.length);
    const valid: number[] = [];
    jobs.forEach((j, i) => {
      if (!isFast(j.keyType)) {
        results[i] = verifyWithNoble(j);
        return;
      }
      const key = keys.get(j.keyType, j.publicKey);
      // Both algorithms sign with exactly 64 bytes (RFC 8032 §5.1.6, RFC 9053 §2.1).
      if (!key.valid || j.signature.length !== 64) return;
      keyIds[i] = key.id;
      valid.push(i);
    });
    const workers = pool ?? (jobs.length >= threshold ? startPool() : undefined);
    if (workers === undefined) {
      for (const i of valid) {
        const key = keys.get(jobs[i]!.keyType, jobs[i]!.publicKey) as Key & { valid: true };
        results[i] = verifyHere(jobs[i]!, key) || recheck(jobs[i]!);
      }
      done += jobs.length;
      options.onProgress?.(done, submitted);
      return results;
    }
    workers.sendKeys(keys.fresh);
    const parts = Math.max(1, Math.min(workers.size, Math.ceil(valid.length / MIN_PIECE)));
    const size = Math.ceil(valid.length / parts);
    const pieces: Promise<void>[] = [];
    for (let start = 0; start < valid.length; start += size) {
      const positions = valid.slice(start, start + size);
      pieces.push(
        workers.run(pack(jobs, keyIds, positions), positions.length).then((answers) => {
          positions.forEach((p, k) => {
            results[p] = answers[k] === 1 || recheck(jobs[p]!);
          });
          done += positions.length;
          options.onProgress?.(done, submitted);
        }),
      );
    }
    await Promise.all(pieces);
    done += jobs.length - valid.length;
    options.onProgress?.(done, submitted);
    return results;
  };
  try {
    return await use(check);
  } finally {
    await pool?.close();
  }
}
