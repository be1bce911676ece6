/**
 * Hostile use of the bundle route on a real node over real HTTP (issue: abandoned bundle
 * requests once exhausted the heap and took the embedded broker down): ten concurrent
 * maximal bundle requests, each from its own issuer token and dropped after 1 s, leave the
 * node alive, its bundle work stopped, within its memory budget (docs/operations.md §Memory),
 * and ingesting — a reading published after them is committed.
 */
import { request as httpRequest, type ClientRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EntryKind } from '../../src/core/leaf/leaf.ts';
import { openSignedReading } from '../../src/core/reading/index.ts';
import {
  platformBatch,
  platformTopic,
  Publisher,
  startTestNode,
  TestSigner,
  waitFor,
  type TestNode,
} from './node-harness.ts';

const T0 = 1_767_225_600; // 2026-01-01T00:00Z
const METERS = Array.from({ length: 100 }, (_, i) => `meter-${String(i).padStart(3, '0')}`);
const PER_METER = 120;
const MAX_ENTRIES = METERS.length * PER_METER; // the request is exactly as large as allowed
const MIB = 1024 * 1024;
// Generous: the node, this test process and vitest share one heap. docs/operations.md §Memory.
const HEAP_GROWTH_BUDGET = 256 * MIB;

function metric(text: string, line: string): number {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? NaN : Number(found.slice(line.length + 1));
}

describe('when ten clients ask for maximal bundles and hang up after 1 s', () => {
  let t: TestNode;
  let pub: Publisher;
  const platform = new TestSigner('plat-all', 'platform', METERS);
  const tokens: string[] = [];

  beforeAll(async () => {
    t = await startTestNode('embedded', {
      config: { bundleLimits: { maxEntries: MAX_ENTRIES, maxBytes: 32 * MIB } },
    });
    await platform.register(t.node);
    for (let i = 0; i < 10; i++) {
      tokens.push((await t.node.tokens.createToken('issuer', `hostile ${i}`)).token);
    }
    // The readings go straight into the ledger, as the ingest node records them (faster than
    // through the broker, and the route reads nothing else).
    for (const meterId of METERS) {
      const items = Array.from({ length: PER_METER }, (_, k) => {
        const bytes = platform.sign(platform.reading(meterId, k + 1, T0));
        const { reading } = openSignedReading(bytes);
        return {
          kind: EntryKind.readingCose,
          bytes,
          meta: {
            receivedAt: Date.now(),
            meterId,
            sequence: reading.sequence,
            intervalStart: reading.intervalStart,
            intervalEnd: reading.intervalEnd,
            signerId: platform.signerId,
            trustMode: platform.mode,
          },
        };
      });
      await t.node.ledger.append(items);
    }
    pub = await Publisher.connect(t.brokerUrl, t.topicRoot);
  }, 120_000);
  afterAll(async () => {
    await pub?.close();
    await t?.close();
  });

  it('stays alive, stops the work, keeps within its memory budget and keeps ingesting', async () => {
    const url = new URL(`${t.node.url}/v1/bundles`);
    const body = JSON.stringify({ meters: METERS, from: 0, to: Number.MAX_SAFE_INTEGER });
    global.gc?.();
    const base = process.memoryUsage();
    let peakHeap = base.heapUsed;
    let peakRss = base.rss;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakHeap = Math.max(peakHeap, m.heapUsed);
      peakRss = Math.max(peakRss, m.rss);
    }, 20);

    const started = Date.now();
    const outcomes = await Promise.all(
      tokens.map(
        (token) =>
          new Promise<{ status: number; received: number }>((resolve) => {
            let status = 0;
            let received = 0;
            const req: ClientRequest = httpRequest(
              url,
              {
                method: 'POST',
                headers: {
                  authorization: `Bearer ${token}`,
                  'content-type': 'application/json',
                  'accept-encoding': 'gzip',
                },
              },
              (res) => {
                status = res.statusCode ?? 0;
                res.on('data', (c: Buffer) => (received += c.length));
                res.on('error', () => undefined);
              },
            );
            req.on('error', () => undefined);
            req.end(body);
            setTimeout(() => {
              req.destroy();
              resolve({ status, received });
            }, 1_000);
          }),
      ),
    );
    // Busy answers came at once; the two let in were streaming (or planning) when dropped.
    const statuses = outcomes.map((o) => o.status).sort();
    expect(statuses.filter((s) => s === 503)).toHaveLength(8);
    expect(statuses.filter((s) => s === 200 || s === 0)).toHaveLength(2);

    // The work stops: no bundle is being served soon after the clients left.
    const metrics = async (): Promise<string> => (await fetch(`${t.node.url}/metrics`)).text();
    await waitFor(
      async () => metric(await metrics(), 'http_in_flight{kind="bundle"}') === 0,
      'the abandoned bundles to stop',
      5_000,
    );
    const stoppedAfterMs = Date.now() - started;
    const text = await metrics();
    expect(metric(text, 'http_abandoned_total{kind="bundle"}')).toBe(2);
    expect(metric(text, 'http_refused_busy_total{kind="bundle"}')).toBe(8);

    // Still ingesting: a reading published now is committed.
    const before = t.node.log.size;
    const late = platform.sign(platform.reading(METERS[0]!, PER_METER + 1, T0));
    await pub.publish(platformTopic(t.topicRoot, platform.signerId), platformBatch([late]));
    await waitFor(() => t.node.log.size === before + 1, 'the late reading to be committed');
    clearInterval(sampler);

    const heapGrowth = peakHeap - base.heapUsed;
    const rssGrowth = peakRss - base.rss;
    console.info(
      `hostile-http: ${MAX_ENTRIES} entries per request; work stopped ${stoppedAfterMs} ms after ` +
        `the requests began; heap ${(base.heapUsed / MIB).toFixed(0)} MiB → peak ` +
        `${(peakHeap / MIB).toFixed(0)} MiB (+${(heapGrowth / MIB).toFixed(0)}), RSS ` +
        `${(base.rss / MIB).toFixed(0)} MiB → peak ${(peakRss / MIB).toFixed(0)} MiB ` +
        `(+${(rssGrowth / MIB).toFixed(0)}); bytes received before the drop: ` +
        outcomes.map((o) => o.received).join(', '),
    );
    expect(heapGrowth).toBeLessThan(HEAP_GROWTH_BUDGET);
    expect(rssGrowth).toBeLessThan(2 * HEAP_GROWTH_BUDGET);
  }, 60_000);

  it('still serves a whole bundle afterwards', async () => {
    const res = await fetch(`${t.node.url}/v1/bundles`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens[0]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ meters: METERS.slice(0, 2), from: 0, to: Number.MAX_SAFE_INTEGER }),
    });
    expect(res.status).toBe(200);
    const bundle = (await res.json()) as { entries: unknown[] };
    expect(bundle.entries.length).toBeGreaterThanOrEqual(2 * PER_METER);
  });
});
