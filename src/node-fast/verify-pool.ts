/**
 * The ingest node's signature verifier: {@link VerifyPool}, `node:crypto` on worker threads
 * across every core (DESIGN decision 9: OpenSSL is the server's fast path). It gives the
 * verdicts of the core's pure `NobleVerifier` (`src/core/signature/`), check by check (tested
 * differentially).
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SignatureCheck, SignatureVerifier } from '../core/signature/index.ts';
import {
  encodeChunk,
  KeyCache,
  VERIFY_WORKER_MARK,
  VERIFY_WORKER_READY,
  verifyInThread,
  type VerifyRequest,
  type VerifyResponse,
} from './verify-worker.ts';

/** Settings of a {@link VerifyPool}. */
export interface VerifyPoolOptions {
  /** Worker threads; default `os.availableParallelism()`. */
  readonly workers?: number;
  /** Smallest chunk sent to one worker (smaller batches use fewer workers); default 32. */
  readonly minChunk?: number;
  /** Where failures are reported; default `console.error`. */
  readonly logger?: { error(message: string, error?: unknown): void };
  /**
   * The worker script; default `verify-worker.ts` next to this file, or `verify-worker.js` next
   * to the chunk of the prebuilt command line this runs from (tests substitute one).
   */
  readonly workerUrl?: URL;
}

interface Task {
  readonly id: number;
  readonly checks: readonly SignatureCheck[];
  retried: boolean;
  readonly resolve: (results: Uint8Array) => void;
  readonly reject: (e: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, Task>;
  /** Checks sent and not answered. */
  load: number;
  /** The worker loaded its module (it posts `ready` first). */
  ready: boolean;
  exited: boolean;
}

/** Consecutive workers that die before answering anything before the pool stops spawning. */
const MAX_STARTUP_FAILURES = 3;

/** tsx's ESM registration API (`tsx/esm/api`, import condition), as a file URL. */
function tsxEsmApi(): string {
  const resolve = (import.meta as { resolve?: (specifier: string) => string }).resolve;
  if (typeof resolve === 'function') return resolve('tsx/esm/api');
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  return pathToFileURL(join(dirname(pkg), 'dist/esm/api/index.mjs')).href;
}

/**
 * `verify-worker.ts` beside this source file; in the prebuilt command line (scripts/build-cli.ts,
 * one flat folder) this module is part of a `.js` chunk and the worker is `verify-worker.js`.
 */
function defaultWorkerUrl(): URL {
  const here = import.meta.url;
  return new URL(here.endsWith('.ts') ? './verify-worker.ts' : './verify-worker.js', here);
}

/**
 * How to start a worker on `url`. A `.ts` worker needs tsx inside the worker thread, and on
 * Node 20 `execArgv: ['--import', 'tsx']` does not reach a worker's entry module; so the worker
 * starts from a one-line bootstrap that registers tsx's loader, then imports the file. This
 * works under `node --import tsx` and under vitest alike.
 */
function workerEntry(url: URL): { script: URL | string; eval: boolean } {
  if (!url.pathname.endsWith('.ts')) return { script: url, eval: false };
  const api = JSON.stringify(tsxEsmApi());
  return {
    script: `import(${api}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`,
    eval: true,
  };
}

/**
 * A `node:crypto` {@link SignatureVerifier} on worker threads. A batch is split into one
 * chunk per worker (each chunk one transferred buffer); a worker that dies is replaced and its
 * chunk retried once, then answered `false` with an error logged. If workers cannot start at
 * all, checks run on the calling thread instead.
 */
export class VerifyPool implements SignatureVerifier {
  readonly #minChunk: number;
  readonly #log: { error(message: string, error?: unknown): void };
  readonly #entry: { script: URL | string; eval: boolean };
  readonly #slots: Slot[] = [];
  #nextId = 1;
  #startupFailures = 0;
  #inThread: KeyCache | undefined;
  #closed = false;

  constructor(options: VerifyPoolOptions = {}) {
    const size = options.workers ?? availableParallelism();
    if (!Number.isInteger(size) || size < 1) throw new RangeError('workers must be ≥ 1');
    this.#minChunk = Math.max(1, options.minChunk ?? 32);
    this.#log = options.logger ?? { error: (m, e) => console.error(`[verify] ${m}`, e ?? '') };
    this.#entry = workerEntry(options.workerUrl ?? defaultWorkerUrl());
    for (let i = 0; i < size; i++) this.#spawn();
  }

  /** Worker threads currently running. */
  get workers(): number {
    return this.#slots.length;
  }

  /** One verdict per check, in order; malformed input is `false`. */
  async verifyBatch(checks: readonly SignatureCheck[]): Promise<boolean[]> {
    if (this.#closed) throw new Error('VerifyPool is closed');
    const n = checks.length;
    if (n === 0) return [];
    if (this.#inThread !== undefined) return verifyInThread(checks, this.#inThread);
    const parts = Math.max(1, Math.min(this.#slots.length, Math.ceil(n / this.#minChunk)));
    const size = Math.ceil(n / parts);
    const chunks: Promise<Uint8Array>[] = [];
    for (let start = 0; start < n; start += size) {
      chunks.push(this.#run(checks.slice(start, start + size)));
    }
    const out: boolean[] = new Array<boolean>(n);
    let i = 0;
    for (const results of await Promise.all(chunks)) {
      for (const r of results) out[i++] = r === 1;
    }
    return out;
  }

  /** Terminates the workers; batches still running reject. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const slots = this.#slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
    for (const s of slots) {
      for (const t of s.pending.values()) t.reject(new Error('VerifyPool closed'));
    }
  }

  #run(checks: readonly SignatureCheck[]): Promise<Uint8Array> {
    return new Promise<Uint8Array>((resolve, reject) => {
      this.#dispatch({ id: this.#nextId++, checks, retried: false, resolve, reject });
    });
  }

  #dispatch(task: Task): void {
    if (this.#inThread !== undefined) {
      const results = verifyInThread(task.checks, this.#inThread);
      task.resolve(Uint8Array.from(results, (r) => (r ? 1 : 0)));
      return;
    }
    let slot = this.#slots[0]!;
    for (const s of this.#slots) if (s.load < slot.load) slot = s;
    if (slot.load === 0) slot.worker.ref();
    slot.pending.set(task.id, task);
    slot.load += task.checks.length;
    const buffer = encodeChunk(task.checks);
    const request: VerifyRequest = { id: task.id, buffer };
    slot.worker.postMessage(request, [buffer]);
  }

  #spawn(): void {
    const worker = new Worker(this.#entry.script, {
      eval: this.#entry.eval,
      workerData: VERIFY_WORKER_MARK,
      execArgv: [],
    });
    const slot: Slot = { worker, pending: new Map(), load: 0, ready: false, exited: false };
    worker.unref();
    worker.on('message', (res: VerifyResponse | typeof VERIFY_WORKER_READY) => {
      if (res === VERIFY_WORKER_READY) {
        slot.ready = true;
        this.#startupFailures = 0;
        return;
      }
      const task = slot.pending.get(res.id);
      if (task === undefined) return;
      slot.pending.delete(res.id);
      slot.load -= task.checks.length;
      if (slot.load === 0) worker.unref();
      task.resolve(res.results);
    });
    worker.on('error', (e) => this.#onDeath(slot, e));
    worker.on('exit', (code) => this.#onDeath(slot, new Error(`worker exited with code ${code}`)));
    this.#slots.push(slot);
  }

  #onDeath(slot: Slot, cause: Error): void {
    if (slot.exited || this.#closed) return;
    slot.exited = true;
    void slot.worker.terminate();
    this.#slots.splice(this.#slots.indexOf(slot), 1);
    if (!slot.ready) this.#startupFailures++;
    if (this.#startupFailures >= MAX_STARTUP_FAILURES && this.#slots.length === 0) {
      this.#log.error(
        `signature workers keep dying before answering; verifying on the main thread instead`,
        cause,
      );
      this.#inThread = new KeyCache();
    } else if (this.#startupFailures < MAX_STARTUP_FAILURES) {
      this.#spawn();
    }
    for (const task of slot.pending.values()) {
      // A worker that died before it was ready failed to start: its chunks did not crash it.
      if (!slot.ready || !task.retried) {
        if (slot.ready) task.retried = true;
        this.#dispatch(task);
      } else {
        this.#log.error(
          `signature worker died twice on a chunk of ${task.checks.length} checks; answering false`,
          cause,
        );
        task.resolve(new Uint8Array(task.checks.length));
      }
    }
  }
}
