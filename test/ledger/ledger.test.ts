import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isWattproofError } from '../../src/core/errors.ts';
import { bytesEqual, utf8 } from '../../src/core/bytes.ts';
import {
  checkDisclosure,
  decodeChainLink,
  entryBytesOf,
  EntryKind,
  leafHashOf,
} from '../../src/core/leaf/leaf.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { loadOrCreateLogKey } from '../../src/log/log-key.ts';
import { MerkleLog } from '../../src/log/merkle-log.ts';
import { LevelStore } from '../../src/storage/level-store.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

describe('Ledger', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let store: LevelStore;
  let log: MerkleLog;
  let ledger: Ledger;

  beforeEach(async () => {
    tmp = await tempDir();
    store = await LevelStore.open(`${tmp.path}/db`);
    const key = await loadOrCreateLogKey(`${tmp.path}/log.key`, 'wattproof.test/ledger');
    log = await MerkleLog.open({
      store,
      origin: 'wattproof.test/ledger',
      signer: key.signer,
      vkey: key.vkey,
    });
    ledger = new Ledger(log, store);
  });
  afterEach(async () => {
    await log.close();
    await store.close();
    await tmp.remove();
  });

  const reading = (meterId: string, start: number) => ({
    kind: EntryKind.readingCose,
    bytes: utf8(`reading ${meterId} ${start}`),
    meta: {
      meterId,
      receivedAt: 1,
      intervalStart: start,
      intervalEnd: start + 900,
      energyMilliWh: 5000,
    },
  });

  it('appends commitment leaves whose private records disclose the exact bytes', async () => {
    const items = [reading('m1', 0), reading('m2', 0), reading('m1', 900)];
    const r = await ledger.append(items);
    expect(r.entries.map((e) => e.index)).toEqual([0, 1, 2]);
    expect(r.size).toBe(3);
    for (const [k, e] of r.entries.entries()) {
      const leaf = await log.entry(e.index);
      expect(bytesEqual(leaf, e.leaf)).toBe(true);
      const rec = await ledger.record(e.index);
      if (rec === undefined || rec.erased) throw new Error('record missing');
      expect(bytesEqual(rec.bytes, items[k]!.bytes)).toBe(true);
      expect(rec.meta.meterId).toBe(items[k]!.meta.meterId);
      expect(checkDisclosure(leaf, rec.salt, rec.bytes).kind).toBe(EntryKind.readingCose);
    }
    expect(new Set(r.entries.map((e) => Buffer.from(e.salt).toString('hex'))).size).toBe(3);
  });

  it("finds a meter's entries by interval, in order, and commits extra ops made from the plan", async () => {
    const key = Uint8Array.of(0x7f, 1);
    const plan = ledger.plan([reading('m1', 1800), reading('m2', 900), reading('m1', 0)]);
    const a = plan.entries;
    await ledger.commit(plan, [store.putOp(key, Uint8Array.of(a.length, a[2]!.index))]);
    await ledger.append([reading('m1', 900)]);
    const found = [];
    for await (const e of ledger.meterEntries('m1', 0, 1801)) found.push(e);
    expect(found).toEqual([
      { index: 2, intervalStart: 0 },
      { index: 3, intervalStart: 900 },
      { index: 0, intervalStart: 1800 },
    ]);
    const few = [];
    for await (const e of ledger.meterEntries('m1', 900, 1800)) few.push(e.index);
    expect(few).toEqual([3]);
    expect(await store.get(key)).toEqual(Uint8Array.of(3, 2));
  });

  it('commits records alone, after earlier batches, when there are no entries', async () => {
    const first = ledger.append([reading('m1', 0)]);
    const none = ledger.append([], [store.putOp(Uint8Array.of(0x7f, 2), Uint8Array.of(9))]);
    const r = await none;
    await first;
    expect(r.entries).toHaveLength(0);
    expect(r.size).toBe(1);
    expect(await store.get(Uint8Array.of(0x7f, 2))).toEqual(Uint8Array.of(9));
  });

  it('commits plans in the order they were made, whatever order commit is called in', async () => {
    const p1 = ledger.plan([reading('m1', 0)]);
    const p2 = ledger.plan([reading('m2', 0), reading('m1', 900)]);
    expect([p1.first, p2.first, ledger.nextIndex]).toEqual([0, 1, 3]);
    const order: number[] = [];
    const c2 = ledger.commit(p2).then((r) => (order.push(2), r));
    const c1 = ledger.commit(p1).then((r) => (order.push(1), r));
    const [r1, r2] = await Promise.all([c1, c2]);
    expect(order).toEqual([1, 2]);
    expect(r1.entries.map((e) => e.index)).toEqual([0]);
    expect(r2.entries.map((e) => e.index)).toEqual([1, 2]);
    expect(r2.size).toBe(3);
    // An append made while plans wait takes the indices after them.
    const p3 = ledger.plan([reading('m2', 900)]);
    const appended = ledger.append([reading('m3', 0)]);
    await ledger.commit(p3);
    expect((await appended).entries[0]!.index).toBe(4);
  });

  it('refuses to commit a plan twice', async () => {
    const p = ledger.plan([reading('m1', 0)]);
    const first = ledger.commit(p);
    await expect(ledger.commit(p)).rejects.toSatisfy((e) => isWattproofError(e, 'PLAN_REUSED'));
    await first;
    await expect(ledger.commit(p)).rejects.toSatisfy((e) => isWattproofError(e, 'PLAN_REUSED'));
    expect(ledger.log.size).toBe(1);
  });

  describe('opened with chains, as a node opens it', () => {
    /** Checks that each meter's live readings link to the one before, from the first on. */
    async function expectChains(meters: readonly string[]): Promise<void> {
      const last = new Map<string, { index: number; leaf: Uint8Array }>();
      for (let index = 0; index < log.size; index++) {
        const rec = await ledger.record(index);
        if (rec === undefined || rec.erased) throw new Error(`record ${index} missing`);
        const meter = rec.meta.meterId!;
        expect(meters).toContain(meter);
        expect(rec.kind).toBe(EntryKind.readingCoseChained);
        const leaf = await log.entry(index);
        checkDisclosure(leaf, rec.salt, entryBytesOf(rec.kind, rec.bytes, rec.link));
        const prev = last.get(meter);
        expect(decodeChainLink(rec.link!)).toEqual(
          prev === undefined ? undefined : { index: prev.index, leafHash: leafHashOf(prev.leaf) },
        );
        last.set(meter, { index, leaf });
      }
    }

    it('links each meter’s readings to its previous one, in a batch and across batches', async () => {
      ledger = await Ledger.open(log, store);
      expect(ledger.chained).toBe(true);
      const r = await ledger.append([reading('m1', 0), reading('m2', 0), reading('m1', 900)]);
      expect(r.entries.map((e) => e.kind)).toEqual([
        EntryKind.readingCoseChained,
        EntryKind.readingCoseChained,
        EntryKind.readingCoseChained,
      ]);
      // Two batches planned before either commits still chain in call order.
      const a = ledger.append([reading('m1', 1800)]);
      const b = ledger.append([reading('m2', 900), reading('m1', 2700)]);
      await Promise.all([a, b]);
      await expectChains(['m1', 'm2']);
    });

    it('carries each meter’s chain head over a restart', async () => {
      ledger = await Ledger.open(log, store);
      await ledger.append([reading('m1', 0), reading('m2', 0)]);
      const reopened = await Ledger.open(log, store);
      await reopened.append([reading('m2', 900), reading('m1', 900)]);
      await expectChains(['m1', 'm2']);
    });

    it('leaves entries without a meter, and registry kinds, unchained', async () => {
      ledger = await Ledger.open(log, store);
      const r = await ledger.append([
        { kind: EntryKind.keyRegistration, bytes: utf8('registration'), meta: { receivedAt: 1 } },
        { kind: EntryKind.readingCose, bytes: utf8('no meter'), meta: { receivedAt: 1 } },
      ]);
      expect(r.entries.map((e) => [e.kind, e.link])).toEqual([
        [EntryKind.keyRegistration, undefined],
        [EntryKind.readingCose, undefined],
      ]);
    });

    it('is not what a ledger made with new Ledger does: that one appends readings unchained', async () => {
      expect(ledger.chained).toBe(false);
      const r = await ledger.append([reading('m1', 0)]);
      expect(r.entries[0]!.kind).toBe(EntryKind.readingCose);
    });
  });
});
