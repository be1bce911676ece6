/**
 * `GET /v1/meters/:meterId/readings`: pages that together are the full list, without
 * duplicates, in (interval start, index) order; entries that check against their public leaf;
 * erased readings listed as such; cursors that refuse tampering and other queries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64 } from '../../src/core/bytes.ts';
import { readingFigures } from '../../src/core/bundle/reading-figures.ts';
import { checkDisclosure, entryBytesOf } from '../../src/core/leaf/leaf.ts';
import type { ErasedReadingJson, ReadingJson } from '../../src/api/routes/readings.ts';
import { TestSigner } from '../e2e/node-harness.ts';
import { appendReadings, openApiFixture, registerSigner, type ApiFixture } from './api-fixture.ts';

const T0 = 1_699_999_200;
const N = 29;

type Item = ReadingJson | ErasedReadingJson;
interface Page {
  meterId: string;
  from: number;
  to: number;
  readings: Item[];
  next?: string;
}

describe('when an issuer pages through a meter’s readings', () => {
  let f: ApiFixture;
  const device = new TestSigner('dev-r1', 'device', ['m-1']);
  const platform = new TestSigner('plat-r', 'platform', ['m-2', 'm-3']);
  const FROM = T0;
  const TO = T0 + N * 900;

  beforeAll(async () => {
    f = await openApiFixture({ cursorKey: new Uint8Array(32).fill(7) });
    await registerSigner(f, device);
    await registerSigner(f, platform);
    // Interleaved batches, out of interval order, with another meter in between.
    const seqs = Array.from({ length: N }, (_, i) => i + 1);
    await appendReadings(
      f,
      device,
      'm-1',
      seqs.filter((s) => s % 3 === 0),
      T0,
    );
    await appendReadings(f, platform, 'm-2', [1, 2, 3, 4, 5], T0);
    await appendReadings(
      f,
      device,
      'm-1',
      seqs.filter((s) => s % 3 !== 0),
      T0,
    );
    await appendReadings(f, platform, 'm-2', [6, 7], T0);
    await f.ledger.erase({
      meterId: 'm-1',
      from: T0 + 4 * 900,
      to: T0 + 6 * 900,
      requestedBy: { tokenId: 'test', label: 'test' },
    });
  });
  afterAll(async () => {
    await f?.close();
  });

  const get = async (meter: string, q: string, token = f.issuer) =>
    f.app.inject({
      method: 'GET',
      url: `/v1/meters/${meter}/readings?${q}`,
      headers: { authorization: `Bearer ${token}` },
    });

  async function allPages(meter: string, from: number, to: number, limit: number) {
    const pages: Page[] = [];
    let cursor: string | undefined;
    do {
      const res = await get(
        meter,
        `from=${from}&to=${to}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.statusCode).toBe(200);
      const page = res.json() as Page;
      pages.push(page);
      cursor = page.next;
      expect(pages.length).toBeLessThanOrEqual(N + 1);
    } while (cursor !== undefined);
    return pages;
  }

  it('lists every reading of the period once, in interval order, erased ones as erased', async () => {
    const res = await get('m-1', `from=${FROM}&to=${TO}&limit=1000`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const page = res.json() as Page;
    expect(page.next).toBeUndefined();
    expect(page.meterId).toBe('m-1');
    expect(page.readings).toHaveLength(N);
    const starts = page.readings.map((r) => r.intervalStart);
    expect(starts).toEqual(Array.from({ length: N }, (_, i) => T0 + i * 900));
    const erased = page.readings.filter((r): r is ErasedReadingJson => r.erased);
    expect(erased.map((r) => r.intervalStart)).toEqual([T0 + 4 * 900, T0 + 5 * 900]);
    for (const r of erased) {
      expect(Object.keys(r).sort()).toEqual(['erased', 'erasedAt', 'index', 'intervalStart']);
      expect(Number.isNaN(Date.parse(r.erasedAt))).toBe(false);
    }
  });

  it('gives each live reading bytes and salt that open its public leaf, and its figures', async () => {
    const page = (await get('m-1', `from=${FROM}&to=${TO}&limit=1000`)).json() as Page;
    const live = page.readings.filter((r): r is ReadingJson => !r.erased);
    expect(live).toHaveLength(N - 2);
    for (const r of live) {
      const leaf = await f.log.entry(r.index);
      const bytes = fromBase64(r.bytes);
      // The node chains each meter's readings: the entry bytes are link ‖ signed bytes.
      expect(r.link).toBeDefined();
      const entry = entryBytesOf(r.kind, bytes, fromBase64(r.link!));
      expect(checkDisclosure(leaf, fromBase64(r.salt), entry).kind).toBe(r.kind);
      const figures = readingFigures(r.kind, bytes, r.index);
      expect(r).toMatchObject({
        intervalStart: figures.intervalStart,
        intervalEnd: figures.intervalEnd,
        sequence: figures.sequence,
        channels: [
          {
            obis: '1-0:1.8.0',
            intervalStart: figures.intervalStart,
            intervalEnd: figures.intervalEnd,
            registerMilliWh: figures.channels[0]!.registerMilliWh,
            energyMilliWh: 500_000,
          },
        ],
        trustMode: 'device',
        signerId: 'dev-r1',
      });
      expect(r.sequence).toBe((r.intervalStart - T0) / 900 + 1);
    }
    const m2 = (await get('m-2', `from=${FROM}&to=${TO}`)).json() as Page;
    expect(m2.readings.map((r) => (r as ReadingJson).trustMode)).toEqual(Array(7).fill('platform'));
  });

  it('returns pages whose concatenation is the full list, for every page size', async () => {
    const full = ((await get('m-1', `from=${FROM}&to=${TO}&limit=1000`)).json() as Page).readings;
    for (const limit of [1, 2, 3, 4, 7, 10, 28, 29, 30]) {
      const pages = await allPages('m-1', FROM, TO, limit);
      const items = pages.flatMap((p) => p.readings);
      expect(items).toEqual(full);
      expect(new Set(items.map((r) => r.index)).size).toBe(items.length);
      expect(pages.length).toBe(Math.max(1, Math.ceil(N / limit)));
      for (const p of pages.slice(0, -1)) expect(p.readings).toHaveLength(limit);
    }
  });

  it('keeps to [from, to): from inclusive, to exclusive', async () => {
    const page = (await get('m-1', `from=${T0 + 900}&to=${T0 + 3 * 900}`)).json() as Page;
    expect(page.readings.map((r) => r.intervalStart)).toEqual([T0 + 900, T0 + 1800]);
    const none = (await get('m-3', `from=${FROM}&to=${TO}`)).json() as Page;
    expect(none.readings).toEqual([]);
    expect(none.next).toBeUndefined();
  });

  it('refuses a cursor with any character changed', async () => {
    const first = (await get('m-1', `from=${FROM}&to=${TO}&limit=5`)).json() as Page;
    const cursor = first.next!;
    expect(cursor).toMatch(/^[A-Za-z0-9_-]{44}$/);
    for (let i = 0; i < cursor.length; i++) {
      const c = cursor[i] === 'A' ? 'B' : 'A';
      const tampered = cursor.slice(0, i) + c + cursor.slice(i + 1);
      const res = await get('m-1', `from=${FROM}&to=${TO}&limit=5&cursor=${tampered}`);
      expect(res.statusCode, `position ${i}`).toBe(400);
      expect(res.json().error.code).toBe('INVALID_REQUEST');
      expect(res.json().error.message).toMatch(/^querystring\/cursor was altered/);
    }
    const ok = await get('m-1', `from=${FROM}&to=${TO}&limit=5&cursor=${cursor}`);
    expect(ok.statusCode).toBe(200);
  });

  it('refuses a cursor of another meter, period, or node start', async () => {
    const m2 = (await get('m-2', `from=${FROM}&to=${TO}&limit=2`)).json() as Page;
    const m1 = (await get('m-1', `from=${FROM}&to=${TO}&limit=2`)).json() as Page;
    for (const q of [
      `m-1|from=${FROM}&to=${TO}&cursor=${m2.next}`,
      `m-1|from=${FROM}&to=${TO + 900}&cursor=${m1.next}`,
      `m-1|from=${FROM + 1}&to=${TO}&cursor=${m1.next}`,
    ]) {
      const [meter, query] = q.split('|') as [string, string];
      const res = await get(meter, query);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error.message).toMatch(/belongs to another meter, period or node start/);
    }
    const other = await openApiFixture();
    try {
      await registerSigner(other, device);
      const res = await other.app.inject({
        method: 'GET',
        url: `/v1/meters/m-1/readings?from=${FROM}&to=${TO}&cursor=${m1.next}`,
        headers: { authorization: `Bearer ${other.issuer}` },
      });
      expect(res.statusCode).toBe(400);
    } finally {
      await other.close();
    }
  });

  it('does not list another meter’s readings or bytes', async () => {
    const page = (await get('m-1', `from=${FROM}&to=${TO}&limit=1000`)).json() as Page;
    const m2 = (await get('m-2', `from=${FROM}&to=${TO}`)).json() as Page;
    const m1Indices = new Set(page.readings.map((r) => r.index));
    for (const r of m2.readings) expect(m1Indices.has(r.index)).toBe(false);
    const m2Bytes = m2.readings.map((r) => (r as ReadingJson).bytes);
    expect(m2Bytes.every((b) => !JSON.stringify(page).includes(b))).toBe(true);
  });
});
