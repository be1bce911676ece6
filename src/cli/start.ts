/**
 * `wattproof start`: runs an ingest node. Every setting has a flag and an environment variable;
 * with none, the node runs on embedded defaults (its own MQTT broker, `./data`, HTTP on
 * 127.0.0.1:8080). `--mqtt-url` (an external broker) and `--nats-url` (NATS JetStream) pick the
 * other transports.
 */
import { parseArgs } from 'node:util';
import {
  checkOrigin,
  DEFAULT_CONFIG,
  defaultClientId,
  defaultNatsConsumer,
  defaultNatsStream,
  parseIntSetting,
  parsePort,
  type EvmAnchorConfig,
  type MqttConfig,
  type NodeConfig,
} from '../node/index.ts';
import { startNode } from '../node/index.ts';
import { consoleLogger } from '../logger.ts';
import { checkTopicRoot } from '../ingest/index.ts';
import { parseVerifierKey } from '../core/note/index.ts';
import { ConfigError } from '../node/index.ts';
import { DEFAULT_HTTP_SETTINGS, parseTrustProxy } from '../api/index.ts';
import { DEFAULT_BUNDLE_LIMITS } from '../bundle/index.ts';

/** `URL=VKEY` of a witness: an http(s) URL and a cosignature/v1 verifier key. */
function parseWitness(text: string): { url: string; vkey: string } {
  const eq = text.indexOf('=');
  const url = eq < 0 ? '' : text.slice(0, eq);
  const vkey = eq < 0 ? '' : text.slice(eq + 1);
  if (!/^https?:\/\/\S+$/.test(url) || vkey === '') {
    throw new ConfigError(
      'INVALID_CONFIG',
      `--witness must be URL=VKEY, e.g. http://127.0.0.1:7380/=witness.example+1a2b3c4d+BA…, got "${text}"`,
    );
  }
  try {
    parseVerifierKey(vkey);
  } catch (e) {
    throw new ConfigError('INVALID_CONFIG', `--witness ${url}: ${(e as Error).message}`);
  }
  return { url, vkey };
}

/** The EVM anchor settings: none without `--evm-rpc`; with it, a chain id and key file too. */
function evmConfig(
  pick: (
    flag: 'evm-rpc' | 'evm-chain-id' | 'evm-key-file' | 'evm-contract',
    env: string,
  ) => string | undefined,
): { evm?: EvmAnchorConfig } {
  const rpcUrl = pick('evm-rpc', 'WATTPROOF_EVM_RPC');
  const chainId = pick('evm-chain-id', 'WATTPROOF_EVM_CHAIN_ID');
  const keyFile = pick('evm-key-file', 'WATTPROOF_EVM_KEY_FILE');
  const contract = pick('evm-contract', 'WATTPROOF_EVM_CONTRACT');
  if (rpcUrl === undefined) {
    if (chainId !== undefined || keyFile !== undefined || contract !== undefined) {
      throw new ConfigError(
        'INVALID_CONFIG',
        '--evm-chain-id, --evm-key-file and --evm-contract need --evm-rpc',
      );
    }
    return {};
  }
  if (!/^https?:\/\/\S+$/.test(rpcUrl)) {
    throw new ConfigError('INVALID_CONFIG', `--evm-rpc must be an http(s) URL, got "${rpcUrl}"`);
  }
  if (chainId === undefined || keyFile === undefined) {
    throw new ConfigError('INVALID_CONFIG', '--evm-rpc needs --evm-chain-id and --evm-key-file');
  }
  if (contract !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(contract)) {
    throw new ConfigError(
      'INVALID_CONFIG',
      `--evm-contract must be a 0x address, got "${contract}"`,
    );
  }
  return {
    evm: {
      rpcUrl,
      chainId: parseIntSetting('--evm-chain-id', chainId, 1, Number.MAX_SAFE_INTEGER),
      keyFile,
      ...(contract !== undefined ? { contract } : {}),
    },
  };
}

/** The embedded broker's TLS files and anonymous access (both flags of the embedded broker). */
function embeddedBrokerAccess(
  pick: (flag: 'mqtt-tls-cert' | 'mqtt-tls-key', env: string) => string | undefined,
  allowAnonymous: boolean,
): { tls?: { certFile: string; keyFile: string }; allowAnonymous?: true } {
  const certFile = pick('mqtt-tls-cert', 'WATTPROOF_MQTT_TLS_CERT');
  const keyFile = pick('mqtt-tls-key', 'WATTPROOF_MQTT_TLS_KEY');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError('INVALID_CONFIG', '--mqtt-tls-cert and --mqtt-tls-key go together');
  }
  return {
    ...(certFile !== undefined && keyFile !== undefined ? { tls: { certFile, keyFile } } : {}),
    ...(allowAnonymous ? { allowAnonymous: true } : {}),
  };
}

type NatsFlag = 'nats-url' | 'nats-stream' | 'nats-consumer';

/** `--nats-url` and its stream and consumer names; undefined without `--nats-url`. */
function natsConfig(
  pick: (flag: NatsFlag, env: string) => string | undefined,
  topicRoot: string,
): MqttConfig | undefined {
  const urls = pick('nats-url', 'WATTPROOF_NATS_URL');
  const stream = pick('nats-stream', 'WATTPROOF_NATS_STREAM');
  const consumer = pick('nats-consumer', 'WATTPROOF_NATS_CONSUMER');
  if (urls === undefined) {
    if (stream !== undefined || consumer !== undefined) {
      throw new ConfigError('INVALID_CONFIG', '--nats-stream and --nats-consumer need --nats-url');
    }
    return undefined;
  }
  const servers = urls.split(',').map((u) => u.trim());
  for (const u of servers) {
    if (!/^(nats|tls):\/\/\S+$/.test(u)) {
      throw new ConfigError(
        'INVALID_CONFIG',
        `--nats-url must be nats://host:port or tls://host:port, several separated by commas, got "${urls}"`,
      );
    }
  }
  const name = (flag: string, value: string): string => {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(value)) {
      throw new ConfigError(
        'INVALID_CONFIG',
        `${flag} must be 1 to 64 characters of A-Z, a-z, 0-9, "_" and "-", got "${value}"`,
      );
    }
    return value;
  };
  return {
    mode: 'nats',
    servers,
    stream: name('--nats-stream', stream ?? defaultNatsStream(topicRoot)),
    consumer: name('--nats-consumer', consumer ?? defaultNatsConsumer(topicRoot)),
  };
}

function checkRoot(root: string): string {
  try {
    return checkTopicRoot(root);
  } catch (e) {
    throw new ConfigError('INVALID_CONFIG', `--topic-root: ${(e as Error).message}`);
  }
}

type HttpApiFlag =
  | 'tls-cert'
  | 'tls-key'
  | 'trust-proxy'
  | 'access-log'
  | 'max-connections'
  | 'max-bundle-entries'
  | 'max-bundle-bytes';

/** The HTTP API's transport and limit settings (docs/api.md §Transport, docs/bundle.md §Limits). */
function httpApiConfig(
  pick: (flag: HttpApiFlag, env: string) => string | undefined,
): Pick<NodeConfig, 'httpTls' | 'trustProxy' | 'accessLog' | 'maxConnections' | 'bundleLimits'> {
  const certFile = pick('tls-cert', 'WATTPROOF_TLS_CERT');
  const keyFile = pick('tls-key', 'WATTPROOF_TLS_KEY');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError('INVALID_CONFIG', '--tls-cert and --tls-key go together');
  }
  const proxies = pick('trust-proxy', 'WATTPROOF_TRUST_PROXY');
  let trustProxy: string[] | undefined;
  try {
    trustProxy = proxies === undefined ? undefined : parseTrustProxy(proxies);
  } catch (e) {
    throw new ConfigError('INVALID_CONFIG', (e as Error).message);
  }
  const accessLog = pick('access-log', 'WATTPROOF_ACCESS_LOG');
  const connections = pick('max-connections', 'WATTPROOF_MAX_CONNECTIONS');
  const entries = pick('max-bundle-entries', 'WATTPROOF_MAX_BUNDLE_ENTRIES');
  const bytes = pick('max-bundle-bytes', 'WATTPROOF_MAX_BUNDLE_BYTES');
  return {
    ...(certFile !== undefined && keyFile !== undefined ? { httpTls: { certFile, keyFile } } : {}),
    ...(trustProxy === undefined ? {} : { trustProxy }),
    ...(accessLog === undefined || accessLog === '' ? {} : { accessLog }),
    ...(connections === undefined
      ? {}
      : { maxConnections: parseIntSetting('--max-connections', connections, 1, 1_000_000) }),
    ...(entries === undefined && bytes === undefined
      ? {}
      : {
          bundleLimits: {
            maxEntries:
              entries === undefined
                ? DEFAULT_BUNDLE_LIMITS.maxEntries
                : parseIntSetting('--max-bundle-entries', entries, 1, 10_000_000),
            maxBytes:
              bytes === undefined
                ? DEFAULT_BUNDLE_LIMITS.maxBytes
                : parseIntSetting('--max-bundle-bytes', bytes, 1024, 4 * 1024 ** 3),
          },
        }),
  };
}

/** Help text of `wattproof start`. */
export const START_USAGE = `usage: wattproof start [options]

Runs an ingest node: MQTT in (embedded broker by default, an external broker, or NATS
JetStream), checks, the Merkle log in LevelDB, receipts out, and the HTTP API. Environment
variables in brackets.

  --data-dir DIR           data folder, created if missing [WATTPROOF_DATA_DIR] (default ${DEFAULT_CONFIG.dataDir})
  --origin ORIGIN          log origin and key name [WATTPROOF_ORIGIN] (default ${DEFAULT_CONFIG.origin})
  --host HOST              HTTP listen address [WATTPROOF_HOST] (default ${DEFAULT_CONFIG.httpHost})
  --http-port PORT         HTTP port, 0 for any free one [WATTPROOF_HTTP_PORT] (default ${DEFAULT_CONFIG.httpPort})
  --topic-root ROOT        first levels of the MQTT topics [WATTPROOF_TOPIC_ROOT] (default ${DEFAULT_CONFIG.topicRoot})

  embedded broker (the default):
  --mqtt-host HOST         broker listen address [WATTPROOF_MQTT_HOST] (default 127.0.0.1)
  --mqtt-port PORT         broker port, 0 for any free one [WATTPROOF_MQTT_PORT] (default 1883)
  --mqtt-tls-cert FILE     PEM certificate: MQTTS instead of MQTT [WATTPROOF_MQTT_TLS_CERT]
  --mqtt-tls-key FILE      PEM private key of that certificate [WATTPROOF_MQTT_TLS_KEY]
  --mqtt-allow-anonymous   let clients in without a login, for anything (development only;
                           by default each signer logs in with its broker credential)

  external broker (Mosquitto, EMQX, HiveMQ, …):
  --mqtt-url URL           mqtt://host:port or mqtts://host:port [WATTPROOF_MQTT_URL]
  --mqtt-client-id ID      stable client id for the persistent session [WATTPROOF_MQTT_CLIENT_ID]
                           (default wattproof-<origin>)
  --mqtt-protocol 5|4      MQTT 5 (default) or 3.1.1 [WATTPROOF_MQTT_PROTOCOL]
  --mqtt-username NAME     [WATTPROOF_MQTT_USERNAME]
  --mqtt-password SECRET   [WATTPROOF_MQTT_PASSWORD]

  NATS JetStream (docs/nats-source.md; meters publish to the NATS server's MQTT listener):
  --nats-url URL[,URL…]    nats://host:port or tls://host:port, one or more servers of a
                           cluster; not with --mqtt-url [WATTPROOF_NATS_URL]
  --nats-stream NAME       the work-queue stream capturing the readings, created if missing
                           [WATTPROOF_NATS_STREAM] (default from the topic root:
                           ${defaultNatsStream(DEFAULT_CONFIG.topicRoot)} for ${DEFAULT_CONFIG.topicRoot})
  --nats-consumer NAME     the durable consumer all ingest processes of the ledger share,
                           created if missing [WATTPROOF_NATS_CONSUMER]
                           (default ${defaultNatsConsumer(DEFAULT_CONFIG.topicRoot)} for ${DEFAULT_CONFIG.topicRoot})

  checks:
  --max-reading-bytes N    largest reading accepted [WATTPROOF_MAX_READING_BYTES] (default ${DEFAULT_CONFIG.maxReadingBytes})
  --clock-skew SECONDS     how far an interval end may lie in the future [WATTPROOF_CLOCK_SKEW] (default ${DEFAULT_CONFIG.clockSkewSeconds})
  --quarantine-records N   refused messages kept [WATTPROOF_QUARANTINE_RECORDS] (default ${DEFAULT_CONFIG.quarantineRecords})
  --quarantine-bytes N     bytes the quarantine may hold [WATTPROOF_QUARANTINE_BYTES] (default ${DEFAULT_CONFIG.quarantineBytes})
  --verify-workers N       signature-check threads, 0 = one per core [WATTPROOF_VERIFY_WORKERS] (default 0)
  --no-receipts            do not publish receipts to meters
  --rate-limit N           requests a minute per API token on the token routes
                           [WATTPROOF_RATE_LIMIT] (default ${DEFAULT_CONFIG.rateLimitPerMinute ?? 600})

  verifiable index (docs/index.md):
  --index-epoch SECONDS    longest time between two index epochs while entries come in
                           [WATTPROOF_INDEX_EPOCH] (default ${DEFAULT_CONFIG.index.epochSeconds})
  --index-epoch-entries N  entries that cut an epoch at once [WATTPROOF_INDEX_EPOCH_ENTRIES]
                           (default ${DEFAULT_CONFIG.index.epochEntries})
  --no-index               keep no verifiable index (bundles then prove no absence)

  HTTP API (docs/api.md §Transport):
  --tls-cert FILE          PEM certificate chain: HTTPS instead of HTTP [WATTPROOF_TLS_CERT]
  --tls-key FILE           PEM private key of that certificate [WATTPROOF_TLS_KEY]
  --trust-proxy LIST       reverse proxies whose X-Forwarded-For is believed: addresses, CIDR
                           ranges, loopback [WATTPROOF_TRUST_PROXY] (default none)
  --access-log FILE|-      one JSON line per request, appended to FILE or stdout
                           [WATTPROOF_ACCESS_LOG] (default none)
  --max-connections N      most open API connections [WATTPROOF_MAX_CONNECTIONS] (default ${DEFAULT_HTTP_SETTINGS.maxConnections})
  --max-bundle-entries N   most entries in one bundle [WATTPROOF_MAX_BUNDLE_ENTRIES] (default ${DEFAULT_BUNDLE_LIMITS.maxEntries})
  --max-bundle-bytes N     most bytes of one bundle's JSON [WATTPROOF_MAX_BUNDLE_BYTES] (default ${DEFAULT_BUNDLE_LIMITS.maxBytes})

  witnesses (C2SP tlog-witness):
  --witness URL=VKEY       send each checkpoint to this witness (repeatable); URL is its
                           submission prefix, VKEY its cosigner key

  anchors (docs/witnessing-and-anchors.md):
  --tsa-url URL            RFC 3161 Time-Stamping Authority to timestamp checkpoints [WATTPROOF_TSA_URL]
  --evm-rpc URL            EVM JSON-RPC endpoint to anchor checkpoints on [WATTPROOF_EVM_RPC]
  --evm-chain-id N         EIP-155 chain id the endpoint must serve [WATTPROOF_EVM_CHAIN_ID]
  --evm-key-file FILE      funded account's private key, mode 0600 [WATTPROOF_EVM_KEY_FILE]
  --evm-contract ADDRESS   anchor contract (absent: data mode) [WATTPROOF_EVM_CONTRACT]
  --anchor-interval SECONDS  least time between two anchors of one kind, 0 = every checkpoint
                           [WATTPROOF_ANCHOR_INTERVAL] (default ${DEFAULT_CONFIG.anchorIntervalSeconds ?? 60})

  -h, --help               this text
`;

/** Parses the flags and environment of `wattproof start`; undefined for `--help`. */
export function startConfig(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): NodeConfig | undefined {
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      origin: { type: 'string' },
      host: { type: 'string' },
      'http-port': { type: 'string' },
      'topic-root': { type: 'string' },
      'mqtt-host': { type: 'string' },
      'mqtt-port': { type: 'string' },
      'mqtt-tls-cert': { type: 'string' },
      'mqtt-tls-key': { type: 'string' },
      'mqtt-allow-anonymous': { type: 'boolean' },
      'mqtt-url': { type: 'string' },
      'mqtt-client-id': { type: 'string' },
      'mqtt-protocol': { type: 'string' },
      'mqtt-username': { type: 'string' },
      'mqtt-password': { type: 'string' },
      'nats-url': { type: 'string' },
      'nats-stream': { type: 'string' },
      'nats-consumer': { type: 'string' },
      'max-reading-bytes': { type: 'string' },
      'quarantine-records': { type: 'string' },
      'quarantine-bytes': { type: 'string' },
      'clock-skew': { type: 'string' },
      'verify-workers': { type: 'string' },
      'no-receipts': { type: 'boolean' },
      'index-epoch': { type: 'string' },
      'index-epoch-entries': { type: 'string' },
      'no-index': { type: 'boolean' },
      witness: { type: 'string', multiple: true },
      'tsa-url': { type: 'string' },
      'evm-rpc': { type: 'string' },
      'evm-chain-id': { type: 'string' },
      'evm-key-file': { type: 'string' },
      'evm-contract': { type: 'string' },
      'anchor-interval': { type: 'string' },
      'rate-limit': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'trust-proxy': { type: 'string' },
      'access-log': { type: 'string' },
      'max-connections': { type: 'string' },
      'max-bundle-entries': { type: 'string' },
      'max-bundle-bytes': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return undefined;
  const pick = (flag: keyof typeof values, name: string): string | undefined => {
    const v = values[flag];
    return typeof v === 'string' ? v : env[name];
  };
  const origin = checkOrigin(pick('origin', 'WATTPROOF_ORIGIN') ?? DEFAULT_CONFIG.origin);
  const httpPort = pick('http-port', 'WATTPROOF_HTTP_PORT');
  const url = pick('mqtt-url', 'WATTPROOF_MQTT_URL');
  const topicRoot = checkRoot(
    pick('topic-root', 'WATTPROOF_TOPIC_ROOT') ?? DEFAULT_CONFIG.topicRoot,
  );
  const nats = natsConfig(pick, topicRoot);
  let mqtt: MqttConfig;
  if (nats !== undefined) {
    if (url !== undefined) {
      throw new ConfigError(
        'INVALID_CONFIG',
        '--mqtt-url and --nats-url (or WATTPROOF_MQTT_URL and WATTPROOF_NATS_URL) name two ' +
          'transports: give one, an external MQTT broker or a NATS JetStream server, not both',
      );
    }
    const brokerFlags = [
      'mqtt-host',
      'mqtt-port',
      'mqtt-tls-cert',
      'mqtt-tls-key',
      'mqtt-allow-anonymous',
      'mqtt-client-id',
      'mqtt-protocol',
      'mqtt-username',
      'mqtt-password',
    ] as const;
    const given = brokerFlags.filter((f) => values[f] !== undefined).map((f) => `--${f}`);
    if (given.length > 0) {
      throw new ConfigError(
        'INVALID_CONFIG',
        `${given.join(', ')}: settings of an MQTT broker, not of --nats-url (meters log in to ` +
          "the NATS server's MQTT listener, configured in the NATS server itself)",
      );
    }
    mqtt = nats;
  } else if (url !== undefined) {
    if (
      values['mqtt-tls-cert'] !== undefined ||
      values['mqtt-tls-key'] !== undefined ||
      values['mqtt-allow-anonymous'] === true
    ) {
      throw new ConfigError(
        'INVALID_CONFIG',
        '--mqtt-tls-cert, --mqtt-tls-key and --mqtt-allow-anonymous are settings of the embedded ' +
          'broker, not of --mqtt-url (configure the external broker itself: wattproof broker-config)',
      );
    }
    const protocol = pick('mqtt-protocol', 'WATTPROOF_MQTT_PROTOCOL') ?? '5';
    const username = pick('mqtt-username', 'WATTPROOF_MQTT_USERNAME');
    const password = pick('mqtt-password', 'WATTPROOF_MQTT_PASSWORD');
    mqtt = {
      mode: 'external',
      url,
      clientId: pick('mqtt-client-id', 'WATTPROOF_MQTT_CLIENT_ID') ?? defaultClientId(origin),
      protocolVersion: parseIntSetting('--mqtt-protocol', protocol, 4, 5) as 4 | 5,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
    };
  } else {
    const port = pick('mqtt-port', 'WATTPROOF_MQTT_PORT');
    mqtt = {
      mode: 'embedded',
      host: pick('mqtt-host', 'WATTPROOF_MQTT_HOST') ?? '127.0.0.1',
      port: port === undefined ? 1883 : parsePort('--mqtt-port', port),
      ...embeddedBrokerAccess(pick, values['mqtt-allow-anonymous'] === true),
    };
  }
  const maxReading = pick('max-reading-bytes', 'WATTPROOF_MAX_READING_BYTES');
  const qRecords = pick('quarantine-records', 'WATTPROOF_QUARANTINE_RECORDS');
  const qBytes = pick('quarantine-bytes', 'WATTPROOF_QUARANTINE_BYTES');
  const skew = pick('clock-skew', 'WATTPROOF_CLOCK_SKEW');
  const workers = pick('verify-workers', 'WATTPROOF_VERIFY_WORKERS');
  const tsaUrl = pick('tsa-url', 'WATTPROOF_TSA_URL');
  if (tsaUrl !== undefined && !/^https?:\/\/\S+$/.test(tsaUrl)) {
    throw new ConfigError('INVALID_CONFIG', `--tsa-url must be an http(s) URL, got "${tsaUrl}"`);
  }
  const anchorInterval = pick('anchor-interval', 'WATTPROOF_ANCHOR_INTERVAL');
  const rateLimit = pick('rate-limit', 'WATTPROOF_RATE_LIMIT');
  const epoch = pick('index-epoch', 'WATTPROOF_INDEX_EPOCH');
  const epochEntries = pick('index-epoch-entries', 'WATTPROOF_INDEX_EPOCH_ENTRIES');
  return {
    dataDir: pick('data-dir', 'WATTPROOF_DATA_DIR') ?? DEFAULT_CONFIG.dataDir,
    origin,
    httpHost: pick('host', 'WATTPROOF_HOST') ?? DEFAULT_CONFIG.httpHost,
    httpPort: httpPort === undefined ? DEFAULT_CONFIG.httpPort : parsePort('--http-port', httpPort),
    mqtt,
    topicRoot,
    maxReadingBytes:
      maxReading === undefined
        ? DEFAULT_CONFIG.maxReadingBytes
        : parseIntSetting('--max-reading-bytes', maxReading, 64, 1 << 20),
    clockSkewSeconds:
      skew === undefined
        ? DEFAULT_CONFIG.clockSkewSeconds
        : parseIntSetting('--clock-skew', skew, 0, 86_400),
    quarantineRecords:
      qRecords === undefined
        ? DEFAULT_CONFIG.quarantineRecords
        : parseIntSetting('--quarantine-records', qRecords, 10, 100_000_000),
    quarantineBytes:
      qBytes === undefined
        ? DEFAULT_CONFIG.quarantineBytes
        : parseIntSetting('--quarantine-bytes', qBytes, 1 << 20, 2 ** 40),
    receipts: !values['no-receipts'],
    index: {
      enabled: values['no-index'] !== true,
      epochSeconds:
        epoch === undefined
          ? DEFAULT_CONFIG.index.epochSeconds
          : parseIntSetting('--index-epoch', epoch, 1, 86_400),
      epochEntries:
        epochEntries === undefined
          ? DEFAULT_CONFIG.index.epochEntries
          : parseIntSetting('--index-epoch-entries', epochEntries, 1, 100_000_000),
    },
    verifyWorkers: workers === undefined ? 0 : parseIntSetting('--verify-workers', workers, 0, 64),
    witnesses: (values.witness ?? []).map(parseWitness),
    ...(tsaUrl !== undefined ? { tsaUrl } : {}),
    ...evmConfig(pick),
    anchorIntervalSeconds:
      anchorInterval === undefined
        ? (DEFAULT_CONFIG.anchorIntervalSeconds ?? 60)
        : parseIntSetting('--anchor-interval', anchorInterval, 0, 31_536_000),
    rateLimitPerMinute:
      rateLimit === undefined
        ? (DEFAULT_CONFIG.rateLimitPerMinute ?? 600)
        : parseIntSetting('--rate-limit', rateLimit, 1, 1_000_000),
    ...httpApiConfig(pick),
  };
}

/** Runs `wattproof start`: starts the node, prints where everything is, stops cleanly on SIGINT/SIGTERM. */
export async function runStart(args: string[]): Promise<void> {
  const config = startConfig(args);
  if (config === undefined) {
    process.stdout.write(START_USAGE);
    return;
  }
  // Each part its own prefix (`[mqtt]`, `[api]`, `[anchors]`), the stop lines `[node]`; the
  // start banner below stays a plain block.
  const node = await startNode(config, { loggers: consoleLogger });
  const logger = consoleLogger('node');
  process.stdout.write(
    [
      `wattproof node started`,
      `  origin      ${config.origin}`,
      `  log key     ${node.vkey}${node.keyCreated ? '   (new key, created now)' : ''}`,
      `  data        ${config.dataDir}`,
      `  tree size   ${node.log.size}`,
      `  ${config.mqtt.mode === 'nats' ? 'NATS' : 'MQTT'}        ${node.mqtt}`,
      `  API         ${node.url}   (checkpoint: ${node.url}/log/checkpoint, metrics: ${node.url}/metrics)`,
      node.indexer
        ? `  index       ${node.indexer.map.size} keys, ${
            node.indexer.latest === undefined
              ? 'no epoch yet'
              : `epoch ${node.indexer.latest.epoch} at log size ${node.indexer.latest.logSize}`
          } (an epoch every ${config.index.epochSeconds} s at most)`
        : '  index       off (--no-index)',
      node.anchors
        ? `  anchors     ${node.anchors
            .health()
            .map((h) => h.name)
            .join(', ')} (every ${config.anchorIntervalSeconds ?? 60} s at most)`
        : '',
      node.operatorTokenFile
        ? `  operator    token written to ${node.operatorTokenFile} (keep it secret; wattproof devices uses it)`
        : '',
      `press Ctrl-C to stop`,
      '',
    ]
      .filter((l) => l !== '')
      .join('\n') + '\n',
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\n');
    logger.info(`${signal}: committing and acknowledging what was received, then stopping…`);
    node.close().then(
      () => {
        logger.info(`stopped at tree size ${node.log.size}`);
        process.exit(0);
      },
      (e: unknown) => {
        logger.error(`error while stopping: ${(e as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
