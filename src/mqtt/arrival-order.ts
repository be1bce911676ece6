/**
 * Acknowledgements in arrival order. MQTT requires a receiver to send PUBACK packets in the
 * order in which the PUBLISH packets arrived (MQTT 5 §4.6, 3.1.1 §4.6), while the handler's
 * promises may settle in any order. Each arrival takes a slot; a settled slot is released only
 * once every earlier slot has been released.
 */

/** One arrival's place in the queue. */
export interface ArrivalSlot<K, V> {
  /** What the releaser needs to acknowledge it (a packet id, an aedes callback). */
  readonly key: K;
  /** Marks the arrival as done with `value`; released once all earlier ones are. */
  succeed(value: V): void;
  /** Marks the arrival as failed: it is never acknowledged, and neither is anything after it. */
  fail(): void;
}

const PENDING = 0;
const DONE = 1;
const FAILED = 2;

interface Entry<K, V> {
  key: K;
  state: typeof PENDING | typeof DONE | typeof FAILED;
  value: V | undefined;
}

/** What happens to slots as they reach the head of the queue. */
export interface ArrivalOrderHandlers<K, V> {
  /** Called, in arrival order, for each successful slot whose predecessors are all released. */
  release(key: K, value: V): void;
  /**
   * Called once, when a failed slot reaches the head: acknowledging stops there. Every slot
   * still queued, and every slot added later, is passed to {@link drop} instead.
   */
  broken(key: K): void;
  /** Called for each slot that can no longer be acknowledged after the queue broke. */
  drop(key: K): void;
}

/**
 * A FIFO of arrivals that releases acknowledgements strictly in arrival order. After the first
 * failure reaches the head, nothing more is released (MQTT offers no way to skip a PUBACK): the
 * transport must drop the connection so that the broker redelivers.
 */
export class ArrivalOrder<K, V> {
  readonly #handlers: ArrivalOrderHandlers<K, V>;
  #queue: Entry<K, V>[] = [];
  #head = 0;
  #broken = false;

  constructor(handlers: ArrivalOrderHandlers<K, V>) {
    this.#handlers = handlers;
  }

  /** Slots taken and not yet released or dropped. */
  get size(): number {
    return this.#queue.length - this.#head;
  }

  /** True once a failure reached the head. */
  get broken(): boolean {
    return this.#broken;
  }

  /** Takes the next slot. */
  add(key: K): ArrivalSlot<K, V> {
    const entry: Entry<K, V> = { key, state: PENDING, value: undefined };
    if (this.#broken) {
      // Keep nothing: the slot is dropped as soon as it settles.
      return {
        key,
        succeed: () => this.#handlers.drop(key),
        fail: () => this.#handlers.drop(key),
      };
    }
    this.#queue.push(entry);
    return {
      key,
      succeed: (value: V) => this.#settle(entry, DONE, value),
      fail: () => this.#settle(entry, FAILED, undefined),
    };
  }

  #settle(entry: Entry<K, V>, state: typeof DONE | typeof FAILED, value: V | undefined): void {
    if (entry.state !== PENDING) return;
    entry.state = state;
    entry.value = value;
    if (this.#broken) {
      this.#handlers.drop(entry.key);
      return;
    }
    this.#flush();
  }

  #flush(): void {
    const q = this.#queue;
    while (this.#head < q.length) {
      const entry = q[this.#head]!;
      if (entry.state === PENDING) break;
      this.#head++;
      if (entry.state === DONE) {
        this.#handlers.release(entry.key, entry.value as V);
        continue;
      }
      this.#broken = true;
      this.#handlers.broken(entry.key);
      // Settled slots behind the failure can be dropped now; pending ones when they settle.
      for (let i = this.#head; i < q.length; i++) {
        if (q[i]!.state !== PENDING) this.#handlers.drop(q[i]!.key);
      }
      this.#queue = [];
      this.#head = 0;
      return;
    }
    if (this.#head > 1024 && this.#head * 2 > q.length) {
      this.#queue = q.slice(this.#head);
      this.#head = 0;
    }
  }
}
