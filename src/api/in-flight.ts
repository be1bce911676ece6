/**
 * A cap on expensive requests being served at once (docs/api.md §Limits): at most N per token
 * and M in all. Beyond them a request is refused at once — 429 `TOO_MANY_IN_FLIGHT` for one
 * token's share (RFC 6585 §4), 503 `SERVER_BUSY` for the node's (RFC 9110 §15.6.4) — with
 * `Retry-After`, rather than queued: a queue of abandoned requests is what the cap prevents.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './errors.ts';

/** How many requests of a kind may run at once. */
export interface InFlightLimits {
  /** Per token (or per client address for a route without one). */
  readonly perKey: number;
  /** In all. */
  readonly total: number;
}

/** Seconds a refused client is told to wait (`Retry-After`). */
export const IN_FLIGHT_RETRY_AFTER_SECONDS = 2;

/** Counts the requests of one kind being served, per key and in all. */
export class InFlightLimiter {
  readonly #byKey = new Map<string, number>();
  #total = 0;
  #served = 0;
  #refused = 0;
  #abandoned = 0;

  /** `what` names the kind in refusals, e.g. `bundle requests`. */
  constructor(
    readonly what: string,
    readonly limits: InFlightLimits,
  ) {
    for (const [name, v] of Object.entries(limits)) {
      if (!Number.isSafeInteger(v) || v < 1) {
        throw new RangeError(`InFlightLimiter: ${name} must be a positive whole number, got ${v}`);
      }
    }
  }

  /** Requests being served now. */
  get active(): number {
    return this.#total;
  }

  /**
   * Since start: requests let in (`served`), refused for want of a slot (`refused`), and
   * let in but abandoned by their client before the answer was complete (`abandoned`).
   */
  get stats(): { readonly served: number; readonly refused: number; readonly abandoned: number } {
    return { served: this.#served, refused: this.#refused, abandoned: this.#abandoned };
  }

  /**
   * Takes a slot for `key`, or throws {@link ApiError} `TOO_MANY_IN_FLIGHT` (the key has its
   * share) or `SERVER_BUSY` (all slots are taken). The returned function gives the slot back;
   * calling it again does nothing.
   */
  acquire(key: string): () => void {
    const mine = this.#byKey.get(key) ?? 0;
    if (mine >= this.limits.perKey) {
      this.#refused++;
      throw new ApiError(
        'TOO_MANY_IN_FLIGHT',
        `at most ${this.limits.perKey} ${this.what} at a time per token; wait for the one running to finish`,
        { evidence: { limit: this.limits.perKey } },
      );
    }
    if (this.#total >= this.limits.total) {
      this.#refused++;
      throw new ApiError(
        'SERVER_BUSY',
        `the node serves at most ${this.limits.total} ${this.what} at a time; retry in ${IN_FLIGHT_RETRY_AFTER_SECONDS} s`,
        { evidence: { limit: this.limits.total } },
      );
    }
    this.#byKey.set(key, mine + 1);
    this.#total++;
    this.#served++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#total--;
      const n = (this.#byKey.get(key) ?? 1) - 1;
      if (n === 0) this.#byKey.delete(key);
      else this.#byKey.set(key, n);
    };
  }

  /**
   * Takes a slot for `request` (keyed by `key`) until its response is finished or its
   * connection closes; sets `Retry-After` on `reply` when refused. Returns an `AbortSignal`
   * that fires when the client goes away before the response is complete.
   */
  hold(request: FastifyRequest, reply: FastifyReply, key: string): AbortSignal {
    let release: () => void;
    try {
      release = this.acquire(key);
    } catch (e) {
      reply.header('retry-after', String(IN_FLIGHT_RETRY_AFTER_SECONDS));
      throw e;
    }
    const abort = new AbortController();
    const res = reply.raw;
    const gone = (): void => {
      if (!res.writableFinished && !abort.signal.aborted) {
        this.#abandoned++;
        abort.abort(new Error('the client closed the connection'));
      }
      release();
    };
    res.once('finish', release);
    res.once('close', gone);
    // Closed before the slot was taken (the client hung up during the body): no event follows.
    if (request.raw.socket?.destroyed === true) gone();
    return abort.signal;
  }
}
