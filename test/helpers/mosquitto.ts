/**
 * A private Mosquitto for one test: the machine's `mosquitto` binary on a free port with a
 * configuration of the test's choosing (e.g. docs/mqtt.md's settings for a node's broker), so
 * that a test does not depend on the shared broker's limits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { acceptsConnections, freePort } from './free-port.ts';

/** Where Debian installs the broker. */
export const MOSQUITTO_BIN = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) =>
  existsSync(p),
);

/** A running private broker. */
export interface PrivateMosquitto {
  readonly url: string;
  readonly pid: number;
  close(): Promise<void>;
}

/** Starts Mosquitto in `dir` with `settings` (mosquitto.conf lines) on a free local port. */
export async function startMosquitto(
  dir: string,
  settings: readonly string[],
): Promise<PrivateMosquitto> {
  if (MOSQUITTO_BIN === undefined) throw new Error('mosquitto is not installed');
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', ...settings]
      .map((l) => `${l}\n`)
      .join(''),
  );
  let stderr = '';
  const child: ChildProcess = spawn(MOSQUITTO_BIN, ['-c', conf], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const until = Date.now() + 10_000;
  while (!(await acceptsConnections(port))) {
    if (child.exitCode !== null || Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`mosquitto did not start on port ${port}: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    pid: child.pid!,
    close: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
