/**
 * Real-time mode publishes each interval only once it has ended on the wall clock; the books
 * keep their figures when they drop old readings' bytes; the progress line is redrawn on a
 * terminal and throttled elsewhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFleet } from '../../simulator/fleet/fleet.ts';
import type { OutgoingReading } from '../../simulator/fleet/meter.ts';
import { NodeApi } from '../../simulator/node-api.ts';
import { Account } from '../../simulator/run/account.ts';
import { progressReporter } from '../../simulator/run/progress.ts';
import type { Progress } from '../../simulator/run/simulate.ts';
import { parseFaults } from '../../simulator/run/faults.ts';
import { runFleet } from '../../simulator/run/run-fleet.ts';
import { formatSummary } from '../../simulator/run/summary.ts';
import { startTestNode, type TestNode } from '../e2e/node-harness.ts';

describe('when the fleet runs in real time', () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startTestNode('embedded');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('publishes each interval after it ends, and the node acknowledges every reading', async () => {
    const step = 2;
    const start = Math.floor(Date.now() / 1000 / step) * step;
    const operator = (await t.node.tokens.createToken('operator', 'rt')).token;
    const run = await runFleet({
      mqttUrl: t.brokerUrl,
      topicRoot: t.topicRoot,
      node: new NodeApi(t.node.url),
      operatorToken: operator,
      register: true,
      groups: parseFleet('household:1,wind:1@relay'),
      seed: 3,
      prefix: 'rt',
      start,
      intervals: 3,
      intervalSeconds: step,
      realtime: true,
    });
    // The last interval ends at start + 6 s and is published a second after that.
    expect(Date.now() / 1000).toBeGreaterThanOrEqual(start + 3 * step + 1);
    expect(run.summary.readings).toEqual({
      published: 6,
      acknowledged: 6,
      refused: 0,
      resent: expect.any(Number),
      acknowledgedAfterResend: expect.any(Number),
      unanswered: 0,
    });
    for (const r of run.account.readings.values()) {
      expect(r.reading.intervalEnd - r.reading.intervalStart).toBe(step);
    }
  }, 60_000);

  it('reports faults a one-interval run cannot carry instead of losing them', async () => {
    const operator = (await t.node.tokens.createToken('operator', 'short')).token;
    const run = await runFleet({
      mqttUrl: t.brokerUrl,
      topicRoot: t.topicRoot,
      node: new NodeApi(t.node.url),
      operatorToken: operator,
      register: true,
      groups: parseFleet('household:1'),
      seed: 3,
      prefix: 'short',
      start: Date.parse('2026-02-01T12:00:00Z') / 1000,
      intervals: 1,
      intervalSeconds: 900,
      faults: parseFaults(['replay']),
    });
    expect(run.summary.readings).toEqual({
      published: 1,
      acknowledged: 1,
      refused: 0,
      resent: expect.any(Number),
      acknowledgedAfterResend: expect.any(Number),
      unanswered: 0,
    });
    expect(run.summary.faults).toEqual([]);
    expect(run.summary.notInjected).toEqual([{ kind: 'replay', meterId: 'short-home-01' }]);
    expect(formatSummary(run.summary)).toContain('not injected: replay on short-home-01');
  }, 60_000);
});

describe('when the books grow past what they keep', () => {
  it('drops the bytes of old acknowledged readings but keeps every figure', () => {
    const a = new Account();
    a.addMeter({
      meterId: 'm',
      kind: 'wind',
      mode: 'device',
      obis: '1-0:2.8.0',
      ratedCapacityW: 1,
    });
    const n = Account.RETAIN + 10;
    for (let i = 1; i <= n; i++) {
      const r = {
        meterId: 'm',
        sequence: i,
        energyWh: 2,
        bytes: new Uint8Array(1),
      } as OutgoingReading;
      a.published(r, 'topic');
      a.acked(a.readings.get(Account.key('m', i))!, i);
    }
    expect(a.readings.size).toBeLessThanOrEqual(Account.RETAIN);
    expect(a.readings.has(Account.key('m', n))).toBe(true);
    const m = a.meters.get('m')!;
    expect([m.published, m.acked, m.ackedWh, a.outstanding]).toEqual([n, n, 2 * n, 0]);
  });
});

describe('when progress is reported', () => {
  const p: Progress = {
    elapsedS: 1,
    simTime: 1_767_225_600,
    intervalsDone: 4,
    intervals: 96,
    messages: 30,
    published: 40,
    brokerAcked: 30,
    receipts: 20,
    acked: 20,
    resent: 2,
    refusedNotices: 3,
    duplicateNotices: 1,
    rate: 20,
  };

  it('redraws one line on a terminal', () => {
    const out: string[] = [];
    const r = progressReporter({ write: (s) => out.push(s), isTTY: true });
    r.update(p);
    r.update(p);
    r.end();
    expect(out).toHaveLength(3);
    expect(out[0]!.startsWith('\r\x1b[K')).toBe(true);
    expect(out[0]).toContain('interval 4/96  published 40 (30 msgs, broker acked 30)  receipts 20');
    expect(out[0]).toContain('acknowledged 20  resent 2');
    expect(out[0]).toContain('notices 3 refused 1 duplicate');
    expect(out[2]).toBe('\n');
  });

  it('writes whole lines at most every few seconds elsewhere', () => {
    const out: string[] = [];
    const r = progressReporter({ write: (s) => out.push(s), isTTY: false }, 60_000);
    r.update(p);
    r.update(p);
    r.end();
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^sim 2026-01-01 00:00Z .*\n$/);
  });
});
