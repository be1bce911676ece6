import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Quarantine, type QuarantineInput } from '../../src/ingest/quarantine.ts';
import { LevelStore } from '../../src/storage/level-store.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

let dir: { path: string; remove: () => Promise<void> };
let store: LevelStore;

beforeEach(async () => {
  dir = await tempDir('wattproof-quarantine-');
  store = await LevelStore.open(`${dir.path}/db`);
});
afterEach(async () => {
  await store.close();
  await dir.remove();
});

/** A signed record (the tier whose eviction is plain oldest-first within the capacity). */
const input = (code: string, n: number): QuarantineInput => ({
  code,
  message: `reason ${n}`,
  topic: `wattproof/v1/meters/m${n}/readings`,
  receivedAt: 1000 + n,
  payload: Uint8Array.of(n),
  tier: 'signed',
  source: `signer:s${n}`,
});

/** A junk record on meter `m`'s topic. */
const junk = (n: number, m = n, size = 1): QuarantineInput => ({
  code: 'MALFORMED_COSE',
  message: `junk ${n}`,
  topic: `wattproof/v1/meters/m${m}/readings`,
  receivedAt: 1000 + n,
  payload: new Uint8Array(size).fill(n & 0xff),
});

/** Adds the inputs as one batch and commits it. */
async function addBatch(q: Quarantine, inputs: QuarantineInput[]): Promise<number[]> {
  const ids: number[] = [];
  const ops = inputs.flatMap((i) => {
    const r = q.add(i);
    ids.push(r.id);
    return r.ops;
  });
  await store.commit(ops, true);
  return ids;
}

describe('when more records arrive than the capacity', () => {
  it('evicts the oldest in the same batch and keeps counting every rejection', async () => {
    const q = await Quarantine.open(store, { capacity: 3 });
    expect(await addBatch(q, [input('BAD_SIGNATURE', 1), input('OVERSIZE', 2)])).toEqual([1, 2]);
    await addBatch(q, [
      input('BAD_SIGNATURE', 3),
      input('BAD_SIGNATURE', 4),
      input('UNKNOWN_KEY', 5),
    ]);
    const page = await q.list();
    expect(page.records.map((r) => r.id)).toEqual([5, 4, 3]);
    expect(page.next).toBeUndefined();
    expect(q.counts()).toMatchObject({
      records: 3,
      capacity: 3,
      evicted: { signed: 2, junk: 0 },
      recordsByCode: { BAD_SIGNATURE: 2, UNKNOWN_KEY: 1 },
      rejectedByCode: { BAD_SIGNATURE: 3, OVERSIZE: 1, UNKNOWN_KEY: 1 },
    });
    expect((await q.list({ code: 'OVERSIZE' })).records).toEqual([]);
  });

  it('evicts within one batch larger than the capacity', async () => {
    const q = await Quarantine.open(store, { capacity: 2 });
    await addBatch(
      q,
      [1, 2, 3, 4, 5].map((n) => input('OVERSIZE', n)),
    );
    expect((await q.list()).records.map((r) => r.id)).toEqual([5, 4]);
    expect((await q.list({ code: 'OVERSIZE' })).records.map((r) => r.id)).toEqual([5, 4]);
  });

  it('keeps records, ids and counters across a reopen of the store', async () => {
    let q = await Quarantine.open(store, { capacity: 3 });
    await addBatch(
      q,
      [1, 2, 3, 4].map((n) => input(n % 2 ? 'OVERSIZE' : 'BAD_SIGNATURE', n)),
    );
    await store.close();
    store = await LevelStore.open(`${dir.path}/db`);
    q = await Quarantine.open(store, { capacity: 3 });
    expect(q.size).toBe(3);
    expect(q.counts().rejectedByCode).toEqual({ BAD_SIGNATURE: 2, OVERSIZE: 2 });
    expect(q.counts().recordsByCode).toEqual({ BAD_SIGNATURE: 2, OVERSIZE: 1 });
    expect(await addBatch(q, [input('UNKNOWN_KEY', 5)])).toEqual([5]);
    expect((await q.list()).records.map((r) => [r.id, r.code])).toEqual([
      [5, 'UNKNOWN_KEY'],
      [4, 'BAD_SIGNATURE'],
      [3, 'OVERSIZE'],
    ]);
    expect(q.counts().recordsByCode).toEqual({ BAD_SIGNATURE: 1, OVERSIZE: 1, UNKNOWN_KEY: 1 });

    // A smaller capacity after a restart trims on the next add.
    await store.close();
    store = await LevelStore.open(`${dir.path}/db`);
    q = await Quarantine.open(store, { capacity: 1 });
    expect(q.size).toBe(3);
    await addBatch(q, [input('OVERSIZE', 6)]);
    expect((await q.list()).records.map((r) => r.id)).toEqual([6]);
    expect(q.counts().rejectedByCode).toEqual({ BAD_SIGNATURE: 2, OVERSIZE: 3, UNKNOWN_KEY: 1 });
  });
});

describe('when listing', () => {
  it('pages newest first, filters by code and returns payloads on request', async () => {
    const q = await Quarantine.open(store);
    await addBatch(
      q,
      [1, 2, 3, 4, 5, 6, 7].map((n) => input(n % 3 ? 'OVERSIZE' : 'UNKNOWN_KEY', n)),
    );
    const p1 = await q.list({ limit: 3 });
    expect(p1.records.map((r) => r.id)).toEqual([7, 6, 5]);
    expect(p1.records[0]!.payload).toBeUndefined();
    const p2 = await q.list({ limit: 3, before: p1.next });
    expect(p2.records.map((r) => r.id)).toEqual([4, 3, 2]);
    const p3 = await q.list({ limit: 3, before: p2.next });
    expect(p3.records.map((r) => r.id)).toEqual([1]);
    expect(p3.next).toBeUndefined();
    const byCode = await q.list({ code: 'UNKNOWN_KEY', withPayload: true });
    expect(byCode.records).toEqual([
      { ...input('UNKNOWN_KEY', 6), class: 'UNKNOWN_KEY', id: 6, payloadLength: 1 },
      { ...input('UNKNOWN_KEY', 3), class: 'UNKNOWN_KEY', id: 3, payloadLength: 1 },
    ]);
    const oneByCode = await q.list({ code: 'OVERSIZE', limit: 1, before: 5 });
    expect(oneByCode.records.map((r) => r.id)).toEqual([4]);
    expect(oneByCode.next).toBe(4);
  });

  it('keeps at most 64 KiB of a payload and its original length', async () => {
    const q = await Quarantine.open(store);
    const big = new Uint8Array(1 << 20).map((_, i) => i & 0xff);
    await addBatch(q, [{ ...input('OVERSIZE', 1), payload: big, readingIndex: 3 }]);
    const [r] = (await q.list({ withPayload: true })).records;
    expect(r!.payloadLength).toBe(1 << 20);
    expect(r!.payload).toEqual(big.subarray(0, 65536));
    expect(r!.readingIndex).toBe(3);
  });

  it('shows only committed records', async () => {
    const q = await Quarantine.open(store);
    const staged = q.add(input('OVERSIZE', 1));
    expect(q.size).toBe(1);
    expect((await q.list()).records).toEqual([]);
    await store.commit(staged.ops, false);
    expect((await q.list()).records).toHaveLength(1);
  });
});

describe('when junk floods the quarantine', () => {
  it('keeps junk as a hash and a 256-byte prefix', async () => {
    const q = await Quarantine.open(store);
    const big = new Uint8Array(10_000).map((_, i) => i & 0xff);
    await addBatch(q, [{ ...junk(1), payload: big }]);
    const [r] = (await q.list({ withPayload: true })).records;
    expect(r!.tier).toBe('junk');
    expect(r!.source).toBe('meter:m1');
    expect(r!.payload).toEqual(big.subarray(0, 256));
    expect(r!.payloadLength).toBe(10_000);
    expect(Buffer.from(r!.sha256!).toString('hex')).toBe(
      createHash('sha256').update(big).digest('hex'),
    );
  });

  it('never evicts signed evidence for junk, and keeps junk to half the records', async () => {
    const q = await Quarantine.open(store, { capacity: 10, perSourceRecords: 1000 });
    await addBatch(q, [input('EQUIVOCATION', 1), input('FUTURE_TIMESTAMP', 2)]);
    for (let b = 0; b < 10; b++) {
      await addBatch(
        q,
        Array.from({ length: 20 }, (_, i) => junk(100 + b * 20 + i, (b * 20 + i) % 7)),
      );
    }
    const c = q.counts();
    expect(c.tiers).toMatchObject({ signed: { records: 2 }, junk: { records: 5 } });
    expect(c.evicted.signed).toBe(0);
    expect((await q.list({ code: 'EQUIVOCATION' })).records.map((r) => r.id)).toEqual([1]);
    expect((await q.list()).records).toHaveLength(7);
  });

  it('keeps junk within half the byte budget, and the whole within the budget', async () => {
    const q = await Quarantine.open(store, { maxBytes: 20_000 });
    await addBatch(q, [{ ...input('EQUIVOCATION', 1), payload: new Uint8Array(5000) }]);
    await addBatch(
      q,
      Array.from({ length: 500 }, (_, i) => junk(i + 2, i, 300)),
    );
    const c = q.counts();
    expect(c.tiers.junk.bytes).toBeLessThanOrEqual(10_000);
    expect(c.bytes).toBeLessThanOrEqual(20_000);
    expect(c.tiers.signed.records).toBe(1);
  });

  it('makes room for signed evidence by evicting junk first', async () => {
    const q = await Quarantine.open(store, { capacity: 4 });
    await addBatch(q, [junk(1), junk(2), input('EQUIVOCATION', 3), input('EQUIVOCATION', 4)]);
    await addBatch(q, [input('EQUIVOCATION', 5)]);
    expect((await q.list()).records.map((r) => r.id)).toEqual([5, 4, 3, 2]);
    await addBatch(q, [input('EQUIVOCATION', 6), input('EQUIVOCATION', 7)]);
    expect((await q.list()).records.map((r) => r.id)).toEqual([7, 6, 5, 4]);
  });

  it('lets one source hold at most its quota, evicting only its own', async () => {
    const q = await Quarantine.open(store, { perSourceRecords: 3 });
    await addBatch(q, [junk(1, 9), junk(2, 8)]);
    await addBatch(
      q,
      [3, 4, 5, 6].map((n) => junk(n, 8)),
    );
    expect((await q.list()).records.map((r) => r.id)).toEqual([6, 5, 4, 1]);
    await addBatch(q, [{ ...input('EQUIVOCATION', 7), source: 'signer:x' }]);
    await addBatch(
      q,
      [8, 9, 10, 11].map((n) => ({ ...input('FUTURE_TIMESTAMP', n), source: 'signer:y' })),
    );
    const ids = (await q.list()).records.map((r) => r.id);
    expect(ids).toEqual([11, 10, 9, 7, 6, 5, 4, 1]);
  });

  it('keeps tiers, sources and quotas across a reopen', async () => {
    let q = await Quarantine.open(store, { perSourceRecords: 2 });
    await addBatch(q, [junk(1, 5), junk(2, 5), input('EQUIVOCATION', 3)]);
    await store.close();
    store = await LevelStore.open(`${dir.path}/db`);
    q = await Quarantine.open(store, { perSourceRecords: 2 });
    expect(q.counts().tiers).toMatchObject({ signed: { records: 1 }, junk: { records: 2 } });
    await addBatch(q, [junk(4, 5)]);
    expect((await q.list()).records.map((r) => r.id)).toEqual([4, 3, 2]);
  });
});

describe('when misconfigured', () => {
  it('refuses a capacity below 1', async () => {
    await expect(Quarantine.open(store, { capacity: 0 })).rejects.toThrow(RangeError);
  });
});

describe('when a record has a precise code beside its class', () => {
  const precise = (n: number, collidesWith?: number): QuarantineInput => ({
    ...input('WRONG_TAG', n),
    class: 'MALFORMED_COSE',
    evidence: () => ({ field: 'tag', ...(collidesWith === undefined ? {} : { collidesWith }) }),
  });

  it('stores both with the evidence, finds it by either and counts by class', async () => {
    const q = await Quarantine.open(store);
    await addBatch(q, [precise(1, 7), input('BAD_SIGNATURE', 2)]);
    const byDetail = await q.list({ code: 'WRONG_TAG' });
    const byClass = await q.list({ code: 'MALFORMED_COSE' });
    expect(byDetail.records.map((r) => [r.id, r.code, r.class])).toEqual([
      [1, 'WRONG_TAG', 'MALFORMED_COSE'],
    ]);
    expect(byClass.records.map((r) => r.id)).toEqual([1]);
    expect(byDetail.records[0]!.evidence).toEqual({ field: 'tag', collidesWith: 7 });
    expect(q.counts().recordsByCode).toEqual({ BAD_SIGNATURE: 1, MALFORMED_COSE: 1 });
  });

  it('makes the evidence only when the operations are asked for', async () => {
    const q = await Quarantine.open(store);
    const known: { index?: number } = {};
    const r = q.reserve({ ...precise(1), evidence: () => ({ collidesWith: known.index }) });
    known.index = 41;
    await store.commit(r.ops(), true);
    expect((await q.list()).records[0]!.evidence).toEqual({ collidesWith: 41 });
  });

  it('evicts both index rows and reopens with the class of each record', async () => {
    const q = await Quarantine.open(store, { capacity: 2 });
    await addBatch(q, [precise(1), precise(2)]);
    const again = await Quarantine.open(store, { capacity: 2 });
    expect(again.counts().recordsByCode).toEqual({ MALFORMED_COSE: 2 });
    await addBatch(again, [input('OVERSIZE', 3)]);
    expect((await again.list({ code: 'WRONG_TAG' })).records.map((r) => r.id)).toEqual([2]);
    expect((await again.list({ code: 'MALFORMED_COSE' })).records.map((r) => r.id)).toEqual([2]);
    expect(again.counts().recordsByCode).toEqual({ MALFORMED_COSE: 1, OVERSIZE: 1 });
  });
});
