/**
 * A simulated day through the real Mosquitto: the default fleet (PV, wind, households, an EV
 * charger; devices, a collection platform, a relay) with one fault of every kind. Every reading
 * the simulator saw acknowledged is in the log, every injected fault is in the quarantine with
 * its expected reason (read over the operator's quarantine route), replays are duplicates, gaps
 * show in the bundle, and a PV meter's bundle verifies with the energy the simulator produced.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '../../src/core/bytes.ts';
import { verifyBundle } from '../../src/core/bundle/verify.ts';
import { DEFAULT_FLEET, parseFleet } from '../../simulator/fleet/fleet.ts';
import { NodeApi } from '../../simulator/node-api.ts';
import type { FleetRun } from '../../simulator/run/run-fleet.ts';
import { runFleet } from '../../simulator/run/run-fleet.ts';
import { FAULT_KINDS, parseFaults } from '../../simulator/run/faults.ts';
import { receiptChecker } from '../../simulator/run/receipt-check.ts';
import { MOSQUITTO_URL, startTestNode, type TestNode } from './node-harness.ts';

const DAY = Math.floor(Date.now() / 86_400_000) * 86_400 - 86_400;

describe('when a simulated fleet replays a day through Mosquitto with every fault', () => {
  let t: TestNode;
  let api: NodeApi;
  let operator: string;
  let issuer: string;
  let run: FleetRun;
  const receipts: Uint8Array[] = [];
  let watcher: mqtt.MqttClient;

  beforeAll(async () => {
    t = await startTestNode('mosquitto');
    api = new NodeApi(t.node.url);
    operator = (await t.node.tokens.createToken('operator', 'simulator')).token;
    issuer = (await t.node.tokens.createToken('issuer', 'certificates')).token;
    watcher = await mqtt.connectAsync(MOSQUITTO_URL, { protocolVersion: 4, reconnectPeriod: 0 });
    watcher.on('message', (_topic, payload) => {
      if (receipts.length < 5) receipts.push(new Uint8Array(payload));
    });
    await watcher.subscribeAsync(`${t.topicRoot}/meters/+/receipts`, { qos: 0 });
    run = await runFleet({
      mqttUrl: MOSQUITTO_URL,
      topicRoot: t.topicRoot,
      node: api,
      operatorToken: operator,
      register: true,
      groups: parseFleet(DEFAULT_FLEET),
      seed: 42,
      prefix: `e2e${Date.now().toString(36)}`,
      start: DAY,
      intervals: 96,
      intervalSeconds: 900,
      faults: parseFaults(['all']),
    });
  }, 120_000);

  afterAll(async () => {
    await watcher?.endAsync();
    await t?.close();
  });

  const bundleOf = async (meters: readonly string[]) =>
    JSON.parse(await api.bundle(issuer, meters, run.from, run.to)) as {
      entries: { bytes?: string }[];
    };

  it('had every genuine reading acknowledged with a receipt that verifies', () => {
    const s = run.summary;
    expect(s.readings.published).toBeGreaterThan(900);
    expect(s.readings.acknowledged).toBe(s.readings.published);
    expect(s.receipts.invalid).toBe(0);
    expect(s.receipts.verified).toBe(true);
  });

  it('finds every acknowledged reading in the log, and nothing else of the fleet', async () => {
    const meters = run.fleet.meters.map((m) => m.meterId);
    const bundle = await bundleOf(meters);
    const verdict = verifyBundle(bundle, { logVkey: t.node.vkey });
    if (!verdict.valid) throw new Error(`${verdict.code}: ${verdict.message}`);
    const inLog = new Set(bundle.entries.map((e) => e.bytes!));
    const acked = [...run.account.readings.values()].filter((r) => r.leafIndex !== undefined);
    expect(acked.length).toBe(run.summary.readings.acknowledged);
    for (const r of acked) expect(inLog.has(toBase64(r.reading.bytes))).toBe(true);
    expect(inLog.size).toBe(acked.length);
  });

  it('finds every injected fault in the quarantine with its expected reason and topic', async () => {
    const rejected = run.account.faults.filter(
      (f) => f.expected !== 'duplicate' && f.expected !== 'gap',
    );
    expect(rejected.map((f) => f.kind).sort()).toEqual(
      ['bad-signature', 'clock-skew', 'equivocation', 'garbage', 'oversize'].sort(),
    );
    for (const f of rejected) {
      const records = await api.quarantineRecords(operator, f.expected);
      expect(records.filter((r) => r.topic === f.topic)).toHaveLength(1);
    }
    expect(run.summary.quarantine.observed).toEqual(run.summary.quarantine.expected);
    expect(run.account.faults.map((f) => f.kind).sort()).toEqual([...FAULT_KINDS].sort());
  });

  it('counts a replay as a duplicate: a second receipt for the same leaf, no new entry', () => {
    expect(run.summary.duplicatesObserved).toBe(1);
    expect(run.account.duplicateReceipts).toBe(1);
  });

  it('shows the silent meter and the dropped batch as sequence gaps in their bundles', async () => {
    for (const f of run.account.faults.filter((x) => x.expected === 'gap')) {
      expect(f.missing!.length).toBeGreaterThan(0);
      const summary = verifyBundle(await bundleOf([f.meterId]), { logVkey: t.node.vkey });
      if (!summary.valid) throw new Error(summary.message);
      const gaps = summary.summary.meters[0]!.sequenceGaps;
      // Readings of one interval share their sequence number across meters (interval end / length).
      for (const seq of new Set(f.missing)) {
        expect(gaps.some((g) => g.from <= seq && seq <= g.to)).toBe(true);
      }
    }
  });

  it("verifies a PV meter's day bundle with the energy the simulator says it produced", async () => {
    const gapMeters = new Set(
      run.account.faults.filter((f) => f.expected === 'gap').map((f) => f.meterId),
    );
    const pv = run.fleet.meters.find(
      (m) => m.kind.startsWith('pv') && m.mode === 'device' && !gapMeters.has(m.meterId),
    )!;
    const books = run.account.meters.get(pv.meterId)!;
    expect(books.producedWh).toBeGreaterThan(0);
    const verdict = verifyBundle(await bundleOf([pv.meterId]), { logVkey: t.node.vkey });
    if (!verdict.valid) throw new Error(`${verdict.code}: ${verdict.message}`);
    expect(verdict.summary.totals.readings).toBe(96);
    expect(verdict.summary.totals.exportWh).toBe(books.producedWh);
    expect(verdict.summary.totals.exportWh).toBe(books.ackedWh);
    expect(verdict.summary.totals.importWh).toBe(0);
  });

  it("checks receipts as a meter does: a receipt proves its own reading's bytes only", () => {
    expect(receipts.length).toBeGreaterThan(0);
    const checker = receiptChecker(t.node.vkey);
    const byKey = new Map(
      [...run.account.readings.values()].map((r) => [r.leafIndex, r.reading.bytes]),
    );
    let checked = 0;
    for (const bytes of receipts) {
      const message = checker.check(bytes, new Uint8Array(0));
      expect(message).toBeUndefined();
      for (const [leaf, reading] of byKey) {
        const m = checker.check(bytes, reading);
        if (m !== undefined) {
          expect(m.leafIndex).toBe(leaf);
          checked++;
        }
      }
    }
    expect(checked).toBe(receipts.length);
    // A flipped byte in the reading fails the proof.
    const one = [...byKey.values()][0]!;
    const flipped = fromBase64(toBase64(one));
    flipped[10]! ^= 1;
    expect(receipts.some((r) => checker.check(r, flipped) !== undefined)).toBe(false);
  });
});
