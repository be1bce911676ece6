import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { utf8 } from '../../src/core/bytes.ts';
import { EntryKind } from '../../src/core/leaf/leaf.ts';
import {
  decodeReceiptMessage,
  verifyReceiptMessage,
} from '../../src/core/receipt/receipt-message.ts';
import type { BatchChecker, CheckedBatchLike } from '../../src/ingest/ingest-service.ts';
import { IngestService } from '../../src/ingest/ingest-service.ts';
import { ReceiptIssuer } from '../../src/ingest/receipts.ts';
import type {
  AckOutcome,
  InboundMessage,
  MessageHandler,
  MessageSource,
} from '../../src/ingest/types.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { loadOrCreateLogKey } from '../../src/log/log-key.ts';
import { MerkleLog } from '../../src/log/merkle-log.ts';
import { LevelStore } from '../../src/storage/level-store.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

/** A transport driven by the test. */
class FakeSource implements MessageSource {
  readonly description = 'fake';
  handler: MessageHandler | undefined;
  published: { topic: string; payload: Uint8Array }[] = [];
  async start(h: MessageHandler): Promise<void> {
    this.handler = h;
  }
  publish(topic: string, payload: Uint8Array): void {
    this.published.push({ topic, payload });
  }
  async stop(): Promise<void> {}
  send(n: number, from = 0): Promise<AckOutcome>[] {
    return Array.from({ length: n }, (_, i) =>
      this.handler!({
        topic: `t/${from + i}`,
        payload: utf8(`reading ${from + i}`),
        receivedAt: Date.now(),
      }),
    );
  }
}

/** Accepts every message as one reading of meter m<i mod 3>, sequence i; rejects payloads saying "bad". */
class FakeChecker implements BatchChecker {
  batches: number[] = [];
  async check(messages: readonly InboundMessage[]): Promise<CheckedBatchLike> {
    this.batches.push(messages.length);
    const items: CheckedBatchLike['items'][number][] = [];
    const outcomes = messages.map((m) => {
      const i = Number(m.topic.split('/')[1]);
      if (new TextDecoder().decode(m.payload).includes('bad')) {
        return {
          status: 'rejected',
          reasonCode: 0x99,
          readings: [{ status: 'rejected' as const, code: 'MALFORMED_MESSAGE' }],
        };
      }
      items.push({
        kind: EntryKind.readingCose,
        bytes: m.payload,
        meta: { receivedAt: m.receivedAt, meterId: `m${i % 3}` },
      });
      return {
        status: 'accepted',
        reasonCode: 0,
        readings: [
          {
            status: 'accepted' as const,
            meterId: `m${i % 3}`,
            sequence: i,
            itemIndex: items.length - 1,
          },
        ],
      };
    });
    return { items, outcomes, opsFor: () => [] };
  }
}

describe('IngestService', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let store: LevelStore;
  let log: MerkleLog;
  let ledger: Ledger;
  let source: FakeSource;
  let checker: FakeChecker;
  let service: IngestService;
  let vkey: string;

  beforeEach(async () => {
    tmp = await tempDir();
    store = await LevelStore.open(`${tmp.path}/db`);
    const key = await loadOrCreateLogKey(`${tmp.path}/log.key`, 'wattproof.test/ingest');
    vkey = key.vkey;
    log = await MerkleLog.open({
      store,
      origin: 'wattproof.test/ingest',
      signer: key.signer,
      vkey: key.vkey,
    });
    ledger = await Ledger.open(log, store);
    source = new FakeSource();
    checker = new FakeChecker();
    service = new IngestService(source, checker, ledger, new ReceiptIssuer(log, key.signer), {
      maxBatch: 100,
      maxWaitMs: 10,
    });
    await service.start();
  });
  afterEach(async () => {
    await service.stop();
    await log.close();
    await store.close();
    await tmp.remove();
  });

  it('acknowledges each message only once its batch is committed', async () => {
    const acks = source.send(250);
    const sizesAtAck: number[] = [];
    await Promise.all(acks.map((a) => a.then(() => sizesAtAck.push(log.size))));
    // Every ack saw a published size that already included a batch holding the message.
    expect(Math.min(...sizesAtAck)).toBeGreaterThanOrEqual(100);
    expect(log.size).toBe(250);
    expect(Math.max(...checker.batches)).toBeLessThanOrEqual(100);
    expect(service.stats.accepted).toBe(250);
  });

  it('answers rejected messages with their reason code, after the commit, and appends only the good ones', async () => {
    const good = source.send(5);
    const bad = source.handler!({ topic: 't/99', payload: utf8('bad'), receivedAt: 0 });
    expect(await bad).toEqual({ reasonCode: 0x99 });
    expect((await Promise.all(good)).every((o) => o.reasonCode === 0)).toBe(true);
    expect(log.size).toBe(5);
    expect(service.stats.rejected).toBe(1);
  });

  it('publishes receipts that each meter can verify against its own bytes and the log key', async () => {
    await Promise.all(source.send(7));
    await new Promise((r) => setTimeout(r, 50));
    expect(source.published).toHaveLength(7);
    const verified = source.published.map((p) => {
      const claimed = decodeReceiptMessage(p.payload);
      expect(p.topic).toBe(`wattproof/v1/meters/${claimed.meterId}/receipts`);
      // The meter checks the receipt against the bytes it signed itself.
      const { message } = verifyReceiptMessage(
        p.payload,
        utf8(`reading ${claimed.sequence}`),
        vkey,
      );
      expect(message.meterId).toBe(`m${message.sequence % 3}`);
      return message.sequence;
    });
    expect(verified.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('does not acknowledge a batch whose commit fails', async () => {
    const s = store as unknown as { commit: (...a: unknown[]) => Promise<void> };
    s.commit = async () => {
      throw new Error('disk gone');
    };
    const acks = source.send(3);
    for (const a of acks) await expect(a).rejects.toThrow('disk gone');
    expect(service.stats.accepted).toBe(0);
  });
});
