import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { utf8 } from '../../src/core/bytes.ts';
import { encodeCbor } from '../../src/core/cbor/index.ts';
import { EntryKind } from '../../src/core/leaf/leaf.ts';
import {
  decodeReceiptMessage,
  noticeDigest,
  noticeIsFor,
  verifyNotice,
  verifyReceiptMessage,
  type DuplicateNotice,
  type Notice,
} from '../../src/core/receipt/index.ts';
import type { CheckedBatch } from '../../src/ingest/checked-batch.ts';
import type { BatchChecker, MessageResult } from '../../src/ingest/ingest-service.ts';
import { IngestService } from '../../src/ingest/ingest-service.ts';
import { ReceiptIssuer } from '../../src/ingest/receipts.ts';
import type {
  AckOutcome,
  InboundMessage,
  MessageHandler,
  MessageSource,
} from '../../src/mqtt/transport.ts';
import { Ledger, type AppendPlanner, type LedgerItem } from '../../src/ledger/ledger.ts';
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
  planner: AppendPlanner | undefined;
  async check(messages: readonly InboundMessage[]): Promise<CheckedBatch<MessageResult>> {
    this.batches.push(messages.length);
    const items: LedgerItem[] = [];
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
    return { plan: this.planner!.plan(items), ops: [], outcomes };
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
    checker.planner = ledger;
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

/**
 * Answers each message with the outcome the test scripted for its payload; an accepted
 * reading is appended.
 */
class ScriptedChecker implements BatchChecker {
  readonly script = new Map<string, MessageResult>();
  planner: AppendPlanner | undefined;
  async check(messages: readonly InboundMessage[]): Promise<CheckedBatch<MessageResult>> {
    const items: LedgerItem[] = [];
    const outcomes = messages.map((m) => {
      const o = this.script.get(Buffer.from(m.payload).toString('hex'))!;
      return {
        ...o,
        readings: o.readings.map((r) => {
          if (r.status !== 'accepted') return r;
          items.push({
            kind: EntryKind.readingCose,
            bytes: m.payload,
            meta: { receivedAt: m.receivedAt, meterId: r.meterId! },
          });
          return { ...r, itemIndex: items.length - 1 };
        }),
      };
    });
    return { plan: this.planner!.plan(items), ops: [], outcomes };
  }
}

describe('when a reading is refused or a duplicate', () => {
  const ORIGIN = 'wattproof.test/notices';
  const ROOT = 'wattproof/v1';
  const NOW = 1_767_225_600_000;
  let tmp: { path: string; remove: () => Promise<void> };
  let store: LevelStore;
  let log: MerkleLog;
  let source: FakeSource;
  let checker: ScriptedChecker;
  let service: IngestService;
  let vkey: string;

  async function start(options: { notices?: boolean; receipts?: boolean } = {}): Promise<void> {
    tmp = await tempDir();
    store = await LevelStore.open(`${tmp.path}/db`);
    const key = await loadOrCreateLogKey(`${tmp.path}/log.key`, ORIGIN);
    vkey = key.vkey;
    log = await MerkleLog.open({ store, origin: ORIGIN, signer: key.signer, vkey: key.vkey });
    const ledger = await Ledger.open(log, store);
    source = new FakeSource();
    checker = new ScriptedChecker();
    checker.planner = ledger;
    service = new IngestService(source, checker, ledger, new ReceiptIssuer(log, key.signer), {
      maxBatch: 100,
      maxWaitMs: 5,
      now: () => NOW,
      ...options,
    });
    await service.start();
  }
  afterEach(async () => {
    await service.stop();
    await log.close();
    await store.close();
    await tmp.remove();
  });

  /** Publishes `payload` on `topic` with a scripted outcome; resolves once it is acknowledged. */
  async function send(topic: string, payload: Uint8Array, outcome: MessageResult): Promise<void> {
    checker.script.set(Buffer.from(payload).toString('hex'), outcome);
    await source.handler!({ topic, payload, receivedAt: NOW });
  }
  const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 30));
  const notices = (): { topic: string; notice: Notice }[] =>
    source.published.flatMap((p) => {
      try {
        return [{ topic: p.topic, notice: verifyNotice(p.payload, vkey) }];
      } catch {
        return [];
      }
    });

  it("publishes a verified refusal notice with every field on the meter's receipts topic", async () => {
    await start();
    const bytes = utf8('a reading of mtr-A whose interval overlaps');
    await send(`${ROOT}/meters/mtr-A/readings`, bytes, {
      status: 'rejected',
      reasonCode: 0x80,
      code: 'INTERVAL_OVERLAP',
      readings: [
        {
          status: 'rejected',
          code: 'INTERVAL_OVERLAP',
          detail: 'INTERVAL_OVERLAP',
          meterId: 'mtr-A',
          sequence: 42,
          sequenceScope: '',
          signerId: 'dev-A',
          quarantineId: 9,
          collidesWith: 3,
        },
      ],
    });
    await settle();
    expect(notices()).toEqual([
      {
        topic: `${ROOT}/meters/mtr-A/receipts`,
        notice: {
          origin: ORIGIN,
          outcome: 'refused',
          decidedAt: NOW,
          topic: `${ROOT}/meters/mtr-A/readings`,
          digest: noticeDigest(bytes),
          meterId: 'mtr-A',
          signerId: 'dev-A',
          sequenceScope: '',
          sequence: 42,
          code: 'INTERVAL_OVERLAP',
          codeClass: 'INTERVAL_OVERLAP',
          quarantineId: 9,
          collidesWith: 3,
        },
      },
    ]);
    expect(service.stats.noticesPublished).toBe(1);
    expect(service.stats.receiptsPublished).toBe(0);
  });

  it('names the precise code beside the coarse class', async () => {
    await start();
    await send(`${ROOT}/meters/mtr-A/readings`, utf8('x'), {
      status: 'rejected',
      reasonCode: 0x99,
      code: 'MALFORMED_READING',
      readings: [
        { status: 'rejected', code: 'MALFORMED_READING', detail: 'INVALID_FIELD', quarantineId: 1 },
      ],
    });
    await settle();
    const [n] = notices();
    expect(n?.notice).toMatchObject({
      outcome: 'refused',
      code: 'INVALID_FIELD',
      codeClass: 'MALFORMED_READING',
      // The reading did not decode: the meter is the topic's, and there is no sequence.
      meterId: 'mtr-A',
    });
    expect(n?.notice.sequence).toBeUndefined();
  });

  it('sends a duplicate the receipt of the entry in the log, bare and inside its notice', async () => {
    await start();
    const bytes = utf8('reading 7 of mtr-A');
    const topic = `${ROOT}/meters/mtr-A/readings`;
    await send(topic, bytes, {
      status: 'accepted',
      reasonCode: 0,
      readings: [{ status: 'accepted', meterId: 'mtr-A', sequence: 7 }],
    });
    await send(topic, bytes, {
      status: 'duplicate',
      reasonCode: 0,
      readings: [{ status: 'duplicate', meterId: 'mtr-A', sequence: 7, duplicateOf: 0 }],
    });
    await settle();
    const receipts = source.published.filter((p) => {
      try {
        decodeReceiptMessage(p.payload);
        return true;
      } catch {
        return false;
      }
    });
    // One receipt for the original, one bare receipt for the duplicate (as before notices).
    expect(receipts).toHaveLength(2);
    const [n, ...more] = notices();
    expect(more).toHaveLength(0);
    expect(n!.topic).toBe(`${ROOT}/meters/mtr-A/receipts`);
    const d = n!.notice as DuplicateNotice;
    expect(d).toMatchObject({
      outcome: 'duplicate',
      duplicateOf: 0,
      meterId: 'mtr-A',
      sequence: 7,
    });
    expect(noticeIsFor(d, bytes)).toBe(true);
    // The meter checks the enclosed receipt against its own bytes.
    expect(verifyReceiptMessage(d.receipt!, bytes, vkey).message.leafIndex).toBe(0);
    expect(d.receipt).toEqual(receipts[1]!.payload);
  });

  it('keeps sending duplicate notices with their receipt when bare receipts are off', async () => {
    await start({ receipts: false });
    const bytes = utf8('reading 8 of mtr-A');
    const topic = `${ROOT}/meters/mtr-A/readings`;
    await send(topic, bytes, {
      status: 'accepted',
      reasonCode: 0,
      readings: [{ status: 'accepted', meterId: 'mtr-A', sequence: 8 }],
    });
    await send(topic, bytes, {
      status: 'duplicate',
      reasonCode: 0,
      readings: [{ status: 'duplicate', meterId: 'mtr-A', sequence: 8, duplicateOf: 0 }],
    });
    await settle();
    expect(source.published).toHaveLength(1);
    const d = notices()[0]!.notice as DuplicateNotice;
    expect(verifyReceiptMessage(d.receipt!, bytes, vkey).message.sequence).toBe(8);
  });

  it('sends a message refused as a whole to the receipts topic of its meter or platform', async () => {
    await start();
    const big = new Uint8Array(5000).fill(7);
    await send(`${ROOT}/meters/mtr-A/readings`, big, {
      status: 'rejected',
      reasonCode: 0x99,
      code: 'OVERSIZE',
      quarantineId: 4,
      readings: [],
    });
    await send(`${ROOT}/platforms/plat-1/readings`, utf8('\x9f'), {
      status: 'rejected',
      reasonCode: 0x99,
      code: 'MALFORMED_MESSAGE',
      readings: [],
    });
    // Unknown topics and the node's own receipts topics get none.
    for (const t of ['x/y', `${ROOT}/meters/mtr-A/receipts`, `${ROOT}/platforms/plat-1/receipts`]) {
      await send(t, utf8(`on ${t}`), {
        status: 'rejected',
        reasonCode: 0x87,
        code: 'UNKNOWN_TOPIC',
        readings: [],
      });
    }
    await settle();
    const got = notices();
    expect(got.map((n) => n.topic)).toEqual([
      `${ROOT}/meters/mtr-A/receipts`,
      `${ROOT}/platforms/plat-1/receipts`,
    ]);
    expect(got[0]!.notice).toMatchObject({
      outcome: 'refused',
      code: 'OVERSIZE',
      codeClass: 'OVERSIZE',
      meterId: 'mtr-A',
      quarantineId: 4,
    });
    expect(noticeIsFor(got[0]!.notice, big)).toBe(true);
    expect(got[0]!.notice.sequence).toBeUndefined();
    expect(got[1]!.notice.meterId).toBeUndefined();
    expect(service.stats.noticesPublished).toBe(2);
  });

  it('names each refused reading of a platform batch by its index and own bytes', async () => {
    await start();
    const r0 = utf8('reading of mtr-L1');
    const r2 = utf8('reading nobody can decode');
    const payload = encodeCbor([r0, utf8('accepted one'), r2]);
    await send(`${ROOT}/platforms/plat-1/readings`, payload, {
      status: 'mixed',
      reasonCode: 0,
      readings: [
        { status: 'rejected', code: 'BAD_SIGNATURE', meterId: 'mtr-L1', sequence: 3 },
        { status: 'accepted', meterId: 'mtr-L2', sequence: 3 },
        { status: 'rejected', code: 'MALFORMED_COSE' },
      ],
    });
    await settle();
    const got = notices();
    expect(got.map((n) => n.topic)).toEqual([
      `${ROOT}/meters/mtr-L1/receipts`,
      `${ROOT}/platforms/plat-1/receipts`,
    ]);
    expect(got.map((n) => n.notice.readingIndex)).toEqual([0, 2]);
    expect(noticeIsFor(got[0]!.notice, r0)).toBe(true);
    expect(noticeIsFor(got[1]!.notice, r2)).toBe(true);
    expect(noticeIsFor(got[1]!.notice, payload)).toBe(false);
  });

  it('publishes no notices when they are turned off', async () => {
    await start({ notices: false });
    await send(`${ROOT}/meters/mtr-A/readings`, utf8('bad'), {
      status: 'rejected',
      reasonCode: 0x87,
      code: 'BAD_SIGNATURE',
      readings: [{ status: 'rejected', code: 'BAD_SIGNATURE', meterId: 'mtr-A', sequence: 1 }],
    });
    await settle();
    expect(source.published).toHaveLength(0);
    expect(service.stats.noticesPublished).toBe(0);
  });
});
