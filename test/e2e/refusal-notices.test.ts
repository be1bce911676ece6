/**
 * Refusal notices end to end, through the real Mosquitto and through the embedded broker: a
 * meter subscribed to its own receipts topic learns, in a notice signed by the log key, that a
 * reading was refused (with the code and its quarantine record) or was a duplicate (with the
 * receipt of the entry already in the log); a platform learns the same of a message refused as
 * a whole on its own receipts topic.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeReceiptMessage,
  noticeIsFor,
  verifyNotice,
  verifyReceiptMessage,
  type DuplicateNotice,
  type Notice,
  type RefusedNotice,
} from '../../src/core/receipt/index.ts';
import { meterReceiptsTopic, platformReceiptsTopic } from '../../src/ingest/topics.ts';
import {
  meterTopic,
  platformTopic,
  Publisher,
  startTestNode,
  TestSigner,
  waitFor,
  type BrokerKind,
  type TestNode,
} from './node-harness.ts';

const T0 = Math.floor(Date.now() / 1000) - 86_400;

/** A client subscribed to one receipts topic, keeping what arrives there. */
async function listen(
  url: string,
  topic: string,
): Promise<{ client: MqttClient; got: Uint8Array[] }> {
  const client = await mqtt.connectAsync(url, {
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 0,
  });
  const got: Uint8Array[] = [];
  client.on('message', (t, payload) => {
    if (t === topic) got.push(new Uint8Array(payload));
  });
  await client.subscribeAsync(topic, { qos: 0 });
  return { client, got };
}

describe.each<BrokerKind>(['mosquitto', 'embedded'])(
  'when readings are refused through %s',
  (broker) => {
    let t: TestNode;
    let pub: Publisher;
    const device = new TestSigner('dev-n1', 'device', ['nm-1']);
    let meter: { client: MqttClient; got: Uint8Array[] };
    let platform: { client: MqttClient; got: Uint8Array[] };

    const noticesOf = (got: readonly Uint8Array[]): Notice[] =>
      got.flatMap((b) => {
        try {
          return [verifyNotice(b, t.node.vkey)];
        } catch {
          return [];
        }
      });

    beforeAll(async () => {
      t = await startTestNode(broker);
      await device.register(t.node);
      pub = await Publisher.connect(t.brokerUrl, t.topicRoot);
      meter = await listen(t.brokerUrl, meterReceiptsTopic('nm-1', t.topicRoot));
      platform = await listen(t.brokerUrl, platformReceiptsTopic('np-1', t.topicRoot));
    });
    afterAll(async () => {
      await meter?.client.endAsync();
      await platform?.client.endAsync();
      await pub?.close();
      await t?.close();
    });

    it('tells the meter of a bad signature and of a duplicate, in notices it can verify', async () => {
      const first = device.sign(device.reading('nm-1', 1, T0));
      const forged = device.sign(device.reading('nm-1', 2, T0)).slice();
      forged[forged.length - 1]! ^= 0x01;
      await pub.publish(meterTopic(t.topicRoot, 'nm-1'), first);
      await pub.publish(meterTopic(t.topicRoot, 'nm-1'), forged);
      await pub.publish(meterTopic(t.topicRoot, 'nm-1'), first);
      await waitFor(() => noticesOf(meter.got).length >= 2, 'two notices');

      const notices = noticesOf(meter.got);
      const refused = notices.find((n): n is RefusedNotice => n.outcome === 'refused')!;
      expect(refused).toMatchObject({
        origin: t.node.log.origin,
        topic: meterTopic(t.topicRoot, 'nm-1'),
        meterId: 'nm-1',
        sequence: 2,
        codeClass: 'BAD_SIGNATURE',
      });
      expect(refused.code).toBe('BAD_SIGNATURE');
      // The meter matches the notice to the exact bytes it sent, and the quarantine has them.
      expect(noticeIsFor(refused, forged)).toBe(true);
      expect(noticeIsFor(refused, first)).toBe(false);
      const { records } = await t.node.quarantine.list({});
      expect(records.find((r) => r.id === refused.quarantineId)?.class).toBe('BAD_SIGNATURE');

      const dup = notices.find((n): n is DuplicateNotice => n.outcome === 'duplicate')!;
      expect(dup).toMatchObject({ meterId: 'nm-1', sequence: 1 });
      expect(noticeIsFor(dup, first)).toBe(true);
      const { message } = verifyReceiptMessage(dup.receipt!, first, t.node.vkey);
      expect(message.leafIndex).toBe(dup.duplicateOf);
      // The first reading's own receipt names the same leaf.
      const receipts = meter.got.flatMap((b) => {
        try {
          return [decodeReceiptMessage(b)];
        } catch {
          return [];
        }
      });
      expect(receipts.some((r) => r.sequence === 1 && r.leafIndex === dup.duplicateOf)).toBe(true);
      expect(t.node.ingest.stats.noticesPublished).toBeGreaterThanOrEqual(2);
    });

    it('tells a platform of a message refused as a whole on its own receipts topic', async () => {
      const payload = new Uint8Array([0x82, 0x41, 0x00]); // an array of 2 holding only one item
      await pub.publish(platformTopic(t.topicRoot, 'np-1'), payload);
      await waitFor(() => noticesOf(platform.got).length >= 1, 'the platform notice');
      const [n] = noticesOf(platform.got);
      expect(n).toMatchObject({
        outcome: 'refused',
        codeClass: 'MALFORMED_MESSAGE',
        topic: platformTopic(t.topicRoot, 'np-1'),
      });
      expect(n!.meterId).toBeUndefined();
      expect(noticeIsFor(n!, payload)).toBe(true);
    });
  },
);
