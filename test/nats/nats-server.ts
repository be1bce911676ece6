/**
 * A private nats-server for one test file: Debian's `nats-server` on free ports with JetStream
 * and the MQTT 3.1.1 listener (both need a config file), its store in the test's folder, so
 * that no test touches the machine's own NATS (127.0.0.1:4222) or Mosquitto (1883).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { acceptsConnections, freePort } from '../helpers/free-port.ts';

/** Where Debian installs the server. */
export const NATS_SERVER_BIN = ['/usr/sbin/nats-server', '/usr/bin/nats-server'].find((p) =>
  existsSync(p),
);

/** A running private server. */
export interface PrivateNatsServer {
  /** `nats://127.0.0.1:<port>`. */
  readonly natsUrl: string;
  /** `mqtt://127.0.0.1:<port>` (MQTT 3.1.1 only). */
  readonly mqttUrl: string;
  readonly pid: number;
  /** Stops the server (SIGTERM) and waits for it to exit; its store stays in the folder. */
  close(): Promise<void>;
  /** Stops the server and starts it again on the same ports with the same store. */
  restart(): Promise<void>;
}

/** Starts nats-server in `dir` with JetStream (file store under `dir`) and an MQTT listener. */
export async function startNatsServer(dir: string): Promise<PrivateNatsServer> {
  if (NATS_SERVER_BIN === undefined) throw new Error('nats-server is not installed');
  const port = await freePort();
  const mqttPort = await freePort();
  const conf = join(dir, 'nats.conf');
  await writeFile(
    conf,
    [
      `server_name: wattproof-test-${port}`,
      `listen: 127.0.0.1:${port}`,
      `jetstream { store_dir: ${JSON.stringify(join(dir, 'js'))}, max_memory_store: 64MB, max_file_store: 256MB }`,
      `mqtt { listen: 127.0.0.1:${mqttPort}, ack_wait: "30s", max_ack_pending: 1024 }`,
    ]
      .map((l) => `${l}\n`)
      .join(''),
  );
  let child = await spawnServer(conf, port, mqttPort);
  return {
    natsUrl: `nats://127.0.0.1:${port}`,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    get pid() {
      return child.proc.pid!;
    },
    close: () => child.stop(),
    restart: async () => {
      await child.stop();
      child = await spawnServer(conf, port, mqttPort);
    },
  };
}

interface Running {
  readonly proc: ChildProcess;
  stop(): Promise<void>;
}

async function spawnServer(conf: string, port: number, mqttPort: number): Promise<Running> {
  let stderr = '';
  const proc: ChildProcess = spawn(NATS_SERVER_BIN!, ['-c', conf], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const until = Date.now() + 15_000;
  while (!(await acceptsConnections(port)) || !(await acceptsConnections(mqttPort))) {
    if (proc.exitCode !== null || Date.now() > until) {
      proc.kill('SIGKILL');
      throw new Error(`nats-server did not start on ports ${port}/${mqttPort}: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    proc,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
