/**
 * A real node (embedded MQTT broker) takes signed readings of two meters; the bundle of one
 * meter over part of the period is built from the node's ledger and verified by the pure core
 * and by `wattproof verify`.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../../src/bundle/index.ts';
import { generateEd25519Key } from '../../src/core/note/index.ts';
import type { BundleJson } from '../../src/core/bundle/index.ts';
// The verification step imports the pure core only.
import { verifyBundle } from '../../src/core/bundle/index.ts';
import {
  meterTopic,
  Publisher,
  startTestNode,
  TestSigner,
  waitFor,
  type TestNode,
} from '../e2e/node-harness.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');
const HOUR = 3600;
// A whole hour, 4 days ago: readings 1–4 fill hour 0, 5–8 hour 1, …
const T0 = Math.floor(Date.now() / 1000 / HOUR) * HOUR - 4 * 86_400;

describe('when an issuer takes a bundle from a running node', () => {
  let t: TestNode;
  let pub: Publisher;
  let tmp: { path: string; remove: () => Promise<void> };
  let bundle: BundleJson;
  const a = new TestSigner('dev-a', 'device', ['meter-a']);
  const b = new TestSigner('dev-b', 'device', ['meter-b']);

  beforeAll(async () => {
    tmp = await tempDir();
    t = await startTestNode('embedded');
    for (const s of [a, b]) await s.register(t.node);
    pub = await Publisher.connect(t.brokerUrl, t.topicRoot);
    const before = t.node.log.size;
    for (let seq = 1; seq <= 12; seq++) {
      for (const s of [a, b]) {
        if (s === a && seq === 7) continue; // a gap in meter-a's sequence
        await pub.publish(
          meterTopic(t.topicRoot, s.meters[0]!),
          s.sign(s.reading(s.meters[0]!, seq, T0)),
        );
      }
    }
    await waitFor(() => t.node.log.size >= before + 23, '23 readings in the log');
    bundle = await buildBundle({
      ledger: t.node.ledger,
      log: t.node.log,
      registry: t.node.registry,
      meters: ['meter-a'],
      from: T0 + HOUR,
      to: T0 + 3 * HOUR,
    });
  });
  afterAll(async () => {
    await pub?.close();
    await t?.close();
    await tmp?.remove();
  });

  it('holds the meter readings of the period, with their registry entries', () => {
    // Hours 1 and 2 are sequences 5–12 without 7.
    expect(bundle.entries).toHaveLength(7);
    // The operator declaration and dev-a's registration.
    expect(bundle.registry).toHaveLength(2);
    expect(bundle.proof.treeSize).toBe(t.node.log.size);
  });

  it('verifies in the core and recomputes the energy per hour', () => {
    const v = verifyBundle(JSON.stringify(bundle), { logVkey: t.node.vkey });
    if (!v.valid) throw new Error(`${v.code}: ${v.message}`);
    expect(v.readings.map((r) => r.sequence)).toEqual([5, 6, 8, 9, 10, 11, 12]);
    const m = v.summary.meters[0]!;
    expect(m.importWh).toBe(3500);
    expect(m.hours).toEqual([
      { start: T0 + HOUR, importWh: 1500, exportWh: 0 },
      { start: T0 + 2 * HOUR, importWh: 2000, exportWh: 0 },
    ]);
    expect(m.sequenceGaps).toEqual([{ scope: '', from: 7, to: 7 }]);
    expect(m.intervalGaps).toEqual([{ from: T0 + 6 * 900, to: T0 + 7 * 900 }]);
    expect(m.trust).toEqual({ device: 7, platform: 0 });
    expect(v.summary).toEqual(bundle.summary);
  });

  it('verifies with wattproof verify, and fails it under another log key', async () => {
    const file = join(tmp.path, 'bundle.json');
    await writeFile(file, JSON.stringify(bundle));
    const run = promisify(execFile);
    const ok = await run(process.execPath, [
      '--import',
      'tsx',
      MAIN,
      'verify',
      file,
      '--log-key',
      t.node.vkey,
    ]);
    expect(ok.stdout).toMatch(/^OK /);
    expect(ok.stdout).toMatch(/meter meter-a: 7 readings .* import 3500 Wh/);
    const json = await run(process.execPath, [
      '--import',
      'tsx',
      MAIN,
      'verify',
      file,
      '--log-key',
      t.node.vkey,
      '--json',
    ]);
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: true, summary: bundle.summary });
    const other = generateEd25519Key(t.node.log.origin).vkey;
    await expect(
      run(process.execPath, ['--import', 'tsx', MAIN, 'verify', file, '--log-key', other]),
    ).rejects.toMatchObject({ code: 1, stdout: expect.stringMatching(/^FAILED WRONG_LOG/) });
    await expect(
      run(process.execPath, ['--import', 'tsx', MAIN, 'verify', file, '--log-key', 'nonsense']),
    ).rejects.toMatchObject({ code: 2 });
  });
});
