import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import { TokenStore } from '../../src/api/auth/index.ts';
import { registryRoutes } from '../../src/api/routes/registry.ts';
import { tokenRoutes } from '../../src/api/routes/tokens.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { loadOrCreateLogKey } from '../../src/log/log-key.ts';
import { MerkleLog } from '../../src/log/merkle-log.ts';
import { loadOperatorKey, Registry } from '../../src/registry/index.ts';
import { LevelStore } from '../../src/storage/level-store.ts';

export const ORIGIN = 'wattproof.test/api';

/** A node's store, log, registry and tokens in `dir`, with an app serving the registry and token routes. */
export interface TestNode {
  readonly store: LevelStore;
  readonly log: MerkleLog;
  readonly registry: Registry;
  readonly tokens: TokenStore;
  readonly app: FastifyInstance;
  readonly operatorToken: string;
  readonly issuerToken: string;
  close(): Promise<void>;
}

export async function openTestNode(dir: string): Promise<TestNode> {
  const store = await LevelStore.open(`${dir}/db`);
  const logKey = await loadOrCreateLogKey(`${dir}/log.key`, ORIGIN);
  const log = await MerkleLog.open({
    store,
    origin: ORIGIN,
    signer: logKey.signer,
    vkey: logKey.vkey,
  });
  const ledger = new Ledger(log, store);
  const operator = await loadOperatorKey(`${dir}/operator.key`, ORIGIN);
  const registry = await Registry.load({ store, ledger, operatorKey: operator });
  await registry.ensureOperatorDeclared(logKey.signer);
  const tokens = await TokenStore.load(store);
  const operatorToken = (await tokens.createToken('operator', 'test operator')).token;
  const issuerToken = (await tokens.createToken('issuer', 'test issuer')).token;
  const app = await buildApp({ log });
  await app.register(registryRoutes, { prefix: '/v1', registry, tokens });
  await app.register(tokenRoutes, { prefix: '/v1', tokens });
  await app.ready();
  return {
    store,
    log,
    registry,
    tokens,
    app,
    operatorToken,
    issuerToken,
    close: async () => {
      await app.close();
      await log.close();
      await store.close();
    },
  };
}
