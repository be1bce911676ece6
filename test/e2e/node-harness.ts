/**
 * Runs a real ingest node for end-to-end tests: a temp data folder, HTTP on a free port, and
 * either the real Mosquitto at 127.0.0.1:1883 (with a unique client id and topic root, so test
 * files running at the same time never see each other's readings) or the embedded broker on a
 * free port. Also the devices and platforms that sign and publish readings.
 */
import { randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import mqtt, { type MqttClient } from 'mqtt';
import { utf8 } from '../../src/core/bytes.ts';
import { encodeCbor } from '../../src/core/cbor/index.ts';
import { CoseAlg } from '../../src/core/cose/index.ts';
import { signReading, type Reading } from '../../src/core/reading/index.ts';
import { meterReadingsTopic, platformReadingsTopic } from '../../src/ingest/topics.ts';
import { DEFAULT_CONFIG, type NodeConfig } from '../../src/node/config.ts';
import { startNode, type RunningNode } from '../../src/node/node.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

/** The machine's Mosquitto. */
export const MOSQUITTO_URL = 'mqtt://127.0.0.1:1883';

/** Which broker a test node uses. */
export type BrokerKind = 'mosquitto' | 'embedded';

/** A node under test and how to reach it. */
export interface TestNode {
  readonly node: RunningNode;
  readonly dir: string;
  readonly topicRoot: string;
  /** URL devices publish to. */
  readonly brokerUrl: string;
  readonly clientId: string;
  /** Stops the node (and, with Mosquitto, ends its persistent session) and removes its folder. */
  close(): Promise<void>;
}

/** Starts a node for a test. */
export async function startTestNode(
  broker: BrokerKind,
  options: {
    now?: () => number;
    dir?: string;
    topicRoot?: string;
    clientId?: string;
    /** Settings over the test defaults (quarantine limits, say). */
    config?: Partial<NodeConfig>;
  } = {},
): Promise<TestNode> {
  const tmp = options.dir === undefined ? await tempDir() : undefined;
  const dir = options.dir ?? tmp!.path;
  const run = randomBytes(4).toString('hex');
  const topicRoot = options.topicRoot ?? `test-${run}/wattproof/v1`;
  const clientId = options.clientId ?? `wattproof-test-${run}`;
  const config: NodeConfig = {
    ...DEFAULT_CONFIG,
    dataDir: dir,
    httpPort: 0,
    // Epochs only when a test cuts one (node.indexer.cut()), so that entry counts stay exact.
    index: { enabled: true, epochSeconds: 86_400, epochEntries: 100_000_000 },
    topicRoot,
    mqtt:
      broker === 'mosquitto'
        ? { mode: 'external', url: MOSQUITTO_URL, clientId, protocolVersion: 5 }
        : // Publisher logs in as no one and shares one connection for many meters; the
          // closed broker is tested in closed-broker.test.ts.
          { mode: 'embedded', host: '127.0.0.1', port: 0, allowAnonymous: true },
    ...options.config,
  };
  const node = await startNode(config, options.now ? { now: options.now } : {});
  const brokerUrl = broker === 'mosquitto' ? MOSQUITTO_URL : `mqtt://127.0.0.1:${node.mqttPort}`;
  return {
    node,
    dir,
    topicRoot,
    brokerUrl,
    clientId,
    close: async () => {
      await node.close();
      if (broker === 'mosquitto') await endSession(clientId);
      await tmp?.remove();
    },
  };
}

/** Ends a persistent Mosquitto session by connecting once with a clean start. */
export async function endSession(clientId: string): Promise<void> {
  const c = await mqtt.connectAsync(MOSQUITTO_URL, {
    clientId,
    clean: true,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  await c.endAsync();
}

/** A publisher connection (MQTT 3.1.1, QoS 1), with the receipts it was sent. */
export class Publisher {
  readonly receipts: { topic: string; payload: Uint8Array }[] = [];

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload) => {
      this.receipts.push({ topic, payload: new Uint8Array(payload) });
    });
  }

  /** Connects, and subscribes to the receipts under `topicRoot`. */
  static async connect(url: string, topicRoot: string): Promise<Publisher> {
    const client = await mqtt.connectAsync(url, {
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 0,
    });
    await client.subscribeAsync(`${topicRoot}/meters/+/receipts`, { qos: 0 });
    return new Publisher(client);
  }

  /** Publishes at QoS 1; resolves on the broker's PUBACK. */
  async publish(topic: string, payload: Uint8Array | string): Promise<void> {
    await this.client.publishAsync(
      topic,
      typeof payload === 'string' ? payload : Buffer.from(payload),
      { qos: 1 },
    );
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}

/** A signer of readings: a device (for its meter) or a platform (for its meters). */
export class TestSigner {
  readonly seed = new Uint8Array(randomBytes(32));
  readonly publicKey = ed25519.getPublicKey(this.seed);

  constructor(
    readonly signerId: string,
    readonly mode: 'device' | 'platform',
    readonly meters: string[],
  ) {}

  /** Registers this signer with the node (as an operator would). */
  async register(node: RunningNode, ratedCapacityW = 10_000): Promise<void> {
    await node.registry.register({
      signerId: this.signerId,
      mode: this.mode,
      keyType: 'Ed25519',
      publicKey: this.publicKey,
      meters: this.meters,
      ratedCapacityW,
    });
  }

  /** The reading of `meterId` with sequence `seq`: 15-minute intervals from `t0`, 500 Wh each. */
  reading(meterId: string, seq: number, t0: number, over: Partial<Reading> = {}): Reading {
    const energyWh = 500;
    return {
      meterId,
      sequence: seq,
      intervalStart: t0 + (seq - 1) * 900,
      intervalEnd: t0 + seq * 900,
      obis: '1-0:1.8.0',
      registerWh: 10_000 + seq * energyWh,
      energyWh,
      quality: 1,
      ...over,
    };
  }

  /** A signed reading (COSE_Sign1, EdDSA, kid = iss = this signer). */
  sign(r: Reading): Uint8Array {
    return signReading(r, {
      alg: CoseAlg.EdDSA,
      kid: utf8(this.signerId),
      issuer: this.signerId,
      privateKey: this.seed,
    });
  }
}

/** The topic a meter publishes on. */
export function meterTopic(root: string, meterId: string): string {
  return meterReadingsTopic(meterId, root);
}

/** The topic a platform publishes on. */
export function platformTopic(root: string, platformId: string): string {
  return platformReadingsTopic(platformId, root);
}

/** A platform message carrying several separately signed readings (a CBOR array of byte strings). */
export function platformBatch(readings: readonly Uint8Array[]): Uint8Array {
  return encodeCbor([...readings]);
}

/** Waits until `cond` holds, polling every `intervalMs`; fails with `what` after `timeoutMs`. */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
  intervalMs = 25,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
