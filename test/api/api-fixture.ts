/**
 * A node's API over a temp store, without MQTT: log, ledger, registry, tokens, quarantine and
 * every route the node serves, wired as `src/node/node.ts` wires them, for `inject` tests.
 * Readings are appended to the ledger as the ingest node records them.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import { TokenStore } from '../../src/api/auth/token-store.ts';
import { EntryKind } from '../../src/core/leaf/leaf.ts';
import { openSignedReading } from '../../src/core/reading/index.ts';
import { Quarantine } from '../../src/ingest/quarantine.ts';
import { LedgerIndexer } from '../../src/indexer/index.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { loadOrCreateLogKey } from '../../src/log/log-key.ts';
import { MerkleLog } from '../../src/log/merkle-log.ts';
import { MetricsRegistry } from '../../src/metrics/registry.ts';
import { loadOperatorKey, Registry } from '../../src/registry/index.ts';
import { nodeRoutes } from '../../src/node/routes.ts';
import { LevelStore } from '../../src/storage/level-store.ts';
import type { TestSigner } from '../e2e/node-harness.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

/** The origin of fixture logs. */
export const API_ORIGIN = 'wattproof.test/api-routes';

/** The parts and the app. */
export interface ApiFixture {
  readonly store: LevelStore;
  readonly log: MerkleLog;
  readonly ledger: Ledger;
  readonly registry: Registry;
  readonly tokens: TokenStore;
  readonly app: FastifyInstance;
  readonly vkey: string;
  /** Active tokens of each role. */
  readonly operator: string;
  readonly issuer: string;
  close(): Promise<void>;
}

/** Opens a fresh fixture; `rateLimitPerMinute` as the node's `--rate-limit`. */
export async function openApiFixture(
  options: { rateLimitPerMinute?: number; cursorKey?: Uint8Array } = {},
): Promise<ApiFixture> {
  const tmp = await tempDir();
  const store = await LevelStore.open(`${tmp.path}/db`);
  const logKey = await loadOrCreateLogKey(`${tmp.path}/log.key`, API_ORIGIN);
  const log = await MerkleLog.open({
    store,
    origin: API_ORIGIN,
    signer: logKey.signer,
    vkey: logKey.vkey,
  });
  const ledger = await Ledger.open(log, store);
  // The node's verifiable index, as the node mounts it (its routes are in the API documents).
  const indexer = await LedgerIndexer.open(ledger, { epochSeconds: 86_400 });
  const operatorKey = await loadOperatorKey(`${tmp.path}/operator.key`, API_ORIGIN);
  const registry = await Registry.load({ store, ledger, operatorKey });
  await registry.ensureOperatorDeclared(logKey.signer);
  const tokens = await TokenStore.load(store);
  const operator = (await tokens.createToken('operator', 'fixture operator')).token;
  const issuer = (await tokens.createToken('issuer', 'fixture issuer')).token;
  const quarantine = await Quarantine.open(store);
  const metrics = new MetricsRegistry();
  const app = await buildApp({
    log,
    tokens,
    ...(options.rateLimitPerMinute === undefined
      ? {}
      : { rateLimitPerMinute: options.rateLimitPerMinute }),
    routes: nodeRoutes({
      log,
      ledger,
      registry,
      tokens,
      quarantine,
      metrics,
      bundleSource: { ledger, log, registry, index: indexer },
      checkpoint: () => log.checkpoint(),
      index: indexer,
      ...(options.cursorKey === undefined ? {} : { cursorKey: options.cursorKey }),
    }),
  });
  await app.ready();
  return {
    store,
    log,
    ledger,
    registry,
    tokens,
    app,
    vkey: logKey.vkey,
    operator,
    issuer,
    close: async () => {
      indexer.close();
      await app.close();
      await log.close();
      await store.close();
      await tmp.remove();
    },
  };
}

/** Registers `s` (Ed25519) in the fixture's registry. */
export async function registerSigner(f: ApiFixture, s: TestSigner): Promise<void> {
  await f.registry.register({
    signerId: s.signerId,
    mode: s.mode,
    keyType: 'Ed25519',
    publicKey: s.publicKey,
    meters: s.meters,
    ratedCapacityW: 10_000,
  });
}

/**
 * Signs readings `seqs` of `meterId` (15-minute intervals from `t0`) and appends them in one
 * batch, with the metadata the ingest node records. Returns their leaf indices.
 */
export async function appendReadings(
  f: ApiFixture,
  s: TestSigner,
  meterId: string,
  seqs: readonly number[],
  t0: number,
): Promise<number[]> {
  const items = seqs.map((seq) => {
    const bytes = s.sign(s.reading(meterId, seq, t0));
    const { reading, sign1 } = openSignedReading(bytes);
    return {
      kind: EntryKind.readingCose,
      bytes,
      meta: {
        receivedAt: Date.now(),
        meterId: reading.meterId,
        sequence: reading.sequence,
        intervalStart: reading.intervalStart,
        intervalEnd: reading.intervalEnd,
        obis: reading.obis,
        energyMilliWh: reading.energyWh * 1000,
        registerMilliWh: reading.registerWh * 1000,
        signerId: sign1.iss,
        trustMode: s.mode,
      },
    };
  });
  const r = await f.ledger.append(items);
  return r.entries.map((e) => e.index);
}
