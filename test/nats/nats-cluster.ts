/**
 * A private three-server nats-server cluster for one test file: Debian's `nats-server` with
 * JetStream (clustered: `server_name`, a `cluster` block with routes to all three), an MQTT
 * 3.1.1 listener each (`stream_replicas: 3`), every port free and on 127.0.0.1, the stores in
 * the test's folder (shared/notes/nats.md, "A config that worked"). Never the machine's own NATS
 * on 4222. A server can be SIGKILLed and started again on the same ports with the same store.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { acceptsConnections, freePort } from '../helpers/free-port.ts';
import { NATS_SERVER_BIN } from './nats-server.ts';

/** One server of the cluster. */
export interface ClusterNode {
  /** `n1`, `n2`, `n3`: the `server_name`, as stream info names leaders and replicas. */
  readonly name: string;
  readonly natsUrl: string;
  readonly mqttHost: string;
  readonly mqttPort: number;
  /** The monitoring endpoint, `http://127.0.0.1:<port>` (`/connz`, `/jsz`). */
  readonly httpUrl: string;
  /** True while the process runs. */
  readonly running: boolean;
  /** SIGKILL, and wait for the process to be gone. */
  kill(): Promise<void>;
  /** Starts the server again on the same ports and store (after {@link kill}). */
  start(): Promise<void>;
}

export interface PrivateNatsCluster {
  readonly nodes: readonly ClusterNode[];
  /** The NATS URLs of all three servers. */
  readonly natsUrls: readonly string[];
  node(name: string): ClusterNode;
  /** The server that a client connection named `name` is connected to (monitoring `/connz`). */
  serverOf(name: string): Promise<ClusterNode | undefined>;
  /** Stops every running server (SIGTERM, then SIGKILL after 5 s). */
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts the three servers in `dir` and waits until JetStream answers (a meta leader exists). */
export async function startNatsCluster(dir: string): Promise<PrivateNatsCluster> {
  if (NATS_SERVER_BIN === undefined) throw new Error('nats-server is not installed');
  const specs: {
    name: string;
    port: number;
    routePort: number;
    mqttPort: number;
    httpPort: number;
  }[] = [];
  for (const name of ['n1', 'n2', 'n3']) {
    specs.push({
      name,
      port: await freePort(),
      routePort: await freePort(),
      mqttPort: await freePort(),
      httpPort: await freePort(),
    });
  }
  const routes = specs.map((s) => `nats-route://127.0.0.1:${s.routePort}`).join(', ');
  const nodes: Node[] = [];
  for (const s of specs) {
    const store = join(dir, s.name);
    await mkdir(store, { recursive: true });
    const conf = join(dir, `${s.name}.conf`);
    await writeFile(
      conf,
      [
        `server_name: ${s.name}`,
        `listen: 127.0.0.1:${s.port}`,
        `http: 127.0.0.1:${s.httpPort}`,
        `jetstream { store_dir: ${JSON.stringify(store)}, max_memory_store: 64MB, max_file_store: 512MB }`,
        `cluster { name: wattproof-test, listen: 127.0.0.1:${s.routePort}, routes: [ ${routes} ] }`,
        `mqtt { listen: 127.0.0.1:${s.mqttPort}, stream_replicas: 3, ack_wait: "30s", max_ack_pending: 1024 }`,
      ]
        .map((l) => `${l}\n`)
        .join(''),
    );
    nodes.push(new Node(s.name, conf, s.port, s.mqttPort, s.httpPort, join(dir, `${s.name}.log`)));
  }
  try {
    await Promise.all(nodes.map((n) => n.start()));
    await waitForJetStream(nodes.map((n) => n.natsUrl));
  } catch (e) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw e;
  }
  return {
    nodes,
    natsUrls: nodes.map((n) => n.natsUrl),
    node: (name) => {
      const n = nodes.find((x) => x.name === name);
      if (n === undefined) throw new Error(`no server ${name} in the cluster`);
      return n;
    },
    serverOf: async (name) => {
      for (const n of nodes) {
        if (!n.running) continue;
        const r = await fetch(`${n.httpUrl}/connz?limit=1024`).catch(() => undefined);
        if (r?.ok !== true) continue;
        const body = (await r.json()) as { connections?: { name?: string }[] };
        if ((body.connections ?? []).some((c) => c.name === name)) return n;
      }
      return undefined;
    },
    close: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}

/** Until `$JS.API.INFO` answers without error: the cluster has elected its meta leader. */
async function waitForJetStream(servers: string[], timeoutMs = 20_000): Promise<void> {
  const nc = await connect({ servers });
  try {
    const until = Date.now() + timeoutMs;
    for (;;) {
      try {
        const r = await nc.request('$JS.API.INFO', undefined, { timeout: 1000 });
        const info = r.json<{ error?: unknown }>();
        if (info.error === undefined) return;
      } catch {
        // no responder yet
      }
      if (Date.now() > until)
        throw new Error('the cluster elected no JetStream meta leader in time');
      await sleep(200);
    }
  } finally {
    await nc.close();
  }
}

class Node implements ClusterNode {
  readonly natsUrl: string;
  readonly mqttHost = '127.0.0.1';
  readonly httpUrl: string;
  #proc: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    private readonly conf: string,
    private readonly port: number,
    readonly mqttPort: number,
    httpPort: number,
    private readonly logFile: string,
  ) {
    this.natsUrl = `nats://127.0.0.1:${port}`;
    this.httpUrl = `http://127.0.0.1:${httpPort}`;
  }

  get running(): boolean {
    return (
      this.#proc !== undefined && this.#proc.exitCode === null && this.#proc.signalCode === null
    );
  }

  async start(): Promise<void> {
    if (this.running) return;
    let stderr = '';
    const proc = spawn(NATS_SERVER_BIN!, ['-c', this.conf, '-l', this.logFile], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    this.#proc = proc;
    this.#exited = new Promise<void>((r) => proc.once('exit', () => r()));
    const until = Date.now() + 15_000;
    while (!(await acceptsConnections(this.port)) || !(await acceptsConnections(this.mqttPort))) {
      if (!this.running || Date.now() > until) {
        proc.kill('SIGKILL');
        throw new Error(
          `nats-server ${this.name} did not start on ports ${this.port}/${this.mqttPort}: ${stderr.trim()} (log ${this.logFile})`,
        );
      }
      await sleep(50);
    }
  }

  async kill(): Promise<void> {
    if (this.running) this.#proc!.kill('SIGKILL');
    await this.#exited;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.#proc!.kill('SIGTERM');
    const proc = this.#proc!;
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await this.#exited;
    clearTimeout(timer);
  }
}
