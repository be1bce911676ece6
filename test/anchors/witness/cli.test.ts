import { stat } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isWattproofError } from '../../../src/core/errors.ts';
import { cosignatureV1VkeyOf } from '../../../src/core/note/cosignature.ts';
import { generateEd25519Key } from '../../../src/core/note/keys.ts';
import { runWitness, startWitness, type RunningWitness } from '../../../anchors/witness/cli.ts';
import { tempDir } from '../../helpers/tmp-dir.ts';

const logKey = generateEd25519Key('wattproof.test/log');

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isWattproofError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error';
}

describe('wattproof witness start-up', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  const running: RunningWitness[] = [];
  const options = (n: number, port = 0) => ({
    dataDir: `${tmp.path}/w${n}`,
    name: `witness.test/w${n}`,
    logs: [logKey.vkey],
    host: '127.0.0.1',
    port,
  });

  beforeEach(async () => {
    tmp = await tempDir();
  });
  afterEach(async () => {
    for (const r of running.splice(0)) await r.close();
    await tmp.remove();
  });

  describe('when started twice from one data folder', () => {
    it('creates a 0600 key on first start and keeps the same cosigner vkey', async () => {
      const first = await startWitness(options(1));
      await first.close();
      expect((await stat(`${tmp.path}/w1/witness.key`)).mode & 0o777).toBe(0o600);
      const second = await startWitness(options(1));
      running.push(second);
      expect(second.vkey).toBe(first.vkey);
      expect(second.vkey.startsWith('witness.test/w1+')).toBe(true);
      const info = (await (await fetch(second.url)).json()) as { vkey: string };
      expect(info.vkey).toBe(second.vkey);
    });
  });

  describe('when the configuration is wrong', () => {
    it('fails with PORT_IN_USE naming the port when the port is taken', async () => {
      const first = await startWitness(options(1));
      running.push(first);
      const port = Number(new URL(first.url).port);
      expect(await codeOf(startWitness(options(2, port)))).toMatch(
        new RegExp(`^PORT_IN_USE: port ${port} on 127\\.0\\.0\\.1 is already in use`),
      );
      // Nothing was left open: the same folder starts on a free port.
      running.push(await startWitness(options(2)));
    });

    it('fails with BAD_CONFIG for a bad log vkey, a cosigner vkey as log key, or a bad name', async () => {
      expect(await codeOf(startWitness({ ...options(1), logs: ['nonsense+1234+abc'] }))).toMatch(
        /^BAD_CONFIG: not a usable log verifier key: "nonsense\+1234\+abc"/,
      );
      const cosigner = cosignatureV1VkeyOf(logKey.skey);
      expect(await codeOf(startWitness({ ...options(1), logs: [cosigner] }))).toMatch(
        /^BAD_CONFIG/,
      );
      expect(await codeOf(startWitness({ ...options(1), name: 'bad name' }))).toMatch(
        /^BAD_CONFIG/,
      );
    });

    it('fails with BAD_CONFIG when a flag is missing or the port is not a number', async () => {
      expect(await codeOf(runWitness(['--name', 'w.test/w', '--log', logKey.vkey]))).toMatch(
        /^BAD_CONFIG: --data-dir, --name and at least one --log are required/,
      );
      const args = ['--data-dir', `${tmp.path}/x`, '--name', 'w.test/w', '--log', logKey.vkey];
      expect(await codeOf(runWitness([...args, '--port', 'http']))).toMatch(/^BAD_CONFIG: --port/);
      expect(await codeOf(runWitness([...args, '--port', '70000']))).toMatch(/^BAD_CONFIG: --port/);
    });

    it('refuses a key file made for another name', async () => {
      await (await startWitness(options(1))).close();
      expect(await codeOf(startWitness({ ...options(1), name: 'witness.test/other' }))).toMatch(
        /^KEY_ORIGIN_MISMATCH/,
      );
    });
  });
});
