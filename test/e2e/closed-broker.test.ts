/**
 * A closed broker end to end (docs/mqtt.md §Access control), first the node's embedded broker,
 * then a real Mosquitto started with the configuration `wattproof broker-config` wrote from the
 * same node's registry: an anonymous client gets nothing, meter A cannot publish to meter B's
 * topic nor read B's receipts, a revoked signer cannot log in, and a good meter still gets its
 * reading in and its receipt back.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeReceiptMessage } from '../../src/core/receipt/receipt-message.ts';
import { runBrokerConfig } from '../../src/cli/broker-config.ts';
import { startConfig } from '../../src/cli/start.ts';
import { DEFAULT_CONFIG, type NodeConfig } from '../../src/node/config.ts';
import { startNode, type RunningNode } from '../../src/node/node.ts';
import { MOSQUITTO_BIN, startMosquitto, type PrivateMosquitto } from '../helpers/mosquitto.ts';
import { selfSignedCertificate } from '../helpers/self-signed.ts';
import { tempDir } from '../helpers/tmp-dir.ts';
import { meterTopic, platformBatch, platformTopic, TestSigner, waitFor } from './node-harness.ts';

const ROOT = `closed-${randomBytes(4).toString('hex')}/wattproof/v1`;
const T0 = Math.floor(Date.now() / 1000) - 86_400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const A = new TestSigner('dev-a', 'device', ['mtr-a']);
const B = new TestSigner('dev-b', 'device', ['mtr-b']);
const C = new TestSigner('dev-c', 'device', ['mtr-c']);
const P = new TestSigner('hes-1', 'platform', ['leg-1']);
const passwords = new Map<string, string>();
const seq = new Map<string, number>();

let tmp: { path: string; remove: () => Promise<void> };
let node: RunningNode;
let token: string;
const clients: MqttClient[] = [];

function nodeConfig(mqttConfig: NodeConfig['mqtt']): NodeConfig {
  return {
    ...DEFAULT_CONFIG,
    dataDir: join(tmp.path, 'node'),
    httpPort: 0,
    topicRoot: ROOT,
    mqtt: mqttConfig,
  };
}

async function api(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
  return fetch(`${node.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function connect(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    clean: true,
    ...options,
  });
  c.on('error', () => {});
  clients.push(c);
  return c;
}

const as = (s: TestSigner): IClientOptions => ({
  username: s.signerId,
  password: passwords.get(s.signerId)!,
  clientId: `${s.signerId}-${randomBytes(3).toString('hex')}`,
});

async function refusal(url: string, options: IClientOptions): Promise<number | undefined> {
  const e = await connect(url, options).then(
    () => undefined,
    (err: unknown) => err,
  );
  return (e as { code?: number } | undefined)?.code;
}

/** The next signed reading of `s` for its first meter. */
function nextReading(s: TestSigner, meter = s.meters[0]!): Uint8Array {
  const n = (seq.get(meter) ?? 0) + 1;
  seq.set(meter, n);
  return s.sign(s.reading(meter, n, T0));
}

/** Receipts arriving at `c`, by meter id. */
function receipts(c: MqttClient): { meter: string; topic: string }[] {
  const got: { meter: string; topic: string }[] = [];
  c.on('message', (topic, payload) => {
    try {
      got.push({ meter: decodeReceiptMessage(new Uint8Array(payload)).meterId, topic });
    } catch {
      got.push({ meter: '?', topic });
    }
  });
  return got;
}

async function suback(c: MqttClient, filter: string): Promise<number | undefined> {
  try {
    return (await c.subscribeAsync(filter, { qos: 0 }))[0]?.qos;
  } catch (e) {
    return (e as { packet?: { granted?: number[] } }).packet?.granted?.[0];
  }
}

beforeAll(async () => {
  tmp = await tempDir();
  node = await startNode(nodeConfig({ mode: 'embedded', host: '127.0.0.1', port: 0 }));
  token = (await readFile(join(tmp.path, 'node', 'operator.token'), 'utf8')).trim();
  for (const s of [A, B, C, P]) {
    const res = await api('POST', '/v1/registry/signers', {
      signerId: s.signerId,
      mode: s.mode,
      keyType: 'Ed25519',
      publicKey: Buffer.from(s.publicKey).toString('base64'),
      meters: s.meters,
      ratedCapacityW: 10_000,
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { credential: { username: string; password: string } };
    expect(body.credential.username).toBe(s.signerId);
    passwords.set(s.signerId, body.credential.password);
  }
}, 30_000);

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await node?.close();
  await tmp?.remove();
});

/** The same checks against either broker; `publishDenied` says how it answers a forged publish. */
function accessChecks(url: () => string, publishDenied: 'disconnects' | 'drops'): void {
  it('refuses an anonymous client at CONNACK, so it can neither subscribe nor publish', async () => {
    expect(await refusal(url(), {})).toBe(5);
    expect(await refusal(url(), { username: 'dev-a', password: 'wpm_guess' })).toBeGreaterThan(3);
  });

  it('lets a good meter in: its reading is committed and its receipt comes back', async () => {
    const a = await connect(url(), as(A));
    const got = receipts(a);
    expect(await suback(a, `${ROOT}/meters/mtr-a/receipts`)).toBe(0);
    const before = node.log.size;
    await a.publishAsync(meterTopic(ROOT, 'mtr-a'), Buffer.from(nextReading(A)), { qos: 1 });
    await waitFor(() => node.log.size > before, 'the entry');
    await waitFor(() => got.length > 0, 'the receipt');
    expect(got[0]).toEqual({ meter: 'mtr-a', topic: `${ROOT}/meters/mtr-a/receipts` });
  });

  it("keeps meter A from publishing to meter B's topic, even B's own signed reading", async () => {
    const a = await connect(url(), as(A));
    const before = { size: node.log.size, quarantined: node.quarantine.size };
    const forged = Buffer.from(nextReading(B));
    if (publishDenied === 'disconnects') {
      const gone = new Promise<void>((r) => a.once('close', () => r()));
      a.publish(meterTopic(ROOT, 'mtr-b'), forged, { qos: 1 });
      await gone;
    } else {
      await a.publishAsync(meterTopic(ROOT, 'mtr-b'), forged, { qos: 1 });
      await sleep(500);
    }
    expect(node.log.size).toBe(before.size);
    expect(node.quarantine.size).toBe(before.quarantined);
    seq.set('mtr-b', seq.get('mtr-b')! - 1);
  });

  it("keeps meter A from reading B's receipts or anyone's readings", async () => {
    const a = await connect(url(), as(A));
    const seen = receipts(a);
    for (const f of [`${ROOT}/meters/mtr-b/receipts`, `${ROOT}/meters/+/readings`, '#']) {
      // Mosquitto 2.0 grants the subscription and delivers nothing; aedes refuses it (0x80).
      const code = await suback(a, f);
      expect(code, f).toBe(publishDenied === 'disconnects' ? 128 : 0);
    }
    const b = await connect(url(), as(B));
    const got = receipts(b);
    await b.subscribeAsync(`${ROOT}/meters/mtr-b/receipts`, { qos: 0 });
    await b.publishAsync(meterTopic(ROOT, 'mtr-b'), Buffer.from(nextReading(B)), { qos: 1 });
    await waitFor(() => got.length > 0, "B's receipt");
    await sleep(300);
    expect(seen).toEqual([]);
  });

  it('lets a platform publish on its own topic and read its meters’ receipts', async () => {
    const p = await connect(url(), as(P));
    const got = receipts(p);
    expect(await suback(p, `${ROOT}/meters/leg-1/receipts`)).toBe(0);
    const batch = platformBatch([nextReading(P, 'leg-1')]);
    await p.publishAsync(platformTopic(ROOT, 'hes-1'), Buffer.from(batch), { qos: 1 });
    await waitFor(() => got.length > 0, "the platform's receipt");
    expect(got[0]?.meter).toBe('leg-1');
  });
}

describe('when the node runs its embedded broker (closed by default)', () => {
  const url = (): string => `mqtt://127.0.0.1:${node.mqttPort}`;
  accessChecks(url, 'disconnects');

  it('refuses a revoked signer, also on the connection it had open', async () => {
    const c = await connect(url(), as(C));
    const res = await api('POST', '/v1/registry/signers/dev-c/revoke', { reason: 'stolen' });
    expect(res.status).toBe(200);
    const gone = new Promise<void>((r) => c.once('close', () => r()));
    c.publish(meterTopic(ROOT, 'mtr-c'), Buffer.from(nextReading(C)), { qos: 1 });
    await gone;
    expect(await refusal(url(), as(C))).toBe(4);
  });
});

describe.runIf(MOSQUITTO_BIN !== undefined)(
  'when the node uses a Mosquitto configured by `wattproof broker-config`',
  () => {
    let broker: PrivateMosquitto;
    let confDir: string;

    beforeAll(async () => {
      confDir = join(tmp.path, 'mosquitto');
      let out = '';
      let err = '';
      const code = await runBrokerConfig(
        ['--out', confDir, '--node', node.url, '--token', token, '--topic-root', ROOT],
        { stdout: (t) => (out += t), stderr: (t) => (err += t), env: {} },
      );
      expect(err).toBe('');
      expect(code).toBe(0);
      expect(out).toContain('3 signer(s)');
      const conf = (await readFile(join(confDir, 'mosquitto.conf'), 'utf8'))
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('#'));
      expect(conf).toContain('allow_anonymous false');
      // Started as root, Mosquitto drops to its own user, who may not read the 0600 password
      // file of this test's user: keep it as this user (operators chown the files instead).
      broker = await startMosquitto(confDir, [`user ${userInfo().username}`, ...conf]);
      // The same node, its registry and log, now behind the external broker as its own user.
      await node.close();
      node = await startNode(
        nodeConfig({
          mode: 'external',
          url: broker.url,
          clientId: `wattproof-closed-${randomBytes(3).toString('hex')}`,
          protocolVersion: 5,
          username: 'wattproof-node',
          password: (await readFile(join(confDir, 'node.password'), 'utf8')).trim(),
        }),
      );
    }, 30_000);
    afterAll(async () => {
      await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
      await node?.close();
      await broker?.close();
    });

    accessChecks(() => broker.url, 'drops');

    it('refuses the signer revoked before the configuration was written', async () => {
      expect(await refusal(broker.url, as(C))).toBeGreaterThan(3);
    });

    it("keeps a signer from logging in as the node's user", async () => {
      expect(
        await refusal(broker.url, { username: 'wattproof-node', password: 'x' }),
      ).toBeGreaterThan(3);
    });
  },
);

describe('when the start flags set up the embedded broker', () => {
  it('is closed unless --mqtt-allow-anonymous, and takes the TLS files in pairs', () => {
    const embedded = (args: string[]) => {
      const c = startConfig(args, {});
      return c?.mqtt.mode === 'embedded' ? c.mqtt : undefined;
    };
    expect(embedded([])?.allowAnonymous).toBeUndefined();
    expect(embedded(['--mqtt-allow-anonymous'])?.allowAnonymous).toBe(true);
    expect(embedded(['--mqtt-tls-cert', 'c.pem', '--mqtt-tls-key', 'k.pem'])?.tls).toEqual({
      certFile: 'c.pem',
      keyFile: 'k.pem',
    });
    const code = (args: string[]) => {
      try {
        startConfig(args, {});
      } catch (e) {
        return (e as { code?: string }).code;
      }
      return undefined;
    };
    expect(code(['--mqtt-tls-cert', 'c.pem'])).toBe('INVALID_CONFIG');
    expect(code(['--mqtt-url', 'mqtt://127.0.0.1:1883', '--mqtt-allow-anonymous'])).toBe(
      'INVALID_CONFIG',
    );
  });

  it('serves MQTTS with the certificate files, and names a file it cannot read', async () => {
    const dir = join(tmp.path, 'tls');
    await mkdir(dir);
    const pem = await selfSignedCertificate(dir, 'server');
    const config = (certFile: string): NodeConfig => ({
      ...DEFAULT_CONFIG,
      dataDir: join(dir, 'node'),
      httpPort: 0,
      topicRoot: ROOT,
      mqtt: {
        mode: 'embedded',
        host: '127.0.0.1',
        port: 0,
        tls: { certFile, keyFile: pem.key },
      },
    });
    const e = await startNode(config(`${dir}/missing.pem`)).catch((err: unknown) => err);
    expect(e).toMatchObject({ code: 'INVALID_CONFIG' });
    const tlsNode = await startNode(config(pem.cert));
    try {
      expect(tlsNode.mqtt).toBe(`embedded broker on 127.0.0.1:${tlsNode.mqttPort} with TLS`);
      const s = new TestSigner('dev-tls', 'device', ['mtr-tls']);
      const { credential } = await tlsNode.registry.register({
        signerId: s.signerId,
        mode: 'device',
        keyType: 'Ed25519',
        publicKey: s.publicKey,
        meters: s.meters,
        ratedCapacityW: 10_000,
      });
      const c = await connect(`mqtts://127.0.0.1:${tlsNode.mqttPort}`, {
        username: credential!.username,
        password: credential!.password,
        ca: await readFile(pem.cert, 'utf8'),
      });
      const before = tlsNode.log.size;
      await c.publishAsync(
        meterTopic(ROOT, 'mtr-tls'),
        Buffer.from(s.sign(s.reading('mtr-tls', 1, T0))),
        {
          qos: 1,
        },
      );
      expect(tlsNode.log.size).toBeGreaterThan(before);
      await c.endAsync();
    } finally {
      await tlsNode.close();
    }
  }, 30_000);
});
