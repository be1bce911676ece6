/**
 * Anchoring a node's checkpoints in the background (docs/witnessing-and-anchors.md §Anchors in
 * the node and in bundles). Each configured {@link Anchor} has its own worker: it anchors the
 * newest log-signed checkpoint when the tree grew past the size it last anchored and at least
 * `intervalSeconds` passed since its last success (0: as soon as there is a new checkpoint;
 * checkpoints that arrive while an anchor is in flight are folded into the next one). Failures
 * are retried with capped exponential back-off and logged; the records go to the
 * {@link AnchorStore} with the checkpoint note they anchor. Nothing here ever holds up an
 * append or the node's shutdown: `submit` only records the newest checkpoint, and `close`
 * aborts in-flight anchors without waiting for them.
 */
import { fromBase64, toBase64 } from '../src/core/bytes.ts';
import { isWattproofError } from '../src/core/errors.ts';
import { parseCheckpoint, splitNote } from '../src/core/note/index.ts';
import { describeError, silentLogger, type Logger } from '../src/logger.ts';
import {
  AnchorError,
  type Anchor,
  type AnchoredCheckpoint,
  type AnchorRecordJson,
} from './anchor.ts';
import type { AnchorStore } from './store.ts';

/** How to build an {@link AnchorRunner}. */
export interface AnchorRunnerOptions {
  /** The anchors, at most one per record type. */
  readonly anchors: readonly Anchor[];
  readonly store: AnchorStore;
  /** Least time between two successes of one anchor, seconds (default 60; 0 = every checkpoint). */
  readonly intervalSeconds?: number;
  /** First retry delay after a failure, ms (default 1 000); doubles up to `maxBackoffMs`. */
  readonly initialBackoffMs?: number;
  /** Longest retry delay, ms (default 300 000). */
  readonly maxBackoffMs?: number;
  /** How long one anchor call may take before it is aborted, ms (default 120 000). */
  readonly timeoutMs?: number;
  /** Where failures and successes are logged (default: silent). */
  readonly logger?: Logger;
  /** Clock, ms (tests). */
  readonly now?: () => number;
}

/** One anchor's state, for metrics and reports. */
export interface AnchorHealth {
  readonly type: string;
  readonly name: string;
  /** Anchors obtained and stored since start. */
  readonly successes: number;
  /** Failed attempts since start. */
  readonly failures: number;
  /** Failed attempts since the last success. */
  readonly consecutiveFailures: number;
  /** Tree size of the newest stored record (0 when none). */
  readonly lastSize: number;
  /** The newest stored record's attested time, Unix seconds (0 when none). */
  readonly lastTime: number;
  /** Code of the last failure since the last success, if any. */
  readonly lastError: string | undefined;
}

/** What one attempt came to, for listeners (metrics). */
export type AnchorAttempt =
  | { readonly ok: true; readonly type: string; readonly size: number }
  | { readonly ok: false; readonly type: string; readonly size: number; readonly code: string };

interface Target {
  readonly size: number;
  readonly note: string;
  readonly cp: AnchoredCheckpoint;
}

interface Worker {
  readonly anchor: Anchor;
  successes: number;
  failures: number;
  consecutive: number;
  lastSize: number;
  lastTime: number;
  /** Wall-clock ms of the last success (of this process or, after a restart, the stored one). */
  lastSuccessAt: number | undefined;
  lastError: string | undefined;
  loop: Promise<void> | undefined;
  wake: (() => void) | undefined;
  /** Waiting out the interval (a new checkpoint re-checks the clock) rather than a back-off. */
  waitingForInterval: boolean;
}

/** Parses a log-signed checkpoint note into what an anchor commits to. */
function target(note: string): Target {
  const cp = parseCheckpoint(splitNote(note).text);
  return { size: cp.size, note, cp: { origin: cp.origin, size: cp.size, root: cp.root } };
}

/** Resolves or rejects with `p`, or rejects as soon as `signal` aborts. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void =>
      reject(
        new AnchorError('ANCHOR_UNAVAILABLE', `aborted: ${describeError(signal.reason)}`, {
          cause: signal.reason,
        }),
      );
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function checkRecord(record: AnchorRecordJson, anchor: Anchor, t: Target): void {
  let root: Uint8Array | undefined;
  try {
    root = fromBase64(String(record.root));
  } catch {
    root = undefined;
  }
  if (
    record.type !== anchor.type ||
    record.origin !== t.cp.origin ||
    record.size !== t.size ||
    root === undefined ||
    toBase64(root) !== toBase64(t.cp.root) ||
    typeof record.time !== 'number'
  ) {
    throw new AnchorError(
      'ANCHOR_WRONG_CHECKPOINT',
      `${anchor.name} returned a record of another checkpoint or type`,
      { evidence: { type: record.type, size: record.size, root: record.root } },
    );
  }
}

/** Anchors the newest checkpoint with each configured anchor, in the background. */
export class AnchorRunner {
  private readonly workers: Worker[];
  private readonly listeners = new Set<(a: AnchorAttempt) => void>();
  private readonly closing = new AbortController();
  private latest: Target | undefined;
  private started = false;
  private closed = false;

  constructor(private readonly options: AnchorRunnerOptions) {
    const types = options.anchors.map((a) => a.type);
    if (new Set(types).size !== types.length) {
      throw new AnchorError('ANCHOR_CONFIG', `one anchor per type, got ${types.join(', ')}`);
    }
    const interval = options.intervalSeconds ?? 60;
    if (!Number.isFinite(interval) || interval < 0) {
      throw new AnchorError('ANCHOR_CONFIG', `the anchor interval must be ≥ 0, got ${interval}`);
    }
    this.workers = options.anchors.map((anchor) => ({
      anchor,
      successes: 0,
      failures: 0,
      consecutive: 0,
      lastSize: 0,
      lastTime: 0,
      lastSuccessAt: undefined,
      lastError: undefined,
      loop: undefined,
      wake: undefined,
      waitingForInterval: false,
    }));
  }

  /**
   * Loads each anchor's newest stored record (so a restart neither re-anchors an anchored size
   * nor anchors again before the interval has passed since it), then takes checkpoints.
   */
  async start(): Promise<void> {
    for (const w of this.workers) {
      const last = await this.options.store.latest(w.anchor.type);
      if (last !== undefined) {
        w.lastSize = last.record.size;
        w.lastTime = last.record.time;
        w.lastSuccessAt = Math.min(this.now(), last.record.time * 1000);
      }
    }
    this.started = true;
    if (this.latest !== undefined) this.poke();
  }

  /**
   * Takes a new log-signed checkpoint note. Never throws and never waits: an unparsable note
   * is logged and ignored, an older one than already known is ignored.
   */
  submit(note: string | Uint8Array): void {
    if (this.closed) return;
    let t: Target;
    try {
      t = target(typeof note === 'string' ? note : new TextDecoder().decode(note));
    } catch (e) {
      this.logger.warn(`ignoring an unparsable checkpoint: ${describeError(e)}`);
      return;
    }
    if (this.latest !== undefined && t.size <= this.latest.size) return;
    this.latest = t;
    if (this.started) this.poke();
  }

  /** Calls `listener` after every attempt. Returns an unsubscribe function. */
  onAttempt(listener: (a: AnchorAttempt) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Each anchor's counters and newest record. */
  health(): AnchorHealth[] {
    return this.workers.map((w) => ({
      type: w.anchor.type,
      name: w.anchor.name,
      successes: w.successes,
      failures: w.failures,
      consecutiveFailures: w.consecutive,
      lastSize: w.lastSize,
      lastTime: w.lastTime,
      lastError: w.lastError,
    }));
  }

  /**
   * Stops: aborts in-flight anchor calls (their results are dropped), cancels waits, and
   * resolves once no worker can write to the store any more.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort(new Error('the anchor runner is closing'));
    for (const w of this.workers) w.wake?.();
    await Promise.all(this.workers.map((w) => w.loop));
  }

  private get logger(): Logger {
    return this.options.logger ?? silentLogger;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private poke(): void {
    for (const w of this.workers) {
      if (w.loop === undefined) {
        w.loop = this.run(w).finally(() => {
          w.loop = undefined;
        });
      } else if (w.waitingForInterval) {
        w.wake?.();
      }
    }
  }

  private sleep(w: Worker, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        w.wake = undefined;
        resolve();
      }
      w.wake = done;
    });
  }

  private async run(w: Worker): Promise<void> {
    const intervalMs = (this.options.intervalSeconds ?? 60) * 1000;
    while (!this.closed) {
      const t = this.latest;
      if (t === undefined || t.size <= w.lastSize) return;
      if (w.lastSuccessAt !== undefined) {
        const wait = w.lastSuccessAt + intervalMs - this.now();
        if (wait > 0) {
          w.waitingForInterval = true;
          await this.sleep(w, wait);
          w.waitingForInterval = false;
          continue;
        }
      }
      const ok = await this.attempt(w, t);
      if (!ok && !this.closed) {
        const base = this.options.initialBackoffMs ?? 1000;
        const cap = this.options.maxBackoffMs ?? 300_000;
        await this.sleep(w, Math.min(cap, base * 2 ** Math.min(w.consecutive - 1, 30)));
      }
    }
  }

  /** One anchor call and its store write; false after a failure (counted and logged). */
  private async attempt(w: Worker, t: Target): Promise<boolean> {
    const { anchor } = w;
    const signal = AbortSignal.any([
      this.closing.signal,
      AbortSignal.timeout(this.options.timeoutMs ?? 120_000),
    ]);
    try {
      const record = await untilAborted(anchor.anchor(t.cp, signal), signal);
      if (this.closed) return true;
      checkRecord(record, anchor, t);
      await this.options.store.put({ checkpoint: t.note, record });
      if (w.successes === 0 || w.consecutive > 0) {
        // Logged on the first success and on recovery only, not once per interval.
        this.logger.info(`${anchor.name} anchored tree size ${t.size}`);
      }
      w.successes++;
      w.consecutive = 0;
      w.lastError = undefined;
      w.lastSize = t.size;
      w.lastTime = record.time;
      w.lastSuccessAt = this.now();
      this.emit({ ok: true, type: anchor.type, size: t.size });
      return true;
    } catch (e) {
      if (this.closed) return true;
      const code = isWattproofError(e) ? e.code : 'UNEXPECTED';
      w.failures++;
      w.consecutive++;
      w.lastError = code;
      this.logger.warn(
        `${anchor.name} failed to anchor tree size ${t.size} (attempt ${w.consecutive}): ${describeError(e)}`,
      );
      this.emit({ ok: false, type: anchor.type, size: t.size, code });
      return false;
    }
  }

  private emit(a: AnchorAttempt): void {
    for (const l of this.listeners) {
      try {
        l(a);
      } catch {
        // A listener's failure must not stop anchoring.
      }
    }
  }
}
