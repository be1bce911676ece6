/**
 * The load generator's CLI: presign N readings across M meters, then register and publish them
 * to a node, which commits every one; the report counts receipts and latencies.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimIo } from '../../simulator/cli/common.ts';
import { simMain } from '../../simulator/cli/main.ts';
import { startTestNode, type TestNode } from '../e2e/node-harness.ts';
import { presign } from '../../simulator/load/presign.ts';
import { publishPresigned } from '../../simulator/load/publish.ts';
import { registerDevice } from '../helpers/register-signer.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

function io(): SimIo & { out: string[] } {
  const out: string[] = [];
  return { out, stdout: (t) => out.push(t), stderr: () => {}, stderrIsTTY: false, env: {} };
}

describe('when the load generator presigns and publishes', () => {
  let t: TestNode;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    t = await startTestNode('embedded');
    tmp = await tempDir();
  });
  afterAll(async () => {
    await t?.close();
    await tmp?.remove();
  });

  it('gets every reading into the log and reports the acknowledged rate and latency', async () => {
    const file = join(tmp.path, 'load.bin');
    const root = ['--topic-root', t.topicRoot];
    const a = io();
    expect(
      await simMain(
        ['load', 'presign', '--readings', '60', '--meters', '6', '--out', file, ...root],
        a,
      ),
    ).toBe(0);
    expect(a.out.join('')).toMatch(/^60 readings of 6 meters signed/);
    const token = (await t.node.tokens.createToken('operator', 'load')).token;
    const b = io();
    const args = [
      'load',
      'publish',
      '--file',
      file,
      '--mqtt-url',
      t.brokerUrl,
      '--node',
      t.node.url,
    ];
    expect(await simMain([...args, '--operator-token', token, '--json', ...root], b)).toBe(0);
    const figures = JSON.parse(b.out.join('')) as {
      published: number;
      committed: number;
      receipts: number;
      latencyMs: { p50: number; p99: number };
    };
    expect(figures.published).toBe(60);
    expect(figures.committed).toBe(60);
    expect(figures.receipts).toBe(60);
    expect(figures.latencyMs.p99).toBeGreaterThanOrEqual(figures.latencyMs.p50);
    expect(figures.latencyMs.p50).toBeGreaterThan(0);
  }, 120_000);

  it('refuses to publish without the meters file or a token', async () => {
    const c = io();
    const args = ['load', 'publish', '--file', join(tmp.path, 'none.bin'), '--node', t.node.url];
    expect(await simMain([...args, '--token-file', join(tmp.path, 'no-token')], c)).toBe(1);
  });

  // The publisher's per-second receipt series (simulator/load/publish.ts `perSecond`): receipts
  // counted by the whole second they arrived in, the partial last second left out — what the
  // ingest benchmark's steadiness figures are computed from.
  it('counts the receipts of each whole second of the run', async () => {
    const file = join(tmp.path, 'load.bin');
    const meters = await presign({ meters: 4, readings: 100, file, topicRoot: t.topicRoot });
    const { token } = await t.node.tokens.createToken('operator', 'load');
    for (const m of meters) {
      const record = { signerId: m.meterId, publicKey: Buffer.from(m.publicKeyHex, 'hex') };
      await registerDevice(t.node.url, token, { record }, [m.meterId]);
    }
    // 100 readings at 40/s: publishing takes about 2.5 s.
    const result = await publishPresigned({
      file,
      url: t.brokerUrl,
      rate: 40,
      drainMs: 10_000,
      topicRoot: t.topicRoot,
    });
    expect(result.receipts).toBe(100);
    expect(result.perSecond).toHaveLength(Math.floor(result.elapsedS));
    expect(result.perSecond.length).toBeGreaterThanOrEqual(2);
    const counted = result.perSecond.reduce((a, b) => a + b, 0);
    expect(counted).toBeLessThanOrEqual(result.receipts);
    // Only the receipts of the partial last second are left out: far fewer than a second's 40.
    expect(counted).toBeGreaterThan(result.receipts - 40 - 10);
    // Each second while publishing got receipts of its own readings.
    expect(result.perSecond.slice(1, Math.floor(result.publishSeconds)).every((n) => n > 0)).toBe(
      true,
    );
  }, 60_000);
});
