/**
 * The composition root: wires the log key, the LevelDB Merkle log and the HTTP API of one
 * node in one readable place. `startNode` returns a handle whose `close` finishes queued
 * commits before it returns.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { buildApp } from '../api/app.ts';
import { startServer } from '../api/server.ts';
import { loadOrCreateLogKey } from '../log/log-key.ts';
import { MerkleLog } from '../log/merkle-log.ts';
import type { NodeConfig } from './config.ts';

/** A running node. */
export interface RunningNode {
  readonly log: MerkleLog;
  /** Base URL of the HTTP API. */
  readonly url: string;
  /** Log verifier key, for verifiers and witnesses. */
  readonly vkey: string;
  /** True when this start created the log key. */
  readonly keyCreated: boolean;
  /** Stops the API, then closes the log after its queued commits. */
  close(): Promise<void>;
}

/** Starts a node with `config`. */
export async function startNode(config: NodeConfig): Promise<RunningNode> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const key = await loadOrCreateLogKey(join(config.dataDir, 'log.key'), config.origin);
  const log = await MerkleLog.open({
    path: join(config.dataDir, 'log'),
    origin: config.origin,
    signer: key.signer,
    vkey: key.vkey,
  });
  try {
    const app = await buildApp({ log });
    const server = await startServer(app, { host: config.httpHost, port: config.httpPort });
    return {
      log,
      url: server.url,
      vkey: key.vkey,
      keyCreated: key.created,
      close: async () => {
        await server.close();
        await log.close();
      },
    };
  } catch (e) {
    await log.close();
    throw e;
  }
}
