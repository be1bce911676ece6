/**
 * Handler promises outstanding in a transport: a count, and a way to wait until it reaches
 * zero (bounded), for a clean stop.
 */
export class InFlight {
  #count = 0;
  #idle: (() => void)[] = [];

  /** Promises not yet settled. */
  get size(): number {
    return this.#count;
  }

  /** One more promise outstanding. */
  add(): void {
    this.#count++;
  }

  /** One promise settled. */
  done(): void {
    this.#count--;
    if (this.#count === 0) {
      const waiters = this.#idle;
      this.#idle = [];
      for (const w of waiters) w();
    }
  }

  /** Resolves true once nothing is outstanding, or false after `timeoutMs`. */
  waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.#count === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.#idle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
