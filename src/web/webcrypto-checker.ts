/**
 * A reading-signature checker for `verifyBundleAsync` in the browser that checks through
 * WebCrypto where the browser has the algorithm (Ed25519 per Secure Curves in the Web
 * Cryptography API; ECDSA P-256 and P-384 per W3C Web Cryptography API §23.4, COSE's raw
 * `r ‖ s` as it comes, OCMF's DER turned into it), in Web Workers across the cores, with the
 * core's @noble code for the other curves and for a browser without them (found once per
 * worker by known-answer tests). Same verdicts as the core, job by job (`webcrypto-engine.ts`
 * says why). The workers start from a Blob of their bundled source text, so a page built into
 * one HTML file needs no second file and no network; where workers cannot start, the same
 * checks run on the page itself (WebCrypto is asynchronous there too).
 */
import type { VerifySignatures } from '../core/signature/index.ts';
import { SignatureEngine, type EngineStats } from './webcrypto-engine.ts';
import { packJobs, type WebCryptoCheck } from './webcrypto-jobs.ts';
import type {
  WebCryptoWorkerReady,
  WebCryptoWorkerRequest,
  WebCryptoWorkerResponse,
} from './webcrypto-worker.ts';

export type { WebCryptoCheck } from './webcrypto-jobs.ts';

/**
 * The worker's bundled source (`webcrypto-worker.ts` built as an IIFE), put in by the page
 * build with esbuild's `define`; absent when this module is bundled without it, and then
 * {@link WebCryptoCheckerOptions.workerSource} gives it, or the checks run on the page.
 */
declare const __WATTPROOF_WEBCRYPTO_WORKER__: string | undefined;

/** Jobs sent to a worker at a time: the grain of the progress and of the sharing. */
export const WEBCRYPTO_PIECE = 256;

/** Most workers started, whatever the number of cores. */
export const MAX_WEBCRYPTO_WORKERS = 8;

/** Settings of {@link createWebCryptoChecker}. */
export interface WebCryptoCheckerOptions {
  /** Web Workers to start; default `navigator.hardwareConcurrency` (at most 8); 0: none. */
  readonly workers?: number;
  /** Hears, after each piece, how many signatures were checked and how many handed over. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Check everything with @noble, never WebCrypto (the comparison path of the benchmark). */
  readonly nobleOnly?: boolean;
  /** The worker's bundled source; default the one the page build put in. */
  readonly workerSource?: string;
}

/** Who checked how many signatures, and where. */
export interface WebCryptoCheckerStats extends EngineStats {
  /** Workers that loaded and answered (0: the checks ran on the page). */
  readonly workers: number;
}

/** The checker: a {@link VerifySignatures} that also takes the curve of an OCMF check. */
export interface WebCryptoChecker {
  /** One verdict per job, in order; false (never a rejection) for a bad key or signature. */
  (jobs: readonly WebCryptoCheck[]): Promise<readonly boolean[]>;
  /** Stops the workers; checks still running reject. */
  close(): void;
  /** Counts so far. */
  stats(): WebCryptoCheckerStats;
}

/** The browser would not start or load a worker: the checks move to the page. */
class WorkersUnavailable extends Error {
  override readonly name = 'WorkersUnavailable';
}

interface Slot {
  readonly worker: Worker;
  /** Pieces sent and not answered. */
  busy: number;
  ready: boolean;
}

interface Piece {
  readonly jobs: readonly WebCryptoCheck[];
  readonly slot: Slot;
  readonly resolve: (results: readonly boolean[]) => void;
  readonly reject: (e: unknown) => void;
}

function injectedSource(): string | undefined {
  return typeof __WATTPROOF_WEBCRYPTO_WORKER__ === 'string'
    ? __WATTPROOF_WEBCRYPTO_WORKER__
    : undefined;
}

function defaultWorkers(): number {
  const cores = typeof navigator === 'undefined' ? 1 : (navigator.hardwareConcurrency ?? 1);
  return Math.max(1, Math.min(cores, MAX_WEBCRYPTO_WORKERS));
}

function verdicts(results: Uint8Array): boolean[] {
  return Array.from(results, (r) => r === 1);
}

/** The workers, started at once, or `undefined` when none could start. */
class WorkerPool {
  readonly #slots: Slot[] = [];
  readonly #pending = new Map<number, Piece>();
  readonly #url: string;
  readonly #nobleOnly: boolean;
  readonly #onStats: (s: EngineStats) => void;
  readonly #onUnavailable: (pieces: Piece[]) => void;
  #next = 0;
  #closed = false;

  constructor(
    source: string,
    size: number,
    nobleOnly: boolean,
    onStats: (s: EngineStats) => void,
    onUnavailable: (pieces: Piece[]) => void,
  ) {
    this.#nobleOnly = nobleOnly;
    this.#onStats = onStats;
    this.#onUnavailable = onUnavailable;
    this.#url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    try {
      for (let i = 0; i < size; i++) {
        const worker = new Worker(this.#url);
        const slot: Slot = { worker, busy: 0, ready: false };
        worker.onmessage = (e: MessageEvent<WebCryptoWorkerResponse | WebCryptoWorkerReady>) =>
          this.#message(slot, e.data);
        worker.onerror = (e) => {
          e.preventDefault();
          this.#fail(slot, e.message);
        };
        worker.onmessageerror = () => this.#fail(slot, 'a message could not be read');
        this.#slots.push(slot);
      }
    } catch (e) {
      this.close();
      throw new WorkersUnavailable(String(e), { cause: e });
    }
  }

  /** Workers that have loaded. */
  get ready(): number {
    return this.#slots.filter((s) => s.ready).length;
  }

  /** Checks `jobs` on the least busy worker. */
  check(jobs: readonly WebCryptoCheck[]): Promise<readonly boolean[]> {
    if (this.#closed) return Promise.reject(new Error('the signature checker is closed'));
    if (this.#slots.length === 0) return Promise.reject(new Error('every signature worker failed'));
    const slot = this.#slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    slot.busy++;
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { jobs, slot, resolve, reject });
      const buffer = packJobs(jobs);
      const request: WebCryptoWorkerRequest = { id, buffer, nobleOnly: this.#nobleOnly };
      slot.worker.postMessage(request, [buffer]);
    });
  }

  close(): void {
    this.#closed = true;
    for (const s of this.#slots) s.worker.terminate();
    this.#slots.length = 0;
    URL.revokeObjectURL(this.#url);
    const pieces = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pieces) p.reject(new Error('the signature checker was closed'));
  }

  #message(slot: Slot, m: WebCryptoWorkerResponse | WebCryptoWorkerReady): void {
    if ('ready' in m) {
      slot.ready = true;
      return;
    }
    const p = this.#pending.get(m.id);
    if (p === undefined) return;
    this.#pending.delete(m.id);
    slot.busy--;
    if ('error' in m) {
      p.reject(new Error(`signature worker failed: ${m.error}`));
      return;
    }
    this.#onStats(m.stats);
    p.resolve(verdicts(m.results));
  }

  #fail(slot: Slot, message: string): void {
    if (this.#closed) return;
    const mine = [...this.#pending].filter(([, p]) => p.slot === slot);
    for (const [id] of mine) this.#pending.delete(id);
    if (!slot.ready) {
      // It never loaded (a blocked blob: URL, no worker support): not a failure of the checks.
      const rest = [...this.#pending.values()];
      this.#pending.clear();
      this.close();
      this.#onUnavailable([...mine.map(([, p]) => p), ...rest]);
      return;
    }
    // A worker that failed while checking fails its checks (the checker failed, not the
    // bundle) and gets no more.
    const at = this.#slots.indexOf(slot);
    if (at < 0) return;
    slot.worker.terminate();
    this.#slots.splice(at, 1);
    for (const [, p] of mine) p.reject(new Error(`signature worker failed: ${message}`));
  }
}

/**
 * Creates the checker, starting its workers now (`options.workers`, default one per core):
 * hand it to `verifyBundleAsync`, then `close()` it. Every chunk the verifier hands over is
 * split into pieces of {@link WEBCRYPTO_PIECE} jobs shared among the workers, each piece one
 * transferred buffer. Without a worker source, without `Worker`, or when the browser refuses
 * to load the worker, the same checks run on the page. A worker that fails after it loaded
 * rejects the checks it held (the checker failed, not the bundle).
 */
export function createWebCryptoChecker(
  options: WebCryptoCheckerOptions = {},
): VerifySignatures & WebCryptoChecker {
  const source = options.workerSource ?? injectedSource();
  const nobleOnly = options.nobleOnly === true;
  const size = options.workers ?? defaultWorkers();
  if (!Number.isInteger(size) || size < 0) throw new RangeError('workers must be an integer ≥ 0');
  const totals = { webcrypto: 0, noble: 0 };
  const add = (s: EngineStats): void => {
    totals.webcrypto += s.webcrypto;
    totals.noble += s.noble;
  };
  let here: SignatureEngine | undefined;
  const onPage = async (jobs: readonly WebCryptoCheck[]): Promise<readonly boolean[]> => {
    here ??= new SignatureEngine({ webCrypto: !nobleOnly });
    const { results, stats } = await here.check(packJobs(jobs));
    add(stats);
    return verdicts(results);
  };
  let pool: WorkerPool | undefined;
  if (source !== undefined && size > 0 && typeof Worker !== 'undefined') {
    try {
      pool = new WorkerPool(source, size, nobleOnly, add, (pieces) => {
        pool = undefined;
        for (const p of pieces) onPage(p.jobs).then(p.resolve, p.reject);
      });
    } catch (e) {
      if (!(e instanceof WorkersUnavailable)) throw e;
    }
  }

  let submitted = 0;
  let done = 0;
  let closed = false;
  const piece = async (jobs: readonly WebCryptoCheck[]): Promise<readonly boolean[]> => {
    const results = await (pool !== undefined ? pool.check(jobs) : onPage(jobs));
    done += jobs.length;
    options.onProgress?.(done, submitted);
    return results;
  };
  const check = async (jobs: readonly WebCryptoCheck[]): Promise<readonly boolean[]> => {
    if (closed) throw new Error('the signature checker is closed');
    submitted += jobs.length;
    options.onProgress?.(done, submitted);
    const pieces: Promise<readonly boolean[]>[] = [];
    for (let i = 0; i < jobs.length; i += WEBCRYPTO_PIECE) {
      pieces.push(piece(jobs.slice(i, i + WEBCRYPTO_PIECE)));
    }
    return (await Promise.all(pieces)).flat();
  };
  return Object.assign(check, {
    close: (): void => {
      closed = true;
      pool?.close();
      pool = undefined;
    },
    stats: (): WebCryptoCheckerStats => ({ ...totals, workers: pool?.ready ?? 0 }),
  });
}
