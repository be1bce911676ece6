/**
 * The load generator's CLI: presign N readings across M meters, then register and publish them
 * to a node, which commits every one; the report counts receipts and latencies.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimIo } from '../../simulator/cli/common.ts';
import { simMain } from '../../simulator/cli/main.ts';
import { startTestNode, type TestNode } from '../e2e/node-harness.ts';
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
});
