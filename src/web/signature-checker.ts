/**
 * The page's reading-signature checker for `verifyBundleAsync` (docs/verifier.md): one small
 * module with one export, so that the way signatures are checked (today the core's @noble
 * Ed25519 and P-256 in Web Workers, one per core; the main thread in slices when workers are
 * not available) can change without touching the page.
 */
import type { SignatureChecker, SignatureJob } from '../core/bundle/index.ts';
import { checkJobs, type JobData } from './check-jobs.ts';
import type { WorkerRequest, WorkerResponse } from './signature-worker.ts';

/**
 * The worker's bundled source, put in by the page build (`build-page.ts`, esbuild `define`);
 * absent when this module is bundled without it, and then the checks run on the main thread.
 */
declare const __WATTPROOF_SIGNATURE_WORKER__: string | undefined;

/** Jobs a worker (or a main-thread slice) checks at a time: the grain of the progress. */
export const PIECE = 128;

/** Most workers started, whatever the number of cores. */
export const MAX_WORKERS = 8;

/** Idle workers are stopped after this many milliseconds without work. */
const IDLE_MS = 5_000;

/** The browser would not start (or load) the workers: the checks move to the main thread. */
class WorkersUnavailable extends Error {
  override readonly name = 'WorkersUnavailable';
}

interface Pending {
  readonly resolve: (results: readonly boolean[]) => void;
  readonly reject: (e: unknown) => void;
}

function workerSource(): string | undefined {
  return typeof __WATTPROOF_SIGNATURE_WORKER__ === 'string'
    ? __WATTPROOF_SIGNATURE_WORKER__
    : undefined;
}

function data(j: SignatureJob): JobData {
  return { alg: j.alg, publicKey: j.publicKey, message: j.message, signature: j.signature };
}

/** A pool of signature workers, started on first use, stopped when idle. */
class WorkerPool {
  readonly #source: string;
  readonly #size: number;
  #workers: { worker: Worker; busy: number; answered: boolean }[] = [];
  readonly #pending = new Map<number, Pending & { worker: Worker }>();
  #next = 0;
  #idle: ReturnType<typeof setTimeout> | undefined;

  constructor(source: string, size: number) {
    this.#source = source;
    this.#size = size;
  }

  /** Starts the workers; throws when the browser refuses (then the caller checks here). */
  #start(): void {
    if (this.#workers.length > 0) return;
    const url = URL.createObjectURL(new Blob([this.#source], { type: 'text/javascript' }));
    try {
      for (let i = 0; i < this.#size; i++) {
        const worker = new Worker(url);
        worker.onmessage = (e: MessageEvent<WorkerResponse>) => this.#answer(worker, e.data);
        worker.onerror = (e) => this.#fail(worker, e.message);
        this.#workers.push({ worker, busy: 0, answered: false });
      }
    } catch (e) {
      this.#stop();
      throw new WorkersUnavailable(String(e), { cause: e });
    } finally {
      URL.revokeObjectURL(url);
    }
  }

  #answer(worker: Worker, r: WorkerResponse): void {
    const p = this.#pending.get(r.id);
    if (p === undefined) return;
    this.#pending.delete(r.id);
    const w = this.#workers.find((x) => x.worker === worker);
    if (w !== undefined) {
      w.busy--;
      w.answered = true;
    }
    p.resolve(r.results);
    this.#maybeIdle();
  }

  #fail(worker: Worker, message: string): void {
    // A worker that never answered did not load: not a failure of the checks.
    const loaded = this.#workers.find((x) => x.worker === worker)?.answered === true;
    const e = loaded
      ? new Error(`signature worker failed: ${message}`)
      : new WorkersUnavailable(message);
    for (const [id, p] of this.#pending) {
      if (p.worker !== worker) continue;
      this.#pending.delete(id);
      p.reject(e);
    }
    this.#stop();
  }

  #maybeIdle(): void {
    if (this.#pending.size > 0) return;
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => {
      if (this.#pending.size === 0) this.#stop();
    }, IDLE_MS);
  }

  #stop(): void {
    for (const w of this.#workers) w.worker.terminate();
    this.#workers = [];
  }

  /** Checks `jobs` on the least busy worker. */
  check(jobs: readonly JobData[]): Promise<readonly boolean[]> {
    clearTimeout(this.#idle);
    this.#start();
    const w = this.#workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    w.busy++;
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, worker: w.worker });
      const request: WorkerRequest = { id, jobs };
      w.worker.postMessage(request);
    });
  }
}

/** Checks `jobs` on the main thread in slices, yielding between them so the page can draw. */
async function checkHere(
  jobs: readonly JobData[],
  onSlice: (n: number) => void,
): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < jobs.length; i += PIECE) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    const slice = checkJobs(jobs.slice(i, i + PIECE));
    out.push(...slice);
    onSlice(slice.length);
  }
  return out;
}

/**
 * A {@link SignatureChecker} for the browser: every chunk the verifier hands over is split in
 * pieces of {@link PIECE} jobs, checked by Web Workers (one per core, at most
 * {@link MAX_WORKERS}) or, where workers cannot start, on the main thread between frames.
 * `onProgress` hears, after each piece, how many signatures were checked and how many were
 * handed over so far. Same verdicts as the core's own checks: the same @noble code runs.
 */
export function createBrowserChecker(
  onProgress?: (done: number, total: number) => void,
): SignatureChecker {
  const source = workerSource();
  const cores = typeof navigator === 'undefined' ? 1 : (navigator.hardwareConcurrency ?? 1);
  let pool =
    source !== undefined && typeof Worker !== 'undefined'
      ? new WorkerPool(source, Math.max(1, Math.min(cores, MAX_WORKERS)))
      : undefined;
  let submitted = 0;
  let done = 0;
  const advance = (n: number): void => {
    done = Math.min(done + n, submitted);
    onProgress?.(done, submitted);
  };
  return async (jobs) => {
    const work = jobs.map(data);
    submitted += work.length;
    onProgress?.(done, submitted);
    if (pool !== undefined) {
      try {
        const pieces: Promise<readonly boolean[]>[] = [];
        for (let i = 0; i < work.length; i += PIECE) {
          const piece = work.slice(i, i + PIECE);
          pieces.push(pool.check(piece).then((r) => (advance(piece.length), r)));
        }
        return (await Promise.all(pieces)).flat();
      } catch (e) {
        // A browser that refuses workers gets the main thread instead (the chunk is checked
        // again there); a worker that failed while checking fails the verification.
        if (!(e instanceof WorkersUnavailable)) throw e;
        pool = undefined;
      }
    }
    return checkHere(work, advance);
  };
}
