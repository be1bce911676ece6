/**
 * The embedded broker closed (docs/mqtt.md §Access control): logins against type-7 hashes,
 * publishes and subscriptions within each user's grants, deliveries stopped when a user is
 * revoked or its credential re-issued, client ids kept per user; MQTTS with a self-signed
 * certificate; warnings for a broker exposed without TLS or open to anyone.
 */
import { readFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { generate } from 'mqtt-packet';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../src/mqtt/transport.ts';
import {
  EmbeddedBroker,
  hashMosquittoPasswordSync,
  isLoopbackHost,
  MqttError,
  signerGrants,
  type BrokerAccess,
  type BrokerUser,
} from '../../src/mqtt/index.ts';
import { silentLogger, type Logger } from '../../src/logger.ts';
import { selfSignedCertificate } from '../helpers/self-signed.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

const ROOT = 'wattproof/v1';
const READINGS = [`${ROOT}/meters/+/readings`, `${ROOT}/platforms/+/readings`];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Users in memory, as the registry would hold them. */
class Users implements BrokerAccess {
  readonly map = new Map<string, BrokerUser>();
  add(id: string, mode: 'device' | 'platform', meters: string[], password: string): void {
    this.map.set(id, {
      passwordHash: hashMosquittoPasswordSync(password),
      grants: signerGrants({ signerId: id, mode, meters }, ROOT),
    });
  }
  user(username: string): BrokerUser | undefined {
    return this.map.get(username);
  }
}

let users: Users;
const brokers: EmbeddedBroker[] = [];
const clients: MqttClient[] = [];
let received: InboundMessage[];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await Promise.all(brokers.splice(0).map((b) => b.stop()));
});

async function startBroker(
  options: { tls?: { cert: string; key: string }; logger?: Logger } = {},
): Promise<EmbeddedBroker> {
  users = new Users();
  users.add('dev-a', 'device', ['mtr-a'], 'pw-a');
  users.add('dev-b', 'device', ['mtr-b'], 'pw-b');
  users.add('hes-1', 'platform', ['mtr-p1', 'mtr-p2'], 'pw-hes');
  received = [];
  const b = new EmbeddedBroker({
    port: 0,
    access: users,
    readingTopics: READINGS,
    logger: options.logger ?? silentLogger,
    stopTimeoutMs: 2000,
    ...(options.tls ? { tls: options.tls } : {}),
  });
  brokers.push(b);
  await b.start(async (m) => {
    received.push(m);
    return { reasonCode: 0 };
  });
  return b;
}

async function client(
  b: EmbeddedBroker,
  options: IClientOptions = {},
  scheme = 'mqtt',
): Promise<MqttClient> {
  const c = await connectAsync(`${scheme}://127.0.0.1:${b.port}`, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...options,
  });
  c.on('error', () => {});
  clients.push(c);
  return c;
}

async function refusal(b: EmbeddedBroker, options: IClientOptions): Promise<number | undefined> {
  const e = await client(b, options).then(
    () => undefined,
    (err: unknown) => err,
  );
  return (e as { code?: number } | undefined)?.code;
}

/** The SUBACK code for `filter`: the granted QoS, or 128 (0x80) for a refusal. */
async function suback(c: MqttClient, filter: string): Promise<number | undefined> {
  try {
    return (await c.subscribeAsync(filter, { qos: 0 }))[0]?.qos;
  } catch (e) {
    return (e as { packet?: { granted?: number[] } }).packet?.granted?.[0];
  }
}

function closed(c: MqttClient): Promise<void> {
  return new Promise((r) => (c.connected ? c.once('close', () => r()) : r()));
}

const login = (id: string, password: string, clientId = `${id}-${Math.random()}`) => ({
  username: id,
  password,
  clientId,
});

describe('when a client connects without valid credentials', () => {
  it('refuses an anonymous client with CONNACK 5 (not authorized)', async () => {
    const b = await startBroker();
    expect(await refusal(b, {})).toBe(5);
    expect(b.stats.refusedLogins).toBe(1);
  });

  it('refuses an unknown user or a wrong password with CONNACK 4 (bad user name or password)', async () => {
    const b = await startBroker();
    expect(await refusal(b, login('dev-a', 'pw-b'))).toBe(4);
    expect(await refusal(b, login('nobody', 'pw-a'))).toBe(4);
    expect(await refusal(b, { username: 'dev-a' })).toBe(4);
    expect(b.stats.refusedLogins).toBe(3);
  });
});

describe('when meter A is logged in', () => {
  it('takes its reading on its own topic and delivers its own receipts', async () => {
    const b = await startBroker();
    const a = await client(b, login('dev-a', 'pw-a'));
    expect(await suback(a, `${ROOT}/meters/mtr-a/receipts`)).toBe(0);
    await a.publishAsync(`${ROOT}/meters/mtr-a/readings`, 'r1', { qos: 1 });
    expect(received.map((m) => m.topic)).toEqual([`${ROOT}/meters/mtr-a/readings`]);
    const got = new Promise<string>((r) => a.once('message', (t) => r(t)));
    b.publish(`${ROOT}/meters/mtr-a/receipts`, new Uint8Array([1]));
    expect(await got).toBe(`${ROOT}/meters/mtr-a/receipts`);
  });

  it("cannot publish to meter B's topic: disconnected, nothing handed to the node", async () => {
    const b = await startBroker();
    const a = await client(b, login('dev-a', 'pw-a'));
    const gone = closed(a);
    a.publish(`${ROOT}/meters/mtr-b/readings`, 'forged', { qos: 1 });
    await gone;
    expect(received).toEqual([]);
    expect(b.stats.refusedPublishes).toBe(1);
  });

  it("cannot subscribe to B's receipts, to any readings, or to a wildcard (SUBACK 0x80)", async () => {
    const b = await startBroker();
    const a = await client(b, login('dev-a', 'pw-a'));
    for (const filter of [
      `${ROOT}/meters/mtr-b/receipts`,
      `${ROOT}/meters/mtr-a/readings`,
      `${ROOT}/meters/+/readings`,
      `${ROOT}/meters/+/receipts`,
      '#',
    ]) {
      expect(await suback(a, filter), filter).toBe(128);
    }
    expect(b.stats.refusedSubscriptions).toBe(5);
    let leaked = 0;
    a.on('message', () => leaked++);
    b.publish(`${ROOT}/meters/mtr-b/receipts`, new Uint8Array([1]));
    const other = await client(b, login('dev-b', 'pw-b'));
    await other.publishAsync(`${ROOT}/meters/mtr-b/readings`, 'r', { qos: 1 });
    await sleep(100);
    expect(leaked).toBe(0);
  });

  it('cannot take over the client id of a connection of another user (CONNACK 2)', async () => {
    const b = await startBroker();
    const a = await client(b, login('dev-a', 'pw-a', 'shared-id'));
    expect(await refusal(b, login('dev-b', 'pw-b', 'shared-id'))).toBe(2);
    expect(a.connected).toBe(true);
  });
});

describe('when a platform is logged in', () => {
  it("publishes on its own topic and reads its own and its meters' receipts only", async () => {
    const b = await startBroker();
    const p = await client(b, login('hes-1', 'pw-hes'));
    const ok = [
      `${ROOT}/platforms/hes-1/receipts`,
      `${ROOT}/meters/mtr-p1/receipts`,
      `${ROOT}/meters/mtr-p2/receipts`,
    ];
    for (const t of ok) expect(await suback(p, t), t).toBe(0);
    for (const t of [`${ROOT}/meters/mtr-a/receipts`, `${ROOT}/platforms/+/readings`]) {
      expect(await suback(p, t), t).toBe(128);
    }
    await p.publishAsync(`${ROOT}/platforms/hes-1/readings`, 'batch', { qos: 1 });
    expect(received.map((m) => m.topic)).toEqual([`${ROOT}/platforms/hes-1/readings`]);
    const gone = closed(p);
    p.publish(`${ROOT}/meters/mtr-p1/readings`, 'as a meter', { qos: 1 });
    await gone;
    expect(received).toHaveLength(1);
  });
});

describe('when a user is revoked or its credential re-issued while connected', () => {
  it('stops delivering to it and refuses its next publish', async () => {
    const b = await startBroker();
    const a = await client(b, login('dev-a', 'pw-a'));
    await a.subscribeAsync(`${ROOT}/meters/mtr-a/receipts`, { qos: 0 });
    let delivered = 0;
    a.on('message', () => delivered++);
    users.map.delete('dev-a');
    b.publish(`${ROOT}/meters/mtr-a/receipts`, new Uint8Array([1]));
    await sleep(100);
    expect(delivered).toBe(0);
    const gone = closed(a);
    a.publish(`${ROOT}/meters/mtr-a/readings`, 'r', { qos: 1 });
    await gone;
    expect(received).toEqual([]);
    expect(await refusal(b, login('dev-a', 'pw-a'))).toBe(4);
  });

  it('refuses the old password once a new one is issued, also on an open connection', async () => {
    const b = await startBroker();
    const a = await client(b, login('dev-a', 'pw-a'));
    users.add('dev-a', 'device', ['mtr-a'], 'pw-a2');
    const gone = closed(a);
    a.publish(`${ROOT}/meters/mtr-a/readings`, 'r', { qos: 1 });
    await gone;
    expect(await refusal(b, login('dev-a', 'pw-a'))).toBe(4);
    const again = await client(b, login('dev-a', 'pw-a2'));
    await again.publishAsync(`${ROOT}/meters/mtr-a/readings`, 'r', { qos: 1 });
    expect(received).toHaveLength(1);
  });
});

describe('with a TLS certificate (MQTTS)', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let tls: { cert: string; key: string };
  beforeAll(async () => {
    tmp = await tempDir();
    const pem = await selfSignedCertificate(tmp.path);
    tls = {
      cert: await readFile(pem.cert, 'utf8'),
      key: await readFile(pem.key, 'utf8'),
    };
  });
  afterAll(async () => {
    await tmp.remove();
  });

  it('takes readings over TLS from a client that trusts the certificate', async () => {
    const b = await startBroker({ tls });
    expect(b.description).toBe(`embedded broker on 127.0.0.1:${b.port} with TLS`);
    const a = await client(b, { ...login('dev-a', 'pw-a'), ca: tls.cert }, 'mqtts');
    await a.publishAsync(`${ROOT}/meters/mtr-a/readings`, 'r1', { qos: 1 });
    expect(received).toHaveLength(1);
  });

  it('does not speak plain MQTT on the TLS port', async () => {
    const b = await startBroker({ tls });
    const connect = generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: 'plain',
      clean: true,
      keepalive: 30,
      username: 'dev-a',
      password: Buffer.from('pw-a'),
    });
    const answer = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      const socket = netConnect({ host: '127.0.0.1', port: b.port }, () => socket.write(connect));
      socket.on('data', (d: Buffer) => chunks.push(d));
      socket.on('error', () => {});
      socket.on('close', () => resolve(Buffer.concat(chunks)));
      setTimeout(() => socket.destroy(), 2000);
    });
    // No CONNACK (0x20): at most a TLS alert record (0x15) before the close.
    expect(answer[0] === undefined || answer[0] === 0x15).toBe(true);
    expect(received).toEqual([]);
  });

  it('fails with INVALID_TLS for a key that is not PEM', async () => {
    const b = new EmbeddedBroker({
      port: 0,
      access: new Users(),
      readingTopics: READINGS,
      logger: silentLogger,
      tls: { cert: tls.cert, key: 'not a key' },
    });
    const e = await b.start(async () => ({ reasonCode: 0 })).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(MqttError);
    expect(e).toMatchObject({ code: 'INVALID_TLS' });
  });
});

describe('when exposed', () => {
  function capture(): { logger: Logger; warnings: string[] } {
    const warnings: string[] = [];
    return {
      warnings,
      logger: { ...silentLogger, warn: (m: string) => warnings.push(m) },
    };
  }

  it('warns when asked to listen on a non-loopback address without TLS', async () => {
    const { logger, warnings } = capture();
    // TEST-NET-1 (RFC 5737): never assigned to this machine, so nothing actually listens.
    const b = new EmbeddedBroker({
      host: '192.0.2.1',
      port: 0,
      access: new Users(),
      readingTopics: READINGS,
      logger,
    });
    const e = await b.start(async () => ({ reasonCode: 0 })).catch((err: unknown) => err);
    expect(e).toMatchObject({ code: 'LISTEN_FAILED' });
    expect(warnings.some((w) => w.includes('non-loopback address without TLS'))).toBe(true);
  });

  it('does not warn on loopback when closed, and warns when open to anonymous clients', async () => {
    const quiet = capture();
    await startBroker({ logger: quiet.logger });
    expect(quiet.warnings).toEqual([]);
    const loud = capture();
    const b = new EmbeddedBroker({
      port: 0,
      access: 'anonymous',
      readingTopics: READINGS,
      logger: loud.logger,
    });
    brokers.push(b);
    await b.start(async () => ({ reasonCode: 0 }));
    expect(loud.warnings.some((w) => w.includes('anonymous'))).toBe(true);
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].map(isLoopbackHost)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['0.0.0.0', '::', '192.168.1.5', 'meters.example'].map(isLoopbackHost)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
