/**
 * The publisher's per-second receipt series (simulator/load/publish.ts `perSecond`): receipts
 * counted by the whole second they arrived in, over the whole run, the partial last second left
 * out — what the ingest benchmark's steadiness figures are computed from.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presign } from '../../simulator/load/presign.ts';
import { publishPresigned } from '../../simulator/load/publish.ts';
import { startTestNode, type TestNode } from '../e2e/node-harness.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

describe('when the publisher publishes at a fixed rate', () => {
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

  it('counts the receipts of each whole second of the run', async () => {
    const file = join(tmp.path, 'load.bin');
    const meters = await presign({ meters: 4, readings: 100, file, topicRoot: t.topicRoot });
    const { token } = await t.node.tokens.createToken('operator', 'load');
    for (const m of meters) {
      const res = await fetch(`${t.node.url}/v1/registry/signers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          signerId: m.meterId,
          mode: 'device',
          keyType: 'Ed25519',
          publicKey: Buffer.from(m.publicKeyHex, 'hex').toString('base64'),
          meters: [m.meterId],
          ratedCapacityW: m.capacityW,
        }),
      });
      expect(res.status).toBe(201);
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
