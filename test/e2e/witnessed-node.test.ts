/**
 * A node configured with witnesses (C2SP tlog-witness): each new checkpoint is cosigned in the
 * background, `/log/checkpoint` serves it with the cosignatures gathered so far, and a dead
 * witness neither stops ingest nor the other witness.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { startWitness, type RunningWitness } from '../../anchors/witness/cli.ts';
import { parseCheckpoint } from '../../src/core/note/checkpoint.ts';
import { parseVerifierKey } from '../../src/core/note/keys.ts';
import { openNote } from '../../src/core/note/note.ts';
import { loadOrCreateLogKey } from '../../src/log/log-key.ts';
import { DEFAULT_CONFIG } from '../../src/node/config.ts';
import { startNode, type RunningNode } from '../../src/node/node.ts';
import { tempDir } from '../helpers/tmp-dir.ts';
import { waitFor } from './node-harness.ts';

describe('when a node sends its checkpoints to two witnesses', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let node: RunningNode;
  let w1: RunningWitness;
  let w2: RunningWitness;
  let logVkey: string;

  const register = (id: string): Promise<unknown> =>
    node.registry.register({
      signerId: id,
      mode: 'device',
      keyType: 'Ed25519',
      publicKey: ed25519.getPublicKey(new Uint8Array(randomBytes(32))),
      meters: [id],
      ratedCapacityW: 1000,
    });

  const served = async (): Promise<string> => (await fetch(`${node.url}/log/checkpoint`)).text();

  beforeAll(async () => {
    tmp = await tempDir();
    await mkdir(`${tmp.path}/node`, { mode: 0o700 });
    logVkey = (await loadOrCreateLogKey(`${tmp.path}/node/log.key`, DEFAULT_CONFIG.origin)).vkey;
    const witness = (name: string) =>
      startWitness({
        dataDir: `${tmp.path}/${name}`,
        name,
        logs: [logVkey],
        host: '127.0.0.1',
        port: 0,
      });
    w1 = await witness('witness-one.test');
    w2 = await witness('witness-two.test');
    node = await startNode({
      ...DEFAULT_CONFIG,
      dataDir: `${tmp.path}/node`,
      httpPort: 0,
      mqtt: { mode: 'embedded', host: '127.0.0.1', port: 0 },
      witnesses: [
        { url: w1.url, vkey: w1.vkey },
        { url: w2.url, vkey: w2.vkey },
      ],
    });
  });
  afterAll(async () => {
    await node?.close();
    await w1?.close().catch(() => undefined);
    await w2?.close();
    await tmp.remove();
  });

  it('serves the newest checkpoint with both cosignatures, which verify with the witness keys', async () => {
    await register('dev-w-1');
    const size = node.log.size;
    await waitFor(async () => (await served()).split('\n— ').length === 4, 'two cosignatures');
    const note = await served();
    const opened = openNote(note, [logVkey, w1.vkey, w2.vkey].map(parseVerifierKey));
    expect(parseCheckpoint(opened.text).size).toBe(size);
    expect(opened.verified.map((v) => v.name).sort()).toEqual(
      [DEFAULT_CONFIG.origin, 'witness-one.test', 'witness-two.test'].sort(),
    );
    expect(opened.verified.filter((v) => v.timestamp !== undefined)).toHaveLength(2);
  });

  it('keeps ingesting and gathering the live witness when the other dies', async () => {
    await w1.close();
    await register('dev-w-2');
    await register('dev-w-3');
    const size = node.log.size;
    await waitFor(async () => {
      const note = await served();
      return (
        parseCheckpoint(note.slice(0, note.indexOf('\n\n') + 1)).size === size &&
        note.includes('\n— witness-two.test ')
      );
    }, 'the live witness to cosign the newest checkpoint');
    const opened = openNote(await served(), [logVkey, w2.vkey].map(parseVerifierKey));
    expect(opened.verified.map((v) => v.name).sort()).toEqual(
      [DEFAULT_CONFIG.origin, 'witness-two.test'].sort(),
    );
    expect(opened.unverified).toHaveLength(0);
    await waitFor(
      async () =>
        /witness_consecutive_failures\{witness="witness-one.test"\} [1-9]/.test(
          await (await fetch(`${node.url}/metrics`)).text(),
        ),
      'the dead witness in the metrics',
    );
  });
});
