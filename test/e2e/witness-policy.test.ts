/**
 * Three witnesses in separate processes cosign a node's checkpoints; one is killed mid-run.
 * Ingest goes on, later checkpoints carry two cosignatures, and a bundle from the node fails a
 * `--min-witnesses 3` policy with a clear code while `--min-witnesses 2` passes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../src/core/bundle/verify.ts';
import { parseCheckpoint } from '../../src/core/note/checkpoint.ts';
import { loadOrCreateLogKey } from '../../src/log/log-key.ts';
import { DEFAULT_CONFIG } from '../../src/node/config.ts';
import { startNode, type RunningNode } from '../../src/node/node.ts';
import { tempDir } from '../helpers/tmp-dir.ts';
import { meterTopic, Publisher, TestSigner, waitFor } from './node-harness.ts';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const T0 = Math.floor(Date.now() / 1000 / 3600) * 3600 - 86_400;

interface WitnessProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly vkey: string;
}

async function spawnWitness(dir: string, name: string, logVkey: string): Promise<WitnessProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      MAIN,
      'witness',
      '--data-dir',
      dir,
      '--name',
      name,
      '--port',
      '0',
      '--log',
      logVkey,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => /listening on (\S+)/.test(out), `witness ${name}`, 20_000);
  return {
    child,
    url: /listening on (\S+)/.exec(out)![1]!,
    vkey: /witness vkey (\S+)/.exec(out)![1]!,
  };
}

describe('when one of three witnesses dies', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let node: RunningNode;
  let witnesses: WitnessProcess[];
  let pub: Publisher;
  let logVkey: string;
  const device = new TestSigner('dev-policy', 'device', ['meter-policy']);
  const root = `policy-${process.pid}/wattproof/v1`;

  beforeAll(async () => {
    tmp = await tempDir();
    await mkdir(`${tmp.path}/node`, { mode: 0o700 });
    logVkey = (await loadOrCreateLogKey(`${tmp.path}/node/log.key`, DEFAULT_CONFIG.origin)).vkey;
    witnesses = await Promise.all(
      ['w-a.test', 'w-b.test', 'w-c.test'].map((n) => spawnWitness(`${tmp.path}/${n}`, n, logVkey)),
    );
    node = await startNode({
      ...DEFAULT_CONFIG,
      dataDir: `${tmp.path}/node`,
      httpPort: 0,
      topicRoot: root,
      mqtt: { mode: 'embedded', host: '127.0.0.1', port: 0, allowAnonymous: true },
      witnesses: witnesses.map((w) => ({ url: w.url, vkey: w.vkey })),
    });
    await device.register(node);
    pub = await Publisher.connect(`mqtt://127.0.0.1:${node.mqttPort}`, root);
  });
  afterAll(async () => {
    await pub?.close();
    await node?.close();
    for (const w of witnesses ?? []) w.child.kill('SIGKILL');
    await tmp.remove();
  });

  const cosigners = async (): Promise<{ size: number; lines: number }> => {
    const note = await (await fetch(`${node.url}/log/checkpoint`)).text();
    return {
      size: parseCheckpoint(note.slice(0, note.indexOf('\n\n') + 1)).size,
      lines: note.split('\n— ').length - 2,
    };
  };

  it('goes on ingesting with two cosignatures, and the bundle policy counts them', async () => {
    for (let seq = 1; seq <= 4; seq++) {
      await pub.publish(
        meterTopic(root, 'meter-policy'),
        device.sign(device.reading('meter-policy', seq, T0)),
      );
    }
    await waitFor(
      async () => (await cosigners()).size === node.log.size && (await cosigners()).lines === 3,
      'three cosignatures',
    );

    witnesses[0]!.child.kill('SIGKILL');
    for (let seq = 5; seq <= 8; seq++) {
      await pub.publish(
        meterTopic(root, 'meter-policy'),
        device.sign(device.reading('meter-policy', seq, T0)),
      );
    }
    await waitFor(() => node.ingest.stats.accepted === 8, 'all eight readings in the log');
    await waitFor(async () => {
      const c = await cosigners();
      return c.size === node.log.size && c.lines === 2;
    }, 'the newest checkpoint cosigned by the two live witnesses');

    const token = (await node.tokens.createToken('issuer', 'policy test')).token;
    const res = await fetch(`${node.url}/v1/bundles`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ meters: ['meter-policy'], from: T0, to: T0 + 8 * 900 }),
    });
    expect(res.status).toBe(200);
    const bundle = await res.json();
    const witnessVkeys = witnesses.map((w) => w.vkey);
    const three = verifyBundle(bundle, { logVkey, witnessVkeys, minWitnesses: 3 });
    expect(three.valid).toBe(false);
    if (!three.valid) expect(three.code).toBe('TOO_FEW_WITNESSES');
    const two = verifyBundle(bundle, { logVkey, witnessVkeys, minWitnesses: 2 });
    if (!two.valid) throw new Error(`${two.code}: ${two.message}`);
    expect([...two.witnesses].sort()).toEqual(['w-b.test', 'w-c.test']);
    expect(two.summary.totals.readings).toBe(8);
  });
});
