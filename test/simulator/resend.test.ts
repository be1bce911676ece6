/**
 * The simulator keeps each genuine reading until it holds its receipt or a notice naming its
 * bytes, and resends the same bytes when neither comes: against a real node whose receipts the
 * simulator's subscriber loses (a test hook; the node's own `receipts: false` would stop its
 * notices too), every reading ends acknowledged by the duplicate notice a resend gets, and the
 * log holds each reading once. With resending off the same run leaves them unacknowledged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimIo } from '../../simulator/cli/common.ts';
import { simMain } from '../../simulator/cli/main.ts';
import { parseFleet } from '../../simulator/fleet/fleet.ts';
import { NodeApi } from '../../simulator/node-api.ts';
import type { OutgoingReading } from '../../simulator/fleet/meter.ts';
import { Account } from '../../simulator/run/account.ts';
import { parseFaults } from '../../simulator/run/faults.ts';
import { runFleet, type RunFleetOptions } from '../../simulator/run/run-fleet.ts';
import { formatSummary, summarize } from '../../simulator/run/summary.ts';
import { startTestNode, type TestNode } from '../e2e/node-harness.ts';

const DAY = Date.parse('2026-02-01T00:00:00Z') / 1000;

describe('when every receipt of the node is lost on the way', () => {
  let t: TestNode;
  let api: NodeApi;
  let operator: string;
  beforeAll(async () => {
    t = await startTestNode('embedded');
    api = new NodeApi(t.node.url);
    operator = (await t.node.tokens.createToken('operator', 'resend')).token;
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Readings the node took into its log (a duplicate adds nothing). */
  const accepted = async (): Promise<number> => {
    const text = await (await fetch(`${t.node.url}/metrics`)).text();
    const m = /^ingest_readings_total\{outcome="accepted"\} (\d+)$/m.exec(text);
    return Number(m?.[1] ?? 0);
  };

  const options = (prefix: string): RunFleetOptions => ({
    mqttUrl: t.brokerUrl,
    topicRoot: t.topicRoot,
    node: api,
    operatorToken: operator,
    register: true,
    // Meters on their own topics and meters relayed in a platform's batches.
    groups: parseFleet('household:2@device,wind:1@relay'),
    seed: 11,
    prefix,
    start: DAY,
    intervals: 4,
    intervalSeconds: 900,
    drainMs: 3000,
    // Every receipt message, of a first publish or of a resend, is dropped; notices are not.
    dropReceipt: () => true,
  });

  it('resends each reading and holds it acknowledged by the duplicate notice, once in the log', async () => {
    const before = await accepted();
    const run = await runFleet({
      ...options('rsn-on'),
      resendAfterMs: 1000,
      // Bad copies are the simulator's own and are never resent: each gets one notice.
      faults: parseFaults(['bad-signature,equivocation']),
    });
    const s = run.summary;
    const n = s.readings.published;
    expect(n).toBe(12);
    expect(s.receipts.received).toBe(0);
    expect(s.readings).toMatchObject({
      acknowledged: n,
      acknowledgedAfterResend: n,
      refused: 0,
      unanswered: 0,
    });
    expect(s.readings.resent).toBeGreaterThanOrEqual(n);
    expect(s.unanswered).toEqual([]);
    for (const r of run.account.readings.values()) {
      expect(r.leafIndex).toBeDefined();
      expect(r.resends).toBeGreaterThanOrEqual(1);
    }
    const leaves = new Set([...run.account.readings.values()].map((r) => r.leafIndex));
    expect(leaves.size).toBe(n);
    // The resends were duplicates: each reading went into the log once.
    expect((await accepted()) - before).toBe(n);
    expect(s.duplicatesObserved).toBeGreaterThanOrEqual(n);
    expect(s.duplicatesObserved).toBeLessThanOrEqual(s.readings.resent);
    expect(s.notices.duplicates).toBeGreaterThanOrEqual(n);
    expect(s.notices).toMatchObject({ refused: 2, faultsExpectingNotice: 2, faultsMatched: 2 });
    expect(formatSummary(s)).toContain(`${n} readings acknowledged only after a resend`);
  }, 120_000);

  it('leaves them published and unacknowledged with resending off', async () => {
    const before = await accepted();
    const run = await runFleet({ ...options('rsn-off'), resendAfterMs: 0 });
    const s = run.summary;
    expect(s.readings).toMatchObject({
      published: 12,
      acknowledged: 0,
      resent: 0,
      acknowledgedAfterResend: 0,
      unanswered: 12,
    });
    expect(s.unanswered).toHaveLength(12);
    for (const r of s.unanswered) expect(r.resends).toBe(0);
    // In the log all the same.
    expect((await accepted()) - before).toBe(12);
    expect(formatSummary(s)).toContain('unanswered readings');
  }, 120_000);
});

describe('when the resend flags are given', () => {
  it.each([
    ['--resend-after', '-1'],
    ['--max-resends', '1.5'],
  ])('refuses %s %s as a usage error', async (flag, value) => {
    const err: string[] = [];
    const io: SimIo = {
      stdout: () => {},
      stderr: (x) => err.push(x),
      stderrIsTTY: false,
      env: {},
    };
    expect(await simMain(['run', flag, value], io)).toBe(2);
    expect(err.join('')).toContain(flag);
  });
});

describe('when the books keep readings for resending', () => {
  it('keeps a reading whose resends are used up outstanding and lists it, until it is answered', () => {
    const a = new Account();
    a.addMeter({
      meterId: 'm',
      kind: 'wind',
      mode: 'device',
      obis: '1-0:2.8.0',
      ratedCapacityW: 1,
    });
    for (const sequence of [1, 2]) {
      a.published(
        {
          meterId: 'm',
          sequence,
          energyWh: 1,
          bytes: new Uint8Array([sequence]),
        } as OutgoingReading,
        't',
      );
    }
    const [one, two] = [a.readings.get(Account.key('m', 1))!, a.readings.get(Account.key('m', 2))!];
    a.resent(one);
    a.resent(one);
    // Oldest send first: the reading just resent goes last.
    expect([...a.awaiting.values()]).toEqual([two, one]);
    a.gaveUp(one);
    expect([...a.awaiting.values()]).toEqual([two]);
    expect(a.outstanding).toBe(2);
    const summary = (): ReturnType<typeof summarize> =>
      summarize({
        account: a,
        elapsedS: 1,
        from: 0,
        to: 900,
        intervalSeconds: 900,
        verified: true,
        observedQuarantine: null,
        duplicatesObserved: null,
      });
    expect(summary().readings).toMatchObject({ resent: 2, unanswered: 2 });
    expect(summary().unanswered).toEqual([
      { meterId: 'm', sequence: 1, topic: 't', resends: 2 },
      { meterId: 'm', sequence: 2, topic: 't', resends: 0 },
    ]);
    expect(formatSummary(summary())).toContain('m sequence 1 on t, resent 2 times');
    // An answer after the last resend still counts.
    expect(a.acked(one, 7)).toBe(true);
    expect(a.acked(two, 8)).toBe(true);
    expect(a.awaiting.size).toBe(0);
    expect(summary().readings).toMatchObject({
      acknowledged: 2,
      acknowledgedAfterResend: 1,
      unanswered: 0,
    });
  });
});
