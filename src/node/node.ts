/**
 * The composition root: wires one ingest node in one readable place — keys, the LevelDB
 * store, the Merkle log and ledger, the key registry and tokens, the ingest pipeline with its
 * signature worker pool, the transport (embedded broker, external broker or NATS JetStream),
 * receipts, metrics and the HTTP API. `close` stops taking readings, commits and acknowledges
 * what was handed over, then closes everything in reverse order.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildApp } from '../api/index.ts';
import { bootstrapOperatorToken } from '../api/index.ts';
import { TokenStore } from '../api/index.ts';
import { plaintextWarning } from '../api/index.ts';
import { startServer } from '../api/index.ts';
import { openApiTransport } from '../api/index.ts';
import { IngestService } from '../ingest/index.ts';
import { MeterStateStore } from '../ingest/index.ts';
import { IngestPipeline } from '../ingest/index.ts';
import { Quarantine } from '../ingest/index.ts';
import { ReceiptIssuer } from '../ingest/index.ts';
import { readingSubscriptions } from '../ingest/index.ts';
import type { MessageSource } from '../mqtt/index.ts';
import { LedgerIndexer } from '../indexer/index.ts';
import { Ledger } from '../ledger/index.ts';
import { loadOrCreateLogKey } from '../log/index.ts';
import { MerkleLog } from '../log/index.ts';
import { nodeHasher, nodeMapHasher, VerifyPool } from '../node-fast/index.ts';
import { IngestMetrics } from '../metrics/index.ts';
import { MetricsRegistry } from '../metrics/index.ts';
import { registerMqttMetrics, registerReceiptMetrics } from '../metrics/index.ts';
import { EmbeddedBroker, type BrokerTlsOptions } from '../mqtt/index.ts';
import type { MqttTransportStats } from '../metrics/index.ts';
import { silentLoggers, type Logger, type LoggerFactory } from '../logger.ts';
import { MqttSource } from '../mqtt/index.ts';
import { loadOperatorKey } from '../registry/index.ts';
import { registryBrokerAccess } from '../registry/index.ts';
import { Registry } from '../registry/index.ts';
import { LevelStore } from '../storage/index.ts';
import { WitnessSet } from '../../anchors/witness/witness-set.ts';
import type { Anchor } from '../../anchors/anchor.ts';
import { AnchorRunner } from '../../anchors/runner.ts';
import { AnchorStore } from '../../anchors/store.ts';
import { registerAnchorMetrics, registerIndexMetrics } from '../metrics/index.ts';
import { ConfigError, type NodeConfig } from './config.ts';
import { CosignedLog } from './cosigned-log.ts';
import { nodeRoutes } from './routes.ts';

/** A running node. */
export interface RunningNode {
  readonly log: MerkleLog;
  readonly ledger: Ledger;
  /** The verifiable index (undefined with `index.enabled` false). */
  readonly indexer: LedgerIndexer | undefined;
  readonly registry: Registry;
  readonly tokens: TokenStore;
  readonly ingest: IngestService;
  readonly quarantine: Quarantine;
  readonly metrics: MetricsRegistry;
  /** Base URL of the HTTP API. */
  readonly url: string;
  /**
   * Where readings come in, e.g. `mqtt://127.0.0.1:1883`, the embedded broker's address, or
   * `nats nats://127.0.0.1:4222 stream WATTPROOF_V1_READINGS consumer wattproof-v1-ingest`.
   */
  readonly mqtt: string;
  /** Port of the embedded broker (undefined with an external broker or NATS). */
  readonly mqttPort: number | undefined;
  /** Log verifier key, for verifiers and witnesses. */
  readonly vkey: string;
  /** True when this start created the log key. */
  readonly keyCreated: boolean;
  /** The operator token file, when this start created it. */
  readonly operatorTokenFile: string | undefined;
  /** The witnesses the node sends its checkpoints to, if any. */
  readonly witnesses: WitnessSet | undefined;
  /** The anchors the node anchors its checkpoints with, if any. */
  readonly anchors: AnchorRunner | undefined;
  /** Stops taking readings, commits and acknowledges what was handed over, closes everything. */
  close(): Promise<void>;
}

/** Options beyond the configuration, for tests and embedding. */
export interface StartOptions {
  /**
   * Where each part writes its log lines, by component: `mqtt` (the MQTT transport:
   * connections, reconnects, handler failures), `nats` (the JetStream source, the same kinds of
   * lines), `api` (HTTP warnings), `anchors` (anchor attempts). Default:
   * silent; `consoleLogger` prefixes each line with its component.
   */
  readonly loggers?: LoggerFactory;
  /** Clock for the pipeline's time checks, ms. */
  readonly now?: () => number;
}

/** Starts a node with `config`. */
export async function startNode(
  config: NodeConfig,
  options: StartOptions = {},
): Promise<RunningNode> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const logKey = await loadOrCreateLogKey(join(config.dataDir, 'log.key'), config.origin);
  const operatorKey = await loadOperatorKey(join(config.dataDir, 'operator.key'), config.origin);
  const store = await LevelStore.open(join(config.dataDir, 'log'));
  const closers: (() => Promise<void>)[] = [() => store.close()];
  const closeAll = async (): Promise<void> => {
    for (const c of closers.reverse()) await c();
    closers.length = 0;
  };
  try {
    const log = await MerkleLog.open({
      store,
      origin: config.origin,
      signer: logKey.signer,
      vkey: logKey.vkey,
      hasher: nodeHasher,
    });
    closers.push(() => log.close());
    const ledger = await Ledger.open(log, store);
    const loggers = options.loggers ?? silentLoggers;
    // Rebuilt from the log's entries before anything is appended; it then follows every commit.
    const indexer = config.index.enabled
      ? await LedgerIndexer.open(ledger, {
          hasher: nodeHasher,
          mapHasher: nodeMapHasher,
          epochSeconds: config.index.epochSeconds,
          epochEntries: config.index.epochEntries,
          logger: loggers('index'),
        })
      : undefined;
    if (indexer !== undefined) closers.push(async () => indexer.close());
    const registry = await Registry.load({ store, ledger, operatorKey });
    await registry.ensureOperatorDeclared(logKey.signer);
    const tokens = await TokenStore.load(store);
    const bootstrap = await bootstrapOperatorToken(tokens, join(config.dataDir, 'operator.token'));

    const metrics = new MetricsRegistry();
    const quarantine = await Quarantine.open(store, {
      capacity: config.quarantineRecords,
      maxBytes: config.quarantineBytes,
    });
    const meters = await MeterStateStore.open(store);
    const ingestMetrics = new IngestMetrics(metrics, {
      quarantineRecords: () => quarantine.size,
      metersFlagged: () => meters.flaggedCount,
      quarantineTiers: () => quarantine.counts(),
    });
    const verifier = new VerifyPool(
      config.verifyWorkers > 0 ? { workers: config.verifyWorkers } : {},
    );
    closers.push(() => verifier.close());
    const pipeline = new IngestPipeline({
      signers: registry,
      verifier,
      quarantine,
      meters,
      planner: ledger,
      metrics: ingestMetrics,
      maxReadingBytes: config.maxReadingBytes,
      clockSkewSeconds: config.clockSkewSeconds,
      topicRoot: config.topicRoot,
      findOverlap: (meterId, obis, start, end) => ledger.findOverlap(meterId, obis, start, end),
      ...(options.now ? { now: options.now } : {}),
    });

    const { source, stats: transportStats } = await openSource(config, registry, loggers);
    const ingest = new IngestService(
      source,
      pipeline,
      ledger,
      config.receipts ? new ReceiptIssuer(log, logKey.signer) : undefined,
      { topicRoot: config.topicRoot },
    );
    registerNodeMetrics(metrics, log, ingest);
    if (indexer !== undefined) registerIndexMetrics(metrics, indexer);
    registerReceiptMetrics(metrics, () => ingest.stats);
    // On the NATS path the mqtt_* metrics count the JetStream source's messages (openSource).
    registerMqttMetrics(metrics, transportStats);

    // Witnesses: every new checkpoint goes to all of them in the background; a slow or dead
    // witness never holds up ingest (anchors/witness/witness-set.ts).
    let served: MerkleLog | CosignedLog = log;
    let witnesses: WitnessSet | undefined;
    if (config.witnesses.length > 0) {
      const set = new WitnessSet({
        witnesses: config.witnesses,
        proof: (a, b) => log.consistencyProof(a, b),
        fetch: (url, init) => fetch(url, init),
      });
      witnesses = set;
      closers.push(async () => set.close());
      const decoder = new TextDecoder();
      const submit = (note: Uint8Array): void => {
        set.submit(decoder.decode(note)).catch(() => undefined);
      };
      log.onCheckpoint((cp) => submit(cp.note));
      const current = await log.checkpoint();
      if (current !== undefined) submit(current);
      served = new CosignedLog(log, set);
      registerWitnessMetrics(metrics, set);
    }

    // Anchors: each one anchors the newest checkpoint in the background and never holds up
    // ingest (anchors/runner.ts); the records stay with the checkpoints they anchor and go into
    // bundles, also those of earlier runs.
    const anchorStore = new AnchorStore(store);
    const anchors = await startAnchors(config, anchorStore, loggers('anchors'));
    if (anchors !== undefined) {
      closers.push(() => anchors.close());
      log.onCheckpoint((cp) => anchors.submit(cp.note));
      const current = await log.checkpoint();
      if (current !== undefined) anchors.submit(current);
      registerAnchorMetrics(metrics, anchors);
    }
    // The bundle route spreads its source into buildBundle: the store adds the anchors.
    const bundleSource = {
      ledger,
      log,
      registry,
      anchors: anchorStore,
      ...(indexer === undefined ? {} : { index: indexer }),
    };

    // The API: TLS, timeouts, connection cap, trusted proxies and access log (api/transport.ts).
    const transport = await openApiTransport(config);
    closers.push(() => transport.close());
    const app = await buildApp({
      log: served,
      tokens,
      ...(config.rateLimitPerMinute === undefined
        ? {}
        : { rateLimitPerMinute: config.rateLimitPerMinute }),
      http: transport.http,
      ...(transport.accessLog === undefined ? {} : { accessLog: transport.accessLog }),
      routes: nodeRoutes({
        log,
        ledger,
        registry,
        tokens,
        quarantine,
        metrics,
        bundleSource,
        checkpoint: () => served.checkpoint(),
        ...(indexer === undefined ? {} : { index: indexer }),
        ...(config.bundleLimits === undefined ? {} : { bundleLimits: config.bundleLimits }),
      }),
    });
    const server = await startServer(app, { host: config.httpHost, port: config.httpPort });
    closers.push(() => server.close());
    const plaintext = plaintextWarning(config.httpHost, config.httpTls !== undefined);
    if (plaintext !== undefined) loggers('api').warn(plaintext);
    await ingest.start();
    closers.push(() => ingest.stop());

    return {
      log,
      ledger,
      indexer,
      registry,
      tokens,
      ingest,
      quarantine,
      metrics,
      url: server.url,
      mqtt: source.description,
      mqttPort: source instanceof EmbeddedBroker ? source.port : undefined,
      vkey: logKey.vkey,
      keyCreated: logKey.created,
      operatorTokenFile: bootstrap.created ? bootstrap.path : undefined,
      witnesses,
      anchors,
      close: closeAll,
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

/** A transport and the counters of it that the mqtt_* metrics show. */
interface OpenedSource {
  readonly source: MessageSource;
  readonly stats: () => MqttTransportStats;
}

/**
 * The transport `config.mqtt` names: the embedded broker, a client of an external broker, or
 * the JetStream source (its NATS client modules load only when configured).
 */
async function openSource(
  config: NodeConfig,
  registry: Registry,
  loggers: LoggerFactory,
): Promise<OpenedSource> {
  const mqtt = config.mqtt;
  const readingTopics = readingSubscriptions(undefined, config.topicRoot);
  switch (mqtt.mode) {
    case 'embedded': {
      const broker = new EmbeddedBroker({
        host: mqtt.host,
        port: mqtt.port,
        readingTopics,
        logger: loggers('mqtt'),
        // Closed unless asked: each signer logs in with its broker credential.
        access:
          mqtt.allowAnonymous === true
            ? 'anonymous'
            : registryBrokerAccess(registry, config.topicRoot),
        ...(mqtt.tls === undefined ? {} : { tls: await brokerTls(mqtt.tls) }),
      });
      return { source: broker, stats: () => broker.stats };
    }
    case 'external': {
      const client = new MqttSource({
        url: mqtt.url,
        clientId: mqtt.clientId,
        protocolVersion: mqtt.protocolVersion,
        subscriptions: readingTopics,
        logger: loggers('mqtt'),
        ...(mqtt.username !== undefined ? { username: mqtt.username } : {}),
        ...(mqtt.password !== undefined ? { password: mqtt.password } : {}),
      });
      return { source: client, stats: () => client.stats };
    }
    case 'nats': {
      const { JetStreamSource } = await import('../nats/index.ts');
      let nats: InstanceType<typeof JetStreamSource>;
      try {
        nats = new JetStreamSource({
          servers: mqtt.servers,
          stream: mqtt.stream,
          durable: mqtt.consumer,
          topicFilters: readingTopics,
          logger: loggers('nats'),
        });
      } catch (e) {
        // A name the source cannot use (a bad URL is NatsError INVALID_URL, passed on).
        if (!(e instanceof RangeError)) throw e;
        throw new ConfigError('INVALID_CONFIG', `--nats-stream/--nats-consumer: ${e.message}`, {
          cause: e,
        });
      }
      // The mqtt_* counters count the JetStream source's messages and receipts here;
      // `connected` and `redelivered` are in its stats but not (yet) metrics.
      return {
        source: nats,
        stats: () => {
          const s = nats.stats;
          return {
            received: s.received,
            acked: s.acked,
            inFlight: s.inFlight,
            handlerFailures: s.handlerFailures,
            published: s.published,
            droppedPublishes: s.droppedPublishes,
          };
        },
      };
    }
  }
}

/** The embedded broker's certificate and key, read from their PEM files. */
async function brokerTls(files: {
  readonly certFile: string;
  readonly keyFile: string;
}): Promise<BrokerTlsOptions> {
  const read = async (file: string, flag: string): Promise<string> => {
    try {
      return await readFile(file, 'utf8');
    } catch (e) {
      throw new ConfigError(
        'INVALID_CONFIG',
        `${flag}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        { cause: e },
      );
    }
  };
  return {
    cert: await read(files.certFile, '--mqtt-tls-cert'),
    key: await read(files.keyFile, '--mqtt-tls-key'),
  };
}

/** The configured anchors (docs/operations.md), started; undefined when there are none. */
async function startAnchors(
  config: NodeConfig,
  store: AnchorStore,
  logger: Logger,
): Promise<AnchorRunner | undefined> {
  // The anchor modules (ASN.1/CMS, EVM client) load only when configured: a node without
  // anchors starts without them.
  const list: Anchor[] = [];
  if (config.tsaUrl !== undefined) {
    const { TsaAnchor } = await import('../../anchors/tsa/index.ts');
    list.push(new TsaAnchor({ url: config.tsaUrl }));
  }
  if (config.evm !== undefined) {
    const { EvmAnchor, loadEvmKey } = await import('../../anchors/evm/index.ts');
    const key = await loadEvmKey(config.evm.keyFile);
    list.push(
      new EvmAnchor({
        rpcUrl: config.evm.rpcUrl,
        chainId: config.evm.chainId,
        privateKey: key.privateKey,
        ...(config.evm.contract !== undefined ? { contract: config.evm.contract } : {}),
      }),
    );
  }
  if (list.length === 0) return undefined;
  const runner = new AnchorRunner({
    anchors: list,
    store,
    intervalSeconds: config.anchorIntervalSeconds ?? 60,
    logger,
  });
  await runner.start();
  return runner;
}

function registerWitnessMetrics(metrics: MetricsRegistry, set: WitnessSet): void {
  metrics.gauge(
    'witness_cosigned_size',
    'Tree size each witness last cosigned.',
    ['witness'],
    (g) => {
      for (const h of set.health()) g.set({ witness: h.name }, h.lastSize);
    },
  );
  metrics.gauge(
    'witness_consecutive_failures',
    'Failed submissions to each witness since its last success.',
    ['witness'],
    (g) => {
      for (const h of set.health()) g.set({ witness: h.name }, h.consecutiveFailures);
    },
  );
}

function registerNodeMetrics(
  metrics: MetricsRegistry,
  log: MerkleLog,
  ingest: IngestService,
): void {
  metrics.gauge('log_tree_size', 'Leaves in the latest published checkpoint.', [], (g) =>
    g.set(log.size),
  );
  metrics.gauge('ingest_queued_messages', 'Messages waiting for a batch.', [], (g) =>
    g.set(ingest.stats.queued),
  );
  metrics.gauge('ingest_batches_in_flight', 'Batches being checked or committed.', [], (g) =>
    g.set(ingest.stats.inFlight),
  );
  metrics.gauge('ingest_receipts_published', 'Receipts published to meters since start.', [], (g) =>
    g.set(ingest.stats.receiptsPublished),
  );
  metrics.gauge(
    'ingest_receipts_skipped',
    'Receipts not made because they fell behind ingest.',
    [],
    (g) => g.set(ingest.stats.receiptsSkipped),
  );
  metrics.gauge(
    'ingest_notices_published',
    'Refusal and duplicate notices published to signers since start.',
    [],
    (g) => g.set(ingest.stats.noticesPublished),
  );
  metrics.gauge(
    'ingest_notices_skipped',
    'Notices not made because they fell behind ingest.',
    [],
    (g) => g.set(ingest.stats.noticesSkipped),
  );
  const commitSeconds = metrics.histogram(
    'ingest_commit_seconds',
    'Time from a batch being checked to its commit being durable.',
    { buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] },
  );
  ingest.onBatch((b) => commitSeconds.observe(b.commitMs / 1000));
}
