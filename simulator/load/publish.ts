/**
 * Publishes a pre-signed file through an MQTT broker at a target rate (or as fast as the broker
 * takes it), over several connections, and measures what the node did with it: receipts
 * received, publish-to-receipt latency (a receipt is sent once the reading's batch is committed
 * and its checkpoint signed), refusal notices (refused readings and duplicates), and the log's
 * growth.
 */
import { readFile } from 'node:fs/promises';
import mqtt, { type MqttClient } from 'mqtt';
import {
  decodeNotice,
  decodeReceiptMessage,
  noticeIsFor,
  verifyNotice,
  type Notice,
} from '../../src/core/receipt/index.ts';
import { readPresigned } from './presign.ts';

/** How to publish. */
export interface PublishOptions {
  readonly file: string;
  readonly url: string;
  /** Messages per second; 0 = as fast as the broker acknowledges. */
  readonly rate: number;
  /** Stop after this many seconds even if the file is not done (0 = no limit). */
  readonly maxSeconds?: number;
  readonly connections?: number;
  /** Unacknowledged publishes per connection (bounded buffering). */
  readonly window?: number;
  /** Wait this long for late receipts after the last publish, ms. */
  readonly drainMs?: number;
  /**
   * Closed loop: never have more than this many readings published without a receipt. Keeps
   * an overloaded node's backlog below what the broker queues for it (Mosquitto drops beyond
   * its in-flight window plus `max_queued_messages`), so "as fast as possible" measures the
   * node, not the broker's drops. 0 = open loop.
   */
  readonly maxOutstanding?: number;
  /**
   * How many readings the node has committed so far (e.g. its log growth from `/v1/log`),
   * polled for the closed loop. Receipts are QoS 0 and may be dropped under load, so they only
   * stand in for this when it is not given.
   */
  readonly committed?: () => Promise<number>;
  /** Called about once a second. */
  readonly onProgress?: (p: PublishProgress) => void;
  /** First levels of the topics (default `wattproof/v1`). */
  readonly topicRoot?: string;
  /** The log key refusal notices are verified with; without it they are only decoded. */
  readonly logVkey?: string;
}

/** Progress of a run. */
export interface PublishProgress {
  readonly elapsedS: number;
  readonly published: number;
  readonly brokerAcked: number;
  readonly receipts: number;
  /** Receipts per second over the last second. */
  readonly receiptRate: number;
  /** Refusal notices received: refused readings (their own bytes named) and duplicates. */
  readonly refusedNotices: number;
  readonly duplicateNotices: number;
  /** Notices that did not decode or verify. */
  readonly invalidNotices: number;
  /** Readings of the file the node refused: no longer waited for. */
  readonly refused: number;
}

/** Result of a run. */
export interface PublishResult extends PublishProgress {
  /** Publish-to-receipt latencies, ms, one per receipt. */
  readonly latencies: number[];
  /**
   * Receipts received in each whole second of the run, by arrival: entry `i` counts those that
   * came in from `i` to `i + 1` s after publishing began (the last, partial second left out).
   * Publishing ended at `publishSeconds`; the seconds after it are the drain.
   */
  readonly perSecond: number[];
  readonly publishSeconds: number;
}

/** Runs the publisher. */
export async function publishPresigned(options: PublishOptions): Promise<PublishResult> {
  const messages = [...readPresigned(new Uint8Array(await readFile(options.file)))];
  const connections = options.connections ?? 4;
  const window = options.window ?? 500;
  const sentAt = new Map<string, number>();
  /** The bytes of each reading waiting for its receipt: what a refusal notice must name. */
  const bytesOf = new Map<string, Uint8Array>();
  const seqOf = new Map<string, number>();
  const latencies: number[] = [];
  const perSecond: number[] = [];
  let published = 0;
  let brokerAcked = 0;
  let receipts = 0;
  let refusedNotices = 0;
  let duplicateNotices = 0;
  let invalidNotices = 0;
  let refused = 0;
  /** When publishing began (`performance.now()`), set just before the first publish. */
  let t0 = 0;

  const onNotice = (bytes: Uint8Array): void => {
    let n: Notice;
    try {
      n =
        options.logVkey === undefined
          ? decodeNotice(bytes).notice
          : verifyNotice(bytes, options.logVkey);
    } catch {
      invalidNotices++;
      return;
    }
    if (n.outcome === 'duplicate') {
      duplicateNotices++;
      return;
    }
    refusedNotices++;
    const key = `${n.meterId}/${n.sequence}`;
    const mine = bytesOf.get(key);
    // Only a notice naming the reading's own bytes answers it.
    if (mine !== undefined && noticeIsFor(n, mine)) {
      sentAt.delete(key);
      bytesOf.delete(key);
      refused++;
    }
  };

  const sub = await mqtt.connectAsync(options.url, {
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 0,
  });
  sub.on('message', (_topic, payload) => {
    const bytes = new Uint8Array(payload.buffer, payload.byteOffset, payload.length);
    // A notice is a tagged COSE_Sign1 (0xd2); a receipt message is a CBOR map.
    if (bytes[0] === 0xd2) {
      onNotice(bytes);
      return;
    }
    try {
      const m = decodeReceiptMessage(bytes);
      const key = `${m.meterId}/${m.sequence}`;
      const t = sentAt.get(key);
      if (t !== undefined) {
        const now = performance.now();
        latencies.push(now - t);
        sentAt.delete(key);
        bytesOf.delete(key);
        receipts++;
        const second = Math.floor((now - t0) / 1000);
        perSecond[second] = (perSecond[second] ?? 0) + 1;
      }
    } catch {
      // not a receipt of ours
    }
  });
  const root = options.topicRoot ?? 'wattproof/v1';
  await sub.subscribeAsync([`${root}/meters/+/receipts`, `${root}/platforms/+/receipts`], {
    qos: 0,
  });
  const pubs: MqttClient[] = await Promise.all(
    Array.from({ length: connections }, () =>
      mqtt.connectAsync(options.url, { protocolVersion: 4, clean: true, reconnectPeriod: 0 }),
    ),
  );
  const outstanding = new Array<number>(connections).fill(0);
  const connOf = new Map<string, number>();
  const waiters: (() => void)[][] = pubs.map(() => []);

  let committed = 0;
  let polling = options.committed !== undefined;
  const poller = (async () => {
    while (polling) {
      committed = await options.committed!().catch(() => committed);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  t0 = performance.now();
  let lastReceipts = 0;
  const ticker = setInterval(() => {
    const rate = receipts - lastReceipts;
    lastReceipts = receipts;
    options.onProgress?.({
      elapsedS: (performance.now() - t0) / 1000,
      published,
      brokerAcked,
      receipts,
      receiptRate: rate,
      refusedNotices,
      duplicateNotices,
      invalidNotices,
      refused,
    });
  }, 1000);

  try {
    for (let i = 0; i < messages.length; i++) {
      const elapsed = (performance.now() - t0) / 1000;
      if (options.maxSeconds && elapsed > options.maxSeconds) break;
      if (options.rate > 0) {
        const due = t0 + (i / options.rate) * 1000;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      }
      if (options.maxOutstanding) {
        while (published - receipts - refused >= options.maxOutstanding)
          await new Promise((r) => setTimeout(r, 5));
      }
      const { topic, payload } = messages[i]!;
      // Each meter stays on one connection, so its readings reach the node in order.
      let c = connOf.get(topic);
      if (c === undefined) {
        c = connOf.size % connections;
        connOf.set(topic, c);
      }
      while (outstanding[c]! >= window) await new Promise<void>((r) => waiters[c]!.push(r));
      const meterId = topic.split('/').at(-2)!;
      const seq = (seqOf.get(meterId) ?? 0) + 1;
      seqOf.set(meterId, seq);
      sentAt.set(`${meterId}/${seq}`, performance.now());
      bytesOf.set(`${meterId}/${seq}`, payload);
      outstanding[c]!++;
      published++;
      pubs[c]!.publish(topic, Buffer.from(payload), { qos: 1 }, (err) => {
        outstanding[c]!--;
        if (!err) brokerAcked++;
        waiters[c]!.shift()?.();
      });
    }
    const publishSeconds = (performance.now() - t0) / 1000;
    const drainUntil = performance.now() + (options.drainMs ?? 10_000);
    while (receipts + refused < published && performance.now() < drainUntil)
      await new Promise((r) => setTimeout(r, 100));
    const elapsedS = (performance.now() - t0) / 1000;
    return {
      elapsedS,
      published,
      brokerAcked,
      receipts,
      receiptRate: 0,
      refusedNotices,
      duplicateNotices,
      invalidNotices,
      refused,
      latencies,
      perSecond: Array.from({ length: Math.floor(elapsedS) }, (_, i) => perSecond[i] ?? 0),
      publishSeconds,
    };
  } finally {
    polling = false;
    await poller;
    clearInterval(ticker);
    await Promise.all([...pubs, sub].map((c) => c.endAsync()));
  }
}
