/**
 * A node on the NATS path, end to end: a private nats-server (JetStream and its MQTT 3.1.1
 * listener, on free ports), a node started with `mode: 'nats'`, and a meter that publishes a
 * signed reading over MQTT 3.1.1 at QoS 1 to the server's MQTT listener. The reading reaches the
 * log, the meter gets its receipt on its receipts topic through the listener, and the durable
 * consumer's ack floor moves only after the commit; a garbage payload gets a refusal notice and
 * a quarantine record and is acked like any outcome. And `--mqtt-url` with `--nats-url` is
 * refused with a message naming both.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { jetstreamManager, type ConsumerInfo, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { START_USAGE, startConfig } from '../../src/cli/start.ts';
import {
  noticeIsFor,
  verifyNotice,
  verifyReceiptMessage,
  type Notice,
} from '../../src/core/receipt/index.ts';
import { meterReceiptsTopic } from '../../src/ingest/topics.ts';
import type { Ledger } from '../../src/ledger/ledger.ts';
import { defaultNatsConsumer, defaultNatsStream } from '../../src/node/config.ts';
import { tempDir } from '../helpers/tmp-dir.ts';
import { startNatsServer, type PrivateNatsServer } from '../nats/nats-server.ts';
import {
  meterTopic,
  Publisher,
  startTestNode,
  TestSigner,
  waitFor,
  type TestNode,
} from './node-harness.ts';

const T0 = Math.floor(Date.now() / 1000) - 86_400;
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
// The loader by path, so that the empty folder needs no node_modules of its own.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('when a node takes its readings from NATS JetStream', () => {
  // Meter ids and the topic root without dots: Debian's nats-server 2.9.10 refuses MQTT topics
  // holding one (docs/nats-source.md §Subject mapping).
  const root = `nats-${randomBytes(4).toString('hex')}/wattproof/v1`;
  const stream = defaultNatsStream(root);
  const consumer = defaultNatsConsumer(root);
  const device = new TestSigner('dev-nats-1', 'device', ['nm-1']);
  let natsDir: { path: string; remove: () => Promise<void> };
  let server: PrivateNatsServer;
  let t: TestNode;
  let meter: Publisher;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  const info = (): Promise<ConsumerInfo> => jsm.consumers.info(stream, consumer);
  const onMeterTopic = (): Uint8Array[] =>
    meter.receipts
      .filter((r) => r.topic === meterReceiptsTopic('nm-1', root))
      .map((r) => r.payload);

  beforeAll(async () => {
    natsDir = await tempDir('wattproof-nats-node-');
    server = await startNatsServer(natsDir.path);
    t = await startTestNode('embedded', {
      topicRoot: root,
      config: { mqtt: { mode: 'nats', servers: [server.natsUrl], stream, consumer } },
    });
    await device.register(t.node);
    // The meter: MQTT 3.1.1, QoS 1, subscribed to the receipts under the root.
    meter = await Publisher.connect(server.mqttUrl, root);
    nc = await connect({ servers: server.natsUrl });
    jsm = await jetstreamManager(nc);
  }, 30_000);

  afterAll(async () => {
    await meter?.close();
    await t?.close();
    await nc?.close();
    await server?.close();
    await natsDir?.remove();
  });

  it('names the stream and consumer derived from the topic root', () => {
    expect(t.node.mqtt).toBe(`nats ${server.natsUrl} stream ${stream} consumer ${consumer}`);
    expect(t.node.mqttPort).toBeUndefined();
  });

  it('enters the reading, sends the meter its receipt, and acks only after the commit', async () => {
    const bytes = device.sign(device.reading('nm-1', 1, T0));
    const before = t.node.log.size;
    // Hold the ledger's commit until the test lets it go.
    const ledger = t.node.ledger as { commit: Ledger['commit'] };
    const commit = ledger.commit.bind(t.node.ledger);
    const gate = deferred();
    let held = 0;
    ledger.commit = async (...args) => {
      held++;
      await gate.promise;
      return commit(...args);
    };
    try {
      // The PUBACK comes from the NATS MQTT layer, while the commit is still held.
      await meter.publish(meterTopic(root, 'nm-1'), bytes);
      await waitFor(() => held === 1, 'the commit to be held');
      const pending = await info();
      expect(pending.delivered.stream_seq).toBe(1);
      expect(pending.num_ack_pending).toBe(1);
      expect(pending.ack_floor.stream_seq).toBe(0);
      expect(t.node.log.size).toBe(before);
      expect(onMeterTopic()).toHaveLength(0);

      gate.resolve();
      await waitFor(() => t.node.log.size === before + 1, 'the entry');
      await waitFor(async () => (await info()).ack_floor.stream_seq === 1, 'the ack');
    } finally {
      gate.resolve();
      delete (ledger as { commit?: unknown }).commit;
    }
    const acked = await info();
    expect(acked.num_ack_pending).toBe(0);
    expect(acked.num_redelivered).toBe(0);
    // Work-queue retention: acked means gone from the stream.
    await waitFor(async () => (await jsm.streams.info(stream)).state.messages === 0, 'empty');

    const rec = await t.node.ledger.record(before);
    expect(rec && !rec.erased && rec.meta.meterId).toBe('nm-1');
    await waitFor(() => onMeterTopic().length === 1, 'the receipt');
    const { message } = verifyReceiptMessage(onMeterTopic()[0]!, bytes, t.node.vkey);
    expect(message).toMatchObject({ meterId: 'nm-1', sequence: 1, leafIndex: before });

    // The mqtt_* metrics count the JetStream source's messages on this path.
    const text = t.node.metrics.render();
    expect(text).toMatch(/^mqtt_received_total 1$/m);
    expect(text).toMatch(/^mqtt_acked_total 1$/m);
    expect(text).toMatch(/^mqtt_in_flight 0$/m);
    expect(text).toMatch(/^mqtt_published_total 1$/m);
  }, 30_000);

  it('refuses a garbage payload with a notice and a quarantine record, and acks it', async () => {
    const garbage = new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]);
    const quarantined = t.node.quarantine.size;
    const seq = (await info()).delivered.stream_seq + 1;
    await meter.publish(meterTopic(root, 'nm-1'), garbage);

    const notices = (): Notice[] =>
      onMeterTopic().flatMap((b) => {
        try {
          return [verifyNotice(b, t.node.vkey)];
        } catch {
          return [];
        }
      });
    await waitFor(() => notices().length === 1, 'the refusal notice');
    const notice = notices()[0]!;
    expect(notice).toMatchObject({ outcome: 'refused', topic: meterTopic(root, 'nm-1') });
    expect(noticeIsFor(notice, garbage)).toBe(true);
    if (notice.outcome !== 'refused') throw new Error('not a refusal');
    expect(t.node.quarantine.size).toBe(quarantined + 1);
    const { records } = await t.node.quarantine.list({});
    expect(records.some((r) => r.id === notice.quarantineId)).toBe(true);

    // Acked like any committed outcome: not delivered again.
    await waitFor(async () => (await info()).ack_floor.stream_seq === seq, 'the ack');
    const after = await info();
    expect(after.num_ack_pending).toBe(0);
    expect(after.num_redelivered).toBe(0);
    await waitFor(async () => (await jsm.streams.info(stream)).state.messages === 0, 'empty');
    expect(t.node.metrics.render()).toMatch(/^mqtt_handler_failures_total 0$/m);
  }, 30_000);
});

describe('when wattproof start is given --mqtt-url and --nats-url', () => {
  it('lists the NATS flags in its --help', () => {
    for (const flag of ['--nats-url', '--nats-stream', '--nats-consumer', 'WATTPROOF_NATS_URL'])
      expect(START_USAGE).toContain(flag);
  });

  it('refuses, naming both flags', async () => {
    const both = ['--mqtt-url', 'mqtt://127.0.0.1:1883', '--nats-url', 'nats://127.0.0.1:4222'];
    expect(() => startConfig(both, {})).toThrow(/--mqtt-url and --nats-url/);
    expect(() =>
      startConfig(['--nats-url', 'nats://127.0.0.1:4222'], {
        WATTPROOF_MQTT_URL: 'mqtt://127.0.0.1:1883',
      }),
    ).toThrow(/--mqtt-url and --nats-url/);

    // As a user sees it: one line with the code, exit status 1, nothing created.
    const dir = await tempDir('wattproof-nats-flags-');
    try {
      const r = spawnSync(process.execPath, ['--import', TSX, MAIN, 'start', ...both], {
        cwd: dir.path,
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, NODE_OPTIONS: '' },
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('--mqtt-url and --nats-url');
      expect(r.stderr).toContain('[INVALID_CONFIG]');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(readdirSync(dir.path)).toEqual([]);
    } finally {
      await dir.remove();
    }
  }, 40_000);
});
