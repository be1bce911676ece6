import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8 } from '../../../src/core/bytes.ts';
import { parseCheckpoint } from '../../../src/core/note/checkpoint.ts';
import { parseVerifierKey } from '../../../src/core/note/keys.ts';
import { openNote } from '../../../src/core/note/note.ts';
import { loadOrCreateLogKey } from '../../../src/log/log-key.ts';
import { MerkleLog } from '../../../src/log/merkle-log.ts';
import { WitnessSet } from '../../../anchors/witness/witness-set.ts';
import { tempDir } from '../../helpers/tmp-dir.ts';

const ORIGIN = 'wattproof.test/log';

interface Proc {
  child: ChildProcessWithoutNullStreams;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

function runCli(args: string[]): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: process.cwd(),
  });
  const p: Proc = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
  child.stdout.on('data', (d: Buffer) => (p.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (p.stderr += d.toString()));
  return p;
}

async function started(p: Proc): Promise<{ url: string; vkey: string }> {
  for (let i = 0; i < 300; i++) {
    const url = /listening on (\S+)/.exec(p.stdout)?.[1];
    const vkey = /witness vkey (\S+)/.exec(p.stdout)?.[1];
    if (url !== undefined && vkey !== undefined) return { url, vkey };
    if (p.child.exitCode !== null) throw new Error(`witness exited: ${p.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`witness did not start: ${p.stderr}`);
}

describe('three witness processes fed by a growing MerkleLog', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let log: MerkleLog;
  const procs: Proc[] = [];

  beforeAll(async () => {
    tmp = await tempDir();
    const key = await loadOrCreateLogKey(`${tmp.path}/log.key`, ORIGIN);
    log = await MerkleLog.open({
      path: `${tmp.path}/log`,
      origin: ORIGIN,
      signer: key.signer,
      vkey: key.vkey,
    });
  });
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await log.close();
    await tmp.remove();
  });

  const witnessArgs = (n: number, port = '0'): string[] => [
    'witness',
    '--data-dir',
    `${tmp.path}/w${n}`,
    '--name',
    `witness.test/w${n}`,
    '--port',
    port,
    '--log',
    log.vkey,
  ];

  it('keeps cosigning with two witnesses after one is killed, and takes it back after a restart', async () => {
    const spawned = [1, 2, 3].map((n) => runCli(witnessArgs(n)));
    procs.push(...spawned);
    const endpoints = await Promise.all(spawned.map(started));
    const verifiers = [log.vkey, ...endpoints.map((e) => e.vkey)].map(parseVerifierKey);
    const set = new WitnessSet({
      witnesses: endpoints,
      proof: (a, b) => log.consistencyProof(a, b),
      fetch: (url, init) => fetch(url, init),
      timeoutMs: 3000,
      initialBackoffMs: 50,
      maxBackoffMs: 200,
    });
    let n = 0;
    const grow = async (count: number): Promise<string> => {
      const r = await log.append(Array.from({ length: count }, () => utf8(`reading ${n++}`)));
      return r.checkpoint;
    };
    const cosigned = async (checkpoint: string) => {
      const res = await set.submit(checkpoint, 5000);
      const opened = openNote(res.note, verifiers);
      return {
        res,
        names: opened.verified
          .map((v) => v.name)
          .slice(1)
          .sort(),
        size: parseCheckpoint(opened.text).size,
      };
    };

    for (const count of [3, 40, 1]) {
      const { names } = await cosigned(await grow(count));
      expect(names).toEqual(['witness.test/w1', 'witness.test/w2', 'witness.test/w3']);
    }
    spawned[1]!.child.kill('SIGKILL');
    await spawned[1]!.exited;
    for (const count of [7, 100, 2]) {
      const { names, size } = await cosigned(await grow(count));
      expect(names).toEqual(['witness.test/w1', 'witness.test/w3']);
      expect(size).toBe(n);
    }
    expect(set.health()[1]).toMatchObject({ lastError: 'UNREACHABLE', lastSize: 44 });

    // The same data folder, a new process: same key, same state; the set's retry reaches it.
    const port = new URL(endpoints[1]!.url).port;
    const again = runCli(witnessArgs(2, port));
    procs.push(again);
    expect((await started(again)).vkey).toBe(endpoints[1]!.vkey);
    const { names } = await cosigned(await grow(5));
    expect(names).toEqual(['witness.test/w1', 'witness.test/w2', 'witness.test/w3']);
    set.close();
  }, 30_000);
});
