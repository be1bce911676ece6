/**
 * The hostile-input table (test/ingest/helpers/hostile-table.ts) sent through real brokers:
 * every hostile message lands in quarantine with its code, the node keeps running, and the good
 * readings published around them are all in the log. Rows whose topic lies outside the node's
 * readings topics (an unknown or malformed topic) are not delivered to the node by any broker
 * — it never subscribes to them — so they are covered by the pipeline test only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EntryKind } from '../../src/core/leaf/index.ts';
import { parseTopic, TOPIC_ROOT } from '../../src/ingest/topics.ts';
import type { InboundMessage } from '../../src/mqtt/transport.ts';
import { ALL_SIGNERS, DEV_C, DEV_R, NOW_MS, reading, signed } from '../ingest/helpers/fixtures.ts';
import { HOSTILE_TABLE, hostileSetup } from '../ingest/helpers/hostile-table.ts';
import {
  Publisher,
  startTestNode,
  waitFor,
  type BrokerKind,
  type TestNode,
} from './node-harness.ts';

const DELIVERABLE = HOSTILE_TABLE.filter(([, messages]) =>
  messages.every((m) => parseTopic(m.topic) !== undefined),
);

describe.each<BrokerKind>(['mosquitto', 'embedded'])(
  'when hostile messages arrive through %s',
  (broker) => {
    let t: TestNode;
    let pub: Publisher;
    const onRoot = (topic: string): string => topic.replace(`${TOPIC_ROOT}/`, `${t.topicRoot}/`);
    const send = async (m: InboundMessage): Promise<void> =>
      pub.publish(onRoot(m.topic), m.payload);

    beforeAll(async () => {
      t = await startTestNode(broker, { now: () => NOW_MS });
      for (const s of ALL_SIGNERS) {
        const r = s.record;
        await t.node.registry.register({
          signerId: r.signerId,
          mode: r.mode,
          keyType: r.keyType,
          publicKey: r.publicKey,
          meters: [...r.meters],
          ratedCapacityW: r.ratedCapacityW,
        });
      }
      await t.node.registry.revoke(DEV_R.record.signerId, 'key compromised');
      pub = await Publisher.connect(t.brokerUrl, t.topicRoot);
      const before = t.node.log.size;
      for (const m of hostileSetup()) await send(m);
      await waitFor(() => t.node.log.size === before + 2, 'the setup readings');
    });
    afterAll(async () => {
      await pub?.close();
      await t?.close();
    });

    it('delivers at least 25 rows of the table', () => {
      expect(DELIVERABLE.length).toBeGreaterThanOrEqual(25);
    });

    it('quarantines each with its code, in order, and loses no good reading around them', async () => {
      const start = t.node.log.size;
      const quarantinedBefore = t.node.quarantine.size;
      let seq = 0;
      const expected: string[] = [];
      for (const [, messages, codes] of DELIVERABLE) {
        await send({
          topic: `${TOPIC_ROOT}/meters/mtr-C/readings`,
          payload: signed(DEV_C, reading('mtr-C', ++seq)),
          receivedAt: 0,
        });
        for (const m of messages) await send(m);
        await send({
          topic: `${TOPIC_ROOT}/meters/mtr-C/readings`,
          payload: signed(DEV_C, reading('mtr-C', ++seq)),
          receivedAt: 0,
        });
        expected.push(...codes);
      }
      await waitFor(
        () => t.node.quarantine.size === quarantinedBefore + expected.length,
        `${expected.length} quarantine records`,
        30_000,
      );
      // An equivocation also enters the log, as a flag of its meter (docs/index.md §Meter flags).
      const flags = expected.filter((c) => c === 'EQUIVOCATION').length;
      await waitFor(
        () => t.node.log.size === start + seq + flags,
        `${seq} good readings and ${flags} flags`,
        30_000,
      );

      const { records } = await t.node.quarantine.list({ limit: expected.length });
      expect(records.map((r) => r.class).reverse()).toEqual(expected);
      for (const r of records) expect(r.topic.startsWith(`${t.topicRoot}/`)).toBe(true);

      const good = [];
      let flagEntries = 0;
      for (let i = start; i < t.node.log.size; i++) {
        const r = await t.node.ledger.record(i);
        if (r !== undefined && r.kind === EntryKind.meterFlag) flagEntries++;
        else good.push(r);
      }
      expect(flagEntries).toBe(flags);
      expect(
        good.map((r) => (r && !r.erased ? `${r.meta.meterId}/${r.meta.sequence}` : 'missing')),
      ).toEqual(Array.from({ length: seq }, (_, k) => `mtr-C/${k + 1}`));
    });

    it('keeps running and accepts readings afterwards', async () => {
      const before = t.node.log.size;
      await send({
        topic: `${TOPIC_ROOT}/meters/mtr-C/readings`,
        payload: signed(DEV_C, reading('mtr-C', 1000)),
        receivedAt: 0,
      });
      await waitFor(() => t.node.log.size === before + 1, 'one more reading');
      const res = await fetch(`${t.node.url}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/ingest_rejections_total\{code="BAD_SIGNATURE"\} [1-9]/);
    });
  },
);
