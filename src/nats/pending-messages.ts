/**
 * The messages of {@link JetStreamSource} whose handler promise is outstanding: how many (the
 * bound on pulling), a wait until there is room for more or until none is left (a clean stop),
 * and a way to tell the server that they are still being worked on (JetStream `+WPI`), so that
 * `ack_wait` does not expire under a slow commit.
 */
import type { JsMsg } from '@nats-io/jetstream';

/** Outstanding messages and the waits on them. */
export class PendingMessages {
  readonly #messages = new Set<JsMsg>();
  #idle: (() => void)[] = [];
  #room: (() => void)[] = [];

  /** Messages whose handler has not settled. */
  get size(): number {
    return this.#messages.size;
  }

  add(m: JsMsg): void {
    this.#messages.add(m);
  }

  /** The handler of `m` settled (its ack or NAK is sent): wakes the waits. */
  settle(m: JsMsg): void {
    this.#messages.delete(m);
    this.wake();
    if (this.#messages.size === 0) {
      const waiters = this.#idle;
      this.#idle = [];
      for (const w of waiters) w();
    }
  }

  /** Resolves at the next settle (or {@link wake}): the puller looks at the room again. */
  nextSettle(): Promise<void> {
    return new Promise<void>((r) => this.#room.push(r));
  }

  /** Wakes whoever waits in {@link nextSettle} (stop does, so that pulling ends). */
  wake(): void {
    const waiters = this.#room;
    this.#room = [];
    for (const w of waiters) w();
  }

  /** Resolves true once nothing is outstanding, or false after `timeoutMs`. */
  waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.#messages.size === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.#idle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Calls `touch` on each outstanding message (the source sends `working()` through it). */
  forEach(touch: (m: JsMsg) => void): void {
    for (const m of this.#messages) touch(m);
  }
}
