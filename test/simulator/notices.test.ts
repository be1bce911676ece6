/**
 * The simulator and the load generator count the node's refusal notices: each injected fault
 * gets a notice with its expected code (matched by the digest of the bytes sent), a meter
 * stops waiting for a reading the node refused, and the load generator tells refused readings
 * and duplicates apart. Through the real Mosquitto.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimIo } from '../../simulator/cli/common.ts';
import { simMain } from '../../simulator/cli/main.ts';
import { parseFleet } from '../../simulator/fleet/fleet.ts';
import { NodeApi } from '../../simulator/node-api.ts';
import { Account, noticeMatches } from '../../simulator/run/account.ts';
import { parseFaults } from '../../simulator/run/faults.ts';
import { runFleet } from '../../simulator/run/run-fleet.ts';
import { formatSummary, summarize } from '../../simulator/run/summary.ts';
import { startTestNode, type TestNode } from '../e2e/node-harness.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

const DAY = Date.parse('2026-02-01T00:00:00Z') / 1000;

function io(): SimIo & { out: string[] } {
  const out: string[] = [];
  return { out, stdout: (t) => out.push(t), stderr: () => {}, stderrIsTTY: false, env: {} };
}

describe('when the node answers faults with refusal notices', () => {
  let t: TestNode;
  let api: NodeApi;
  let operator: string;
  beforeAll(async () => {
    t = await startTestNode('mosquitto');
    api = new NodeApi(t.node.url);
    operator = (await t.node.tokens.createToken('operator', 'notices')).token;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('gets a verified notice with the expected code for every fault that reaches the node', async () => {
    const run = await runFleet({
      mqttUrl: t.brokerUrl,
      topicRoot: t.topicRoot,
      node: api,
      operatorToken: operator,
      register: true,
      groups: parseFleet('household:1@device,wind:1@relay,pv-rooftop:1@platform'),
      seed: 5,
      prefix: 'ntc',
      start: DAY,
      intervals: 8,
      intervalSeconds: 900,
      faults: parseFaults(['bad-signature,replay,equivocation,clock-skew,garbage,oversize']),
      drainMs: 10_000,
    });
    const s = run.summary;
    expect(s.receipts.verified).toBe(true);
    expect(s.faults).toHaveLength(6);
    expect(s.notices).toEqual({
      refused: 5,
      duplicates: 1,
      invalid: 0,
      faultsExpectingNotice: 6,
      faultsMatched: 6,
      faultsMissing: 0,
      faultsWrong: 0,
    });
    for (const f of s.faults) {
      expect(f.notice, f.kind).not.toBeNull();
      if (f.expected === 'duplicate') expect(f.notice!.outcome).toBe('duplicate');
      else expect(f.notice!.codeClass, f.kind).toBe(f.expected);
    }
    // No genuine reading was refused: a forged or equivocating copy names the same meter and
    // sequence, but not the genuine bytes.
    // Resends depend on how fast the answers come; every reading is answered either way.
    expect(s.readings).toEqual({
      published: s.readings.published,
      acknowledged: s.readings.published,
      refused: 0,
      resent: expect.any(Number),
      acknowledgedAfterResend: expect.any(Number),
      unanswered: 0,
    });
    expect(formatSummary(s)).toContain('6 of 6 faults got the notice expected');
  }, 120_000);

  it('stops waiting for readings the node refused, and exits 1 on a missing notice', async () => {
    // Nothing registered: every reading is refused (UNKNOWN_KEY). Without notices the run
    // would wait the whole drain time for receipts that never come.
    const t0 = performance.now();
    const run = await runFleet({
      mqttUrl: t.brokerUrl,
      topicRoot: t.topicRoot,
      node: api,
      operatorToken: operator,
      register: false,
      groups: parseFleet('household:2@device,wind:1@relay'),
      seed: 6,
      prefix: 'unreg',
      start: DAY,
      intervals: 4,
      intervalSeconds: 900,
      window: 4,
      drainMs: 60_000,
    });
    expect(performance.now() - t0).toBeLessThan(30_000);
    expect(run.summary.readings).toEqual({
      published: 12,
      acknowledged: 0,
      refused: 12,
      resent: expect.any(Number),
      acknowledgedAfterResend: 0,
      unanswered: 0,
    });
    expect(run.summary.notices.refused).toBe(12);
    for (const r of run.account.readings.values()) expect(r.refused).toBe('UNKNOWN_KEY');
  }, 120_000);
});

describe('when the books hold the notices of faults', () => {
  it('matches each notice to the fault whose bytes it names, once', () => {
    const a = new Account();
    const f = { kind: 'replay', meterId: 'm', at: 0, topic: 't', expected: 'duplicate' } as const;
    a.fault({ ...f, digest: 'aa' });
    a.fault({ ...f, digest: 'aa' });
    a.fault({ ...f, kind: 'garbage', expected: 'MALFORMED_COSE', digest: 'bb' });
    expect(a.faultsAwaitingNotice).toBe(3);
    expect(a.faultNotice('aa', { outcome: 'duplicate' })).toBe(a.faults[0]);
    expect(a.faultNotice('aa', { outcome: 'duplicate' })).toBe(a.faults[1]);
    expect(a.faultNotice('aa', { outcome: 'duplicate' })).toBeUndefined();
    expect(a.faultNotice('cc', { outcome: 'duplicate' })).toBeUndefined();
    a.faultNotice('bb', { outcome: 'refused', code: 'WRONG_TAG', codeClass: 'MALFORMED_COSE' });
    expect(a.faultsAwaitingNotice).toBe(0);
    const s = summarize({
      account: a,
      elapsedS: 1,
      from: 0,
      to: 900,
      intervalSeconds: 900,
      verified: true,
      observedQuarantine: null,
      duplicatesObserved: null,
    });
    expect(s.notices).toMatchObject({ faultsMatched: 3, faultsMissing: 0, faultsWrong: 0 });
    expect(formatSummary(s)).toContain('notice WRONG_TAG (MALFORMED_COSE)');
  });

  it.each<[Parameters<typeof noticeMatches>[1], boolean]>([
    [{ outcome: 'refused', code: 'BAD_SIGNATURE', codeClass: 'BAD_SIGNATURE' }, true],
    [{ outcome: 'refused', code: 'INVALID_FIELD', codeClass: 'MALFORMED_READING' }, false],
    [{ outcome: 'duplicate' }, false],
    [undefined, false],
  ])('compares a notice %j with the expected BAD_SIGNATURE', (n, ok) => {
    expect(noticeMatches('BAD_SIGNATURE', n)).toBe(ok);
  });

  it('counts a refused genuine reading as answered, and a receipt after it as invalid', () => {
    const a = new Account();
    a.addMeter({
      meterId: 'm',
      kind: 'wind',
      mode: 'device',
      obis: '1-0:2.8.0',
      ratedCapacityW: 1,
    });
    a.published(
      {
        meterId: 'm',
        sequence: 1,
        intervalStart: 0,
        intervalEnd: 900,
        obis: '1-0:2.8.0',
        registerWh: 1,
        energyWh: 1,
        bytes: new Uint8Array([1]),
      } as never,
      't',
    );
    const rec = a.readings.get(Account.key('m', 1))!;
    expect(a.outstanding).toBe(1);
    expect(a.refusedReading(rec, 'INTERVAL_OVERLAP')).toBe(true);
    expect(a.refusedReading(rec, 'INTERVAL_OVERLAP')).toBe(false);
    expect(a.outstanding).toBe(0);
    expect(a.acked(rec, 3)).toBe(false);
    expect(a.badReceipts).toBe(1);
  });
});

describe('when the load generator meets refusals and duplicates', () => {
  let t: TestNode;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    t = await startTestNode('mosquitto');
    tmp = await tempDir();
  });
  afterAll(async () => {
    await t?.close();
    await tmp?.remove();
  });

  it('counts refused notices for unregistered meters, then duplicate notices for a replay', async () => {
    const file = join(tmp.path, 'load.bin');
    const root = ['--topic-root', t.topicRoot];
    expect(
      await simMain(
        ['load', 'presign', '--readings', '20', '--meters', '4', '--out', file, ...root],
        io(),
      ),
    ).toBe(0);
    const publish = ['load', 'publish', '--file', file, '--mqtt-url', t.brokerUrl];
    const args = [...publish, '--node', t.node.url, '--json', ...root];
    type Figures = {
      receipts: number;
      committed: number;
      refused: number;
      notices: { refused: number; duplicates: number; invalid: number };
    };
    const run = async (extra: string[]): Promise<Figures> => {
      const o = io();
      expect(await simMain([...args, ...extra], o)).toBe(0);
      return JSON.parse(o.out.join('')) as Figures;
    };
    const unregistered = await run(['--no-register']);
    expect(unregistered).toMatchObject({
      receipts: 0,
      committed: 0,
      refused: 20,
      notices: { refused: 20, duplicates: 0, invalid: 0 },
    });
    const token = (await t.node.tokens.createToken('operator', 'load')).token;
    const accepted = await run(['--operator-token', token]);
    expect(accepted).toMatchObject({ receipts: 20, committed: 20, notices: { refused: 0 } });
    const replayed = await run(['--no-register']);
    expect(replayed).toMatchObject({
      committed: 0,
      notices: { refused: 0, duplicates: 20, invalid: 0 },
    });
  }, 120_000);
});
