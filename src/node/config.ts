/**
 * Configuration of a wattproof node: command-line flags over environment variables over
 * embedded defaults, so that `npm start` needs nothing set.
 */
import { WattproofError } from '../core/errors.ts';

/**
 * Where readings come from: the node's own in-process broker, an external one, or a NATS
 * JetStream stream fed by a NATS server's MQTT listener (docs/nats-source.md).
 */
export type MqttConfig =
  | {
      readonly mode: 'embedded';
      readonly host: string;
      readonly port: number;
      /**
       * Let clients in without a login, for anything (development and demos only). Absent or
       * false: the broker is closed, each signer logs in with its broker credential
       * (docs/mqtt.md §Access control).
       */
      readonly allowAnonymous?: boolean;
      /** PEM files of the broker's TLS certificate and key: MQTTS instead of plain MQTT. */
      readonly tls?: { readonly certFile: string; readonly keyFile: string };
    }
  | {
      readonly mode: 'external';
      readonly url: string;
      /** Stable client id: the broker keeps the node's session (and queued readings) under it. */
      readonly clientId: string;
      readonly protocolVersion: 4 | 5;
      readonly username?: string;
      readonly password?: string;
    }
  | {
      /**
       * Meters publish over MQTT 3.1.1 to a NATS server's MQTT listener; the node pulls the
       * readings from a work-queue stream through a durable consumer that every ingest process
       * of the ledger shares, acking each after its commit (`src/nats/`).
       */
      readonly mode: 'nats';
      /** `nats://host[:port]` or `tls://host[:port]`, one or several servers of a cluster. */
      readonly servers: readonly string[];
      /** The stream that captures the readings (created if missing). */
      readonly stream: string;
      /** The durable pull consumer's name (created if missing). */
      readonly consumer: string;
    };

/** Anchoring on an EVM chain (anchors/evm/): the endpoint, chain, key file and contract. */
export interface EvmAnchorConfig {
  /** JSON-RPC endpoint, http(s). */
  readonly rpcUrl: string;
  /** EIP-155 chain id the endpoint must serve. */
  readonly chainId: number;
  /** File holding the funded account's secp256k1 private key (mode 0600). */
  readonly keyFile: string;
  /** Anchor contract address: contract mode when set, data mode when absent. */
  readonly contract?: string;
}

/** A node's settings. */
export interface NodeConfig {
  /** Folder for the database, keys and the bootstrap token (created if missing). */
  readonly dataDir: string;
  /** The log's origin line and key name (C2SP tlog-checkpoint). */
  readonly origin: string;
  /** HTTP listen address. */
  readonly httpHost: string;
  /** HTTP listen port (0 picks a free one). */
  readonly httpPort: number;
  readonly mqtt: MqttConfig;
  /** First levels of the MQTT topics (`<root>/meters/<id>/readings`, …). */
  readonly topicRoot: string;
  /** Largest reading in bytes (and largest message on a meter topic). */
  readonly maxReadingBytes: number;
  /** How far a reading's interval end may lie in the future, seconds. */
  readonly clockSkewSeconds: number;
  /** Quarantine records kept (docs/formats.md "Quarantine"). */
  readonly quarantineRecords: number;
  /** Quarantine byte budget. */
  readonly quarantineBytes: number;
  /** Publish receipts to meters. */
  readonly receipts: boolean;
  /**
   * The verifiable index (docs/index.md): kept unless `enabled` is false; an epoch at most
   * every `epochSeconds` while entries come in, and at once after `epochEntries` of them.
   */
  readonly index: {
    readonly enabled: boolean;
    readonly epochSeconds: number;
    readonly epochEntries: number;
  };
  /** Signature-check worker threads (0 = one per core). */
  readonly verifyWorkers: number;
  /** Witnesses to send each checkpoint to (C2SP tlog-witness): URL and cosigner vkey. */
  readonly witnesses: readonly { readonly url: string; readonly vkey: string }[];
  /** RFC 3161 Time-Stamping Authority URL to anchor checkpoints with (anchors/tsa/). */
  readonly tsaUrl?: string;
  /** EVM chain to anchor checkpoints on (anchors/evm/). */
  readonly evm?: EvmAnchorConfig;
  /** Least seconds between two anchors of one kind (default 60; 0 = every new checkpoint). */
  readonly anchorIntervalSeconds?: number;
  /** Requests a minute per API token on the token routes (default 600). */
  readonly rateLimitPerMinute?: number;
  /** HTTPS for the API: PEM certificate chain and private key files (plain HTTP without). */
  readonly httpTls?: { readonly certFile: string; readonly keyFile: string };
  /** Reverse proxies (addresses, CIDR ranges) whose `X-Forwarded-For` the API believes. */
  readonly trustProxy?: readonly string[];
  /** Where the API's access log goes: a file path, or `-` for stdout; none when absent. */
  readonly accessLog?: string;
  /** Most open API connections (default 1024). */
  readonly maxConnections?: number;
  /** Most entries and bytes of one bundle from the API (docs/bundle.md §Limits). */
  readonly bundleLimits?: { readonly maxEntries: number; readonly maxBytes: number };
  /** API timeouts and the rest of its transport settings (embedding, tests): `api/http-settings.ts`. */
  readonly httpTimeouts?: {
    readonly headersTimeoutMs?: number;
    readonly requestTimeoutMs?: number;
    readonly idleTimeoutMs?: number;
    readonly keepAliveTimeoutMs?: number;
    readonly timeoutCheckIntervalMs?: number;
  };
}

/** The embedded defaults. */
export const DEFAULT_CONFIG: NodeConfig = {
  dataDir: './data',
  origin: 'wattproof.example/local',
  httpHost: '127.0.0.1',
  httpPort: 8080,
  mqtt: { mode: 'embedded', host: '127.0.0.1', port: 1883 },
  topicRoot: 'wattproof/v1',
  maxReadingBytes: 4096,
  clockSkewSeconds: 300,
  quarantineRecords: 100_000,
  quarantineBytes: 256 * 1024 * 1024,
  receipts: true,
  index: { enabled: true, epochSeconds: 5, epochEntries: 50_000 },
  verifyWorkers: 0,
  witnesses: [],
  anchorIntervalSeconds: 60,
  rateLimitPerMinute: 600,
};

/** A setting that cannot be used. */
export class ConfigError extends WattproofError<'INVALID_CONFIG'> {}

/** Parses a TCP port (0..65535) given on the command line or in the environment. */
export function parsePort(name: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) {
    throw new ConfigError(
      'INVALID_CONFIG',
      `${name} must be a port number from 0 to 65535, got "${value}"`,
    );
  }
  return n;
}

/** Parses a whole number within [min, max]. */
export function parseIntSetting(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new ConfigError(
      'INVALID_CONFIG',
      `${name} must be a whole number from ${min} to ${max}, got "${value}"`,
    );
  }
  return n;
}

/** Checks an origin: non-empty, no whitespace or `+` (it is also the key name, C2SP signed-note). */
export function checkOrigin(origin: string): string {
  if (origin.length === 0 || /[\s+]/u.test(origin)) {
    throw new ConfigError(
      'INVALID_CONFIG',
      `origin "${origin}" must be non-empty, without spaces or "+"`,
    );
  }
  return origin;
}

/** The default MQTT client id of a node: stable per origin, so its broker session persists. */
export function defaultClientId(origin: string): string {
  return `wattproof-${origin.replace(/[^A-Za-z0-9]+/g, '-')}`.slice(0, 64);
}

/** `<root>` in NATS name characters: each run of anything but `[A-Za-z0-9]` becomes `sep`. */
function natsNamePart(root: string, sep: '_' | '-', room: number): string {
  const words = root.split(/[^A-Za-z0-9]+/).filter((w) => w !== '');
  const part = words.join(sep).slice(0, room);
  return part === '' ? 'wattproof' : part;
}

/** The default JetStream stream of a topic root: `wattproof/v1` → `WATTPROOF_V1_READINGS`. */
export function defaultNatsStream(topicRoot: string): string {
  return `${natsNamePart(topicRoot, '_', 64 - '_READINGS'.length).toUpperCase()}_READINGS`;
}

/** The default durable consumer of a topic root: `wattproof/v1` → `wattproof-v1-ingest`. */
export function defaultNatsConsumer(topicRoot: string): string {
  return `${natsNamePart(topicRoot, '-', 64 - '-ingest'.length).toLowerCase()}-ingest`;
}
