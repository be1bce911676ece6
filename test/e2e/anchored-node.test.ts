/**
 * A node started with `--tsa-url` (a real OpenSSL TSA) and `--evm-rpc` (an in-process ganache
 * chain) anchors its checkpoints in the background; its bundle carries both anchors, and
 * `wattproof verify` with `--tsa-cert` and `--evm-rpc` checks them — and refuses the bundle
 * once an anchor record's root is altered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { fromBase64, toBase64 } from '../../src/core/bytes.ts';
import { startConfig } from '../../src/cli/start.ts';
import { runVerify } from '../../src/cli/verify.ts';
import { startNode, type RunningNode } from '../../src/node/node.ts';
import { startGanache, type RunningGanache } from '../helpers/ganache.ts';
import { startOpensslTsa, type OpensslTsa } from '../helpers/openssl-tsa.ts';
import { tempDir } from '../helpers/tmp-dir.ts';
import { meterTopic, Publisher, TestSigner, waitFor } from './node-harness.ts';

const T0 = Math.floor(Date.now() / 1000 / 3600) * 3600 - 86_400;
const TOPIC_ROOT = `test-anchored-${process.pid}/wattproof/v1`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the test edits arbitrary JSON
type Loose = Record<string, any>;

describe('when a node anchors with a TSA and an EVM chain', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let tsa: OpensslTsa;
  let chain: RunningGanache;
  let node: RunningNode;
  let bundle: Loose;
  const device = new TestSigner('dev-anchored', 'device', ['meter-anchored']);

  async function verify(b: unknown, ...flags: string[]): Promise<{ status: number; out: Loose }> {
    const file = `${tmp.path}/bundle-${Math.random().toString(36).slice(2)}.json`;
    await writeFile(file, JSON.stringify(b));
    let stdout = '';
    let stderr = '';
    const status = await runVerify([file, '--log-key', node.vkey, '--json', ...flags], {
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
    });
    if (stdout === '') throw new Error(`no verdict (exit ${status}): ${stderr}`);
    return { status, out: JSON.parse(stdout) as Loose };
  }

  const trust = (): string[] => [
    '--tsa-cert',
    `${tmp.path}/tsa-ca.pem`,
    '--evm-rpc',
    chain.rpcUrl,
    '--evm-chain-id',
    String(chain.chainId),
  ];

  beforeAll(async () => {
    tmp = await tempDir();
    tsa = await startOpensslTsa(`${tmp.path}`);
    chain = await startGanache();
    await writeFile(`${tmp.path}/tsa-ca.pem`, tsa.caCertPem);
    await writeFile(`${tmp.path}/evm.key`, `${chain.privateKey}\n`, { mode: 0o600 });
    const config = startConfig(
      [
        '--data-dir',
        `${tmp.path}/node`,
        '--http-port',
        '0',
        '--mqtt-port',
        '0',
        '--mqtt-allow-anonymous',
        '--topic-root',
        TOPIC_ROOT,
        '--tsa-url',
        tsa.url,
        '--evm-rpc',
        chain.rpcUrl,
        '--evm-chain-id',
        String(chain.chainId),
        '--evm-key-file',
        `${tmp.path}/evm.key`,
        '--anchor-interval',
        '0',
      ],
      {},
    )!;
    node = await startNode(config);
    await device.register(node);
    const pub = await Publisher.connect(`mqtt://127.0.0.1:${node.mqttPort}`, TOPIC_ROOT);
    for (let seq = 1; seq <= 6; seq++) {
      await pub.publish(
        meterTopic(TOPIC_ROOT, 'meter-anchored'),
        device.sign(device.reading('meter-anchored', seq, T0)),
      );
    }
    await pub.close();
    await waitFor(() => node.ingest.stats.accepted >= 6, 'six readings', 30_000);
    const size = node.log.size;
    await waitFor(
      () => node.anchors!.health().every((h) => h.lastSize >= size),
      'both anchors at the final size',
      60_000,
    );
    const issuer = (await node.tokens.createToken('issuer', 'anchored test')).token;
    const res = await fetch(`${node.url}/v1/bundles`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${issuer}` },
      body: JSON.stringify({ meters: ['meter-anchored'], from: T0, to: T0 + 86_400 }),
    });
    expect(res.status).toBe(200);
    bundle = (await res.json()) as Loose;
  }, 120_000);

  afterAll(async () => {
    await node?.close();
    await chain?.close();
    await tsa?.close();
    await tmp?.remove();
  });

  it('reports both anchors in /metrics', async () => {
    const text = await (await fetch(`${node.url}/metrics`)).text();
    for (const type of ['rfc3161', 'evm']) {
      expect(text).toMatch(new RegExp(`anchor_successes_total\\{type="${type}"\\} [1-9]`));
      expect(text).toContain(`anchor_last_size{type="${type}"} ${node.log.size}`);
    }
  });

  it('puts both anchors in the bundle, each covering the six readings', () => {
    const anchors = bundle.anchors as Loose[];
    expect(anchors.map((a) => a.record.type)).toEqual(['evm', 'rfc3161']);
    const lastReading = Math.max(...(bundle.entries as Loose[]).map((e) => e.index as number));
    for (const a of anchors) expect(a.record.size).toBeGreaterThan(lastReading);
  });

  it('verifies with --tsa-cert and --evm-rpc, both anchors required', async () => {
    const { status, out } = await verify(
      bundle,
      ...trust(),
      '--require-anchor',
      'rfc3161',
      '--require-anchor',
      'evm',
    );
    expect(out.valid).toBe(true);
    expect(status).toBe(0);
    expect(out.anchors.map((a: Loose) => [a.type, a.status, a.covers])).toEqual([
      ['evm', 'verified', 6],
      ['rfc3161', 'verified', 6],
    ]);
    const now = Date.now() / 1000;
    for (const a of out.anchors as Loose[]) expect(Math.abs(a.time - now)).toBeLessThan(600);
  });

  it('prints one line per anchor in the human verdict', async () => {
    const file = `${tmp.path}/bundle-human.json`;
    await writeFile(file, JSON.stringify(bundle));
    let stdout = '';
    const status = await runVerify([file, '--log-key', node.vkey, ...trust()], {
      stdout: (t) => (stdout += t),
      stderr: () => undefined,
    });
    expect(status).toBe(0);
    expect(stdout).toMatch(/^anchor evm at tree size \d+ \(covers 6 readings\): verified, /m);
    expect(stdout).toMatch(/^anchor rfc3161 at tree size \d+ \(covers 6 readings\): verified, /m);
  });

  it('fails with ANCHOR_RECORD_MISMATCH once a record root is altered', async () => {
    const altered = JSON.parse(JSON.stringify(bundle)) as Loose;
    const record = altered.anchors[1].record;
    const root = fromBase64(record.root);
    root[0]! ^= 1;
    record.root = toBase64(root);
    const { status, out } = await verify(altered, ...trust());
    expect(status).toBe(1);
    expect(out).toMatchObject({ valid: false, code: 'ANCHOR_RECORD_MISMATCH' });
  });

  it('fails with ANCHOR_NOT_CHECKED when a required anchor has no verifier configured', async () => {
    const { status, out } = await verify(bundle, '--require-anchor', 'evm');
    expect(status).toBe(1);
    expect(out).toMatchObject({ valid: false, code: 'ANCHOR_NOT_CHECKED' });
    expect(out.anchors.map((a: Loose) => a.status)).toEqual(['unchecked', 'unchecked']);
  });

  it('fails with ANCHOR_FAILED when the chain does not hold the anchor', async () => {
    const other = await startGanache();
    try {
      const { status, out } = await verify(
        bundle,
        '--evm-rpc',
        other.rpcUrl,
        '--evm-chain-id',
        String(other.chainId),
      );
      expect(status).toBe(1);
      expect(out).toMatchObject({ valid: false, code: 'ANCHOR_FAILED' });
      const evm = (out.anchors as Loose[]).find((a) => a.type === 'evm')!;
      expect(evm.status).toBe('failed');
      expect(evm.code).toBe('ANCHOR_NOT_FOUND');
    } finally {
      await other.close();
    }
  });
});
