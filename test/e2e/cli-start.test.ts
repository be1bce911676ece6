/**
 * `wattproof start` as a user runs it: clear one-line errors for a taken port, an unreachable
 * broker and a bad key file; and a SIGTERM that commits and acknowledges what was received
 * before the process exits.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { DEV_C, NOW_MS, reading, signed } from '../ingest/helpers/fixtures.ts';
import { registerDevice } from '../helpers/register-signer.ts';
import { meterReadingsTopic } from '../../src/ingest/topics.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { loadOrCreateLogKey } from '../../src/log/log-key.ts';
import { MerkleLog } from '../../src/log/merkle-log.ts';
import { LevelStore } from '../../src/storage/level-store.ts';
import { tempDir } from '../helpers/tmp-dir.ts';
import { waitFor } from './node-harness.ts';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function listen(): Promise<Server & { port: number }> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      resolve(Object.assign(s, { port: (s.address() as { port: number }).port }));
    });
  });
}

describe('when wattproof start cannot start', () => {
  it('names a taken MQTT port and the flag to change it', async () => {
    const tmp = await tempDir();
    const busy = await listen();
    try {
      const r = await run([
        'start',
        '--data-dir',
        tmp.path,
        '--http-port',
        '0',
        '--mqtt-port',
        String(busy.port),
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('PORT_IN_USE');
      expect(r.stderr).toContain(String(busy.port));
      expect(r.stderr).toContain('--mqtt-port');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      busy.close();
      await tmp.remove();
    }
  });

  it('names a taken HTTP port', async () => {
    const tmp = await tempDir();
    const busy = await listen();
    try {
      const r = await run([
        'start',
        '--data-dir',
        tmp.path,
        '--http-port',
        String(busy.port),
        '--mqtt-port',
        '0',
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('PORT_IN_USE');
      expect(r.stderr).toContain(String(busy.port));
    } finally {
      busy.close();
      await tmp.remove();
    }
  });

  it('says the broker is unreachable', async () => {
    const tmp = await tempDir();
    const closed = await listen();
    const port = closed.port;
    closed.close();
    try {
      const r = await run([
        'start',
        '--data-dir',
        tmp.path,
        '--http-port',
        '0',
        '--mqtt-url',
        `mqtt://127.0.0.1:${port}`,
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('BROKER_UNREACHABLE');
      expect(r.stderr).toContain(`127.0.0.1:${port}`);
    } finally {
      await tmp.remove();
    }
  });

  it('refuses a key file that others can read, or that is not a key', async () => {
    const tmp = await tempDir();
    try {
      await mkdir(tmp.path, { recursive: true });
      await writeFile(`${tmp.path}/log.key`, 'not a key\n', { mode: 0o600 });
      let r = await run(['start', '--data-dir', tmp.path, '--http-port', '0', '--mqtt-port', '0']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('KEY_FILE_INVALID');
      await chmod(`${tmp.path}/log.key`, 0o644);
      r = await run(['start', '--data-dir', tmp.path, '--http-port', '0', '--mqtt-port', '0']);
      expect(r.stderr).toContain('KEY_FILE_EXPOSED');
      expect(r.stderr).toContain(`chmod 600 ${tmp.path}/log.key`);
    } finally {
      await tmp.remove();
    }
  });

  it('rejects a bad flag value with a message naming the flag', async () => {
    const r = await run(['start', '--mqtt-port', 'ninety']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--mqtt-port must be a port number');
  });
});

describe('when a running node gets SIGTERM', () => {
  it('commits and acknowledges what it received, then exits 0', async () => {
    const tmp = await tempDir();
    const root = `sigterm-${randomBytes(4).toString('hex')}/wattproof/v1`;
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        MAIN,
        'start',
        '--data-dir',
        tmp.path,
        '--http-port',
        '0',
        '--mqtt-port',
        '0',
        '--topic-root',
        root,
        '--clock-skew',
        '86400',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor(
        () => /MQTT\s+embedded broker on 127\.0\.0\.1:(\d+)/.test(out),
        'the node to start',
        20_000,
      );
      const port = Number(/embedded broker on 127\.0\.0\.1:(\d+)/.exec(out)![1]);
      const apiUrl = /API\s+(http:\S+)/.exec(out)![1]!;
      const token = (await readFile(`${tmp.path}/operator.token`, 'utf8')).trim();
      const credential = await registerDevice(apiUrl, token, DEV_C, ['mtr-C']);
      // Readings dated just before now, so the real clock accepts them.
      const shift = Math.floor(Date.now() / 1000) - NOW_MS / 1000 - 86_400;
      const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
        protocolVersion: 4,
        reconnectPeriod: 0,
        username: credential.username,
        password: credential.password,
      });
      const acked: number[] = [];
      const sends = Array.from({ length: 300 }, (_, k) => {
        const r = reading('mtr-C', k + 1);
        const bytes = signed(DEV_C, {
          ...r,
          intervalStart: r.intervalStart + shift,
          intervalEnd: r.intervalEnd + shift,
        });
        return device
          .publishAsync(meterReadingsTopic('mtr-C', root), Buffer.from(bytes), { qos: 1 })
          .then(
            () => acked.push(k + 1),
            () => undefined,
          );
      });
      await waitFor(() => acked.length >= 50, 'some acknowledgements');
      child.kill('SIGTERM');
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      await Promise.race([Promise.all(sends), new Promise((r) => setTimeout(r, 2000))]);
      device.end(true);
      expect(code).toBe(0);
      // Each part's lines carry its own prefix (src/cli/start.ts gives startNode consoleLogger).
      expect(out).toMatch(/^\[mqtt\] embedded broker on 127\.0\.0\.1:\d+ started/m);
      expect(out).toMatch(/^\[node\] SIGTERM: committing and acknowledging/m);
      expect(out).toMatch(/^\[node\] stopped at tree size \d+$/m);

      const store = await LevelStore.open(`${tmp.path}/log`);
      const key = await loadOrCreateLogKey(`${tmp.path}/log.key`, 'wattproof.example/local');
      const log = await MerkleLog.open({
        store,
        origin: 'wattproof.example/local',
        signer: key.signer,
        vkey: key.vkey,
      });
      try {
        const ledger = new Ledger(log, store);
        const inLog = new Set<number>();
        for (let i = 0; i < log.size; i++) {
          const r = await ledger.record(i);
          if (r && !r.erased && r.meta.meterId === 'mtr-C') inLog.add(r.meta.sequence!);
        }
        for (const s of acked) expect(inLog.has(s), `acknowledged reading ${s}`).toBe(true);
      } finally {
        await log.close();
        await store.close();
      }
    } finally {
      child.kill('SIGKILL');
      await tmp.remove();
    }
  }, 60_000);
});
