/**
 * Erasure in the ledger: a meter's records over a period become tombstones in one batch, the
 * bytes and salts are gone from the store, the public log is untouched, the meter index stays,
 * requests are idempotent, serialised and recorded for audit.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesEqual, utf8 } from '../../src/core/bytes.ts';
import { EntryKind } from '../../src/core/leaf/leaf.ts';
import { leafHash, verifyInclusion } from '../../src/core/merkle/index.ts';
import { ERASURE_KEY_PREFIX } from '../../src/ledger/erasure-record.ts';
import { entryRecordKey, Ledger } from '../../src/ledger/ledger.ts';
import { loadOrCreateLogKey } from '../../src/log/log-key.ts';
import { MerkleLog } from '../../src/log/merkle-log.ts';
import { LevelStore } from '../../src/storage/level-store.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

const ORIGIN = 'wattproof.test/erasure';
const WHO = { tokenId: '00112233aabbccdd', label: 'dpo' };

/** True when `needle` occurs in `hay`. */
function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

describe('Ledger.erase', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let store: LevelStore;
  let log: MerkleLog;
  let ledger: Ledger;

  const reading = (meterId: string, start: number) => ({
    kind: EntryKind.readingCose,
    bytes: utf8(`signed reading of ${meterId} at ${start}: ${'x'.repeat(40)}`),
    meta: {
      meterId,
      receivedAt: 1,
      intervalStart: start,
      intervalEnd: start + 900,
      energyMilliWh: 5000,
      signerId: `dev-${meterId}`,
    },
  });

  const open = async () => {
    store = await LevelStore.open(`${tmp.path}/db`);
    const key = await loadOrCreateLogKey(`${tmp.path}/log.key`, ORIGIN);
    log = await MerkleLog.open({ store, origin: ORIGIN, signer: key.signer, vkey: key.vkey });
    ledger = new Ledger(log, store);
  };
  const close = async () => {
    await log.close();
    await store.close();
  };

  beforeEach(async () => {
    tmp = await tempDir();
    await open();
    // m1 at 0, 900, …, 8100 and m2 at the same times, interleaved.
    for (let k = 0; k < 10; k++)
      await ledger.append([reading('m1', k * 900), reading('m2', k * 900)]);
  });
  afterEach(async () => {
    await close();
    await tmp.remove();
  });

  const indicesOf = async (meter: string, from: number, to: number) => {
    const out: number[] = [];
    for await (const e of ledger.meterEntries(meter, from, to)) out.push(e.index);
    return out;
  };

  it('turns the records of one meter and period into tombstones and nothing else', async () => {
    const target = await indicesOf('m1', 1800, 5400);
    expect(target).toHaveLength(4);
    const before = new Map<number, Uint8Array>();
    for (let i = 0; i < log.size; i++) before.set(i, (await store.get(entryRecordKey(i)))!);

    const r = await ledger.erase({ meterId: 'm1', from: 1800, to: 5400, requestedBy: WHO }, 1234);
    expect(r).toEqual({
      id: 1,
      meterId: 'm1',
      from: 1800,
      to: 5400,
      requestedBy: WHO,
      erasedAt: 1234,
      matched: 4,
      erased: 4,
    });
    for (let i = 0; i < log.size; i++) {
      const rec = await ledger.record(i);
      if (target.includes(i)) {
        expect(rec).toEqual({ erased: true, kind: EntryKind.readingCose, erasedAt: 1234 });
      } else {
        expect(bytesEqual((await store.get(entryRecordKey(i)))!, before.get(i)!)).toBe(true);
      }
    }
    // The meter index still lists them, so a bundle over the period names them as erased.
    expect(await indicesOf('m1', 1800, 5400)).toEqual(target);
  });

  it('deletes the entry bytes and salt from the stored value', async () => {
    const [index] = await indicesOf('m1', 0, 900);
    const live = await ledger.record(index!);
    if (live === undefined || live.erased) throw new Error('expected a live record');
    await ledger.erase({ meterId: 'm1', from: 0, to: 900, requestedBy: WHO });
    const stored = (await store.get(entryRecordKey(index!)))!;
    expect(contains(stored, live.bytes)).toBe(false);
    expect(contains(stored, live.salt)).toBe(false);
    expect(contains(stored, utf8('m1'))).toBe(false);
    expect(stored.length).toBeLessThan(16);
    // No value anywhere in the ledger's records holds them either.
    for await (const [, v] of store.range({ gte: Uint8Array.of(0x20), lt: Uint8Array.of(0x30) })) {
      expect(contains(v, live.bytes)).toBe(false);
      expect(contains(v, live.salt)).toBe(false);
    }
  });

  it('leaves the public log, its checkpoint and every proof as they were', async () => {
    const size = log.size;
    const root = log.publishedRoot();
    const checkpoint = await log.checkpoint();
    const leaves = await log.entries(0, size);
    await ledger.erase({ meterId: 'm2', from: 0, to: 9000, requestedBy: WHO });
    expect(log.size).toBe(size);
    expect(bytesEqual(log.publishedRoot(), root)).toBe(true);
    expect(bytesEqual((await log.checkpoint())!, checkpoint!)).toBe(true);
    const after = await log.entries(0, size);
    for (let i = 0; i < size; i++) {
      expect(bytesEqual(after[i]!, leaves[i]!)).toBe(true);
      verifyInclusion(leafHash(after[i]!), i, size, await log.inclusionProof(i, size), root);
    }
  });

  it('is idempotent and records every request, in order, across restarts', async () => {
    const first = await ledger.erase({ meterId: 'm1', from: 0, to: 2700, requestedBy: WHO });
    const again = await ledger.erase({
      meterId: 'm1',
      from: 0,
      to: 2700,
      requestedBy: WHO,
      reason: 'case 42',
    });
    expect([first.erased, first.matched]).toEqual([3, 3]);
    expect([again.id, again.erased, again.matched, again.reason]).toEqual([2, 0, 3, 'case 42']);
    const wider = await ledger.erase({ meterId: 'm1', from: 0, to: 3600, requestedBy: WHO });
    expect([wider.erased, wider.matched]).toEqual([1, 4]);

    await close();
    await open();
    const none = await ledger.erase({ meterId: 'm9', from: 0, to: 1, requestedBy: WHO });
    expect([none.id, none.matched, none.erased]).toEqual([4, 0, 0]);
    const all = await ledger.erasures();
    expect(all.map((e) => [e.id, e.meterId, e.erased])).toEqual([
      [1, 'm1', 3],
      [2, 'm1', 0],
      [3, 'm1', 1],
      [4, 'm9', 0],
    ]);
    expect(all[1]).toEqual(again);
    expect((await ledger.erasures({ after: 1, limit: 2 })).map((e) => e.id)).toEqual([2, 3]);
    expect(await ledger.erasures({ after: 4 })).toEqual([]);
  });

  it('runs overlapping requests one at a time', async () => {
    const rs = await Promise.all([
      ledger.erase({ meterId: 'm1', from: 0, to: 5400, requestedBy: WHO }),
      ledger.erase({ meterId: 'm1', from: 2700, to: 9000, requestedBy: WHO }),
      ledger.erase({ meterId: 'm1', from: 0, to: 9000, requestedBy: WHO }),
    ]);
    expect(rs.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(rs.map((r) => r.erased)).toEqual([6, 4, 0]);
  });

  it('keeps its audit records under their own key prefix', async () => {
    await ledger.erase({ meterId: 'm1', from: 0, to: 900, requestedBy: WHO });
    const keys: Uint8Array[] = [];
    for await (const [k] of store.range({
      gte: Uint8Array.of(ERASURE_KEY_PREFIX),
      lt: Uint8Array.of(ERASURE_KEY_PREFIX + 1),
    })) {
      keys.push(k);
    }
    expect(keys).toHaveLength(1);
    expect(keys[0]!.length).toBe(9);
  });

  it('refuses a period that is not [from, to) with from < to', async () => {
    for (const [from, to] of [
      [5, 5],
      [9, 1],
      [-1, 5],
      [0.5, 5],
      [0, Number.MAX_SAFE_INTEGER + 2],
    ] as const) {
      await expect(ledger.erase({ meterId: 'm1', from, to, requestedBy: WHO })).rejects.toThrow(
        RangeError,
      );
    }
    expect(await ledger.erasures()).toEqual([]);
  });
});
