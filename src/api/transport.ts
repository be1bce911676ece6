/**
 * Turns a node's API transport settings (`--tls-cert`, `--tls-key`, `--trust-proxy`,
 * `--access-log`, `--max-connections` and the timeouts) into what `buildApp` takes: the TLS
 * files read, the access log opened. Refuses what cannot work with {@link ApiError}
 * `INVALID_TLS` (a file that cannot be read) before anything listens.
 */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import type { AccessLogSink } from './access-log.ts';
import { ApiError } from './errors.ts';
import type { HttpSettings } from './http-settings.ts';

/** The settings as a node's configuration has them. */
export interface ApiTransportConfig {
  readonly httpTls?: { readonly certFile: string; readonly keyFile: string };
  readonly trustProxy?: readonly string[];
  /** A file to append to, or `-` for stdout. */
  readonly accessLog?: string;
  readonly maxConnections?: number;
  readonly httpTimeouts?: Partial<
    Pick<
      HttpSettings,
      | 'headersTimeoutMs'
      | 'requestTimeoutMs'
      | 'idleTimeoutMs'
      | 'keepAliveTimeoutMs'
      | 'timeoutCheckIntervalMs'
    >
  >;
}

/** What `buildApp` takes, and how to close the access log. */
export interface ApiTransport {
  readonly http: Partial<HttpSettings>;
  readonly accessLog: AccessLogSink | undefined;
  /** Flushes and closes the access log file, if any. */
  close(): Promise<void>;
}

async function readPem(file: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (e) {
    throw new ApiError(
      'INVALID_TLS',
      `cannot read the API's TLS ${what} ${file}: ${String((e as Error).message)}`,
      {
        cause: e,
        evidence: { file },
      },
    );
  }
}

/** Reads the TLS files and opens the access log of `config`. */
export async function openApiTransport(config: ApiTransportConfig): Promise<ApiTransport> {
  const tls =
    config.httpTls === undefined
      ? undefined
      : {
          cert: await readPem(config.httpTls.certFile, 'certificate'),
          key: await readPem(config.httpTls.keyFile, 'key'),
        };
  if (tls !== undefined) {
    try {
      createSecureContext({ cert: Buffer.from(tls.cert), key: Buffer.from(tls.key) });
    } catch (e) {
      throw new ApiError(
        'INVALID_TLS',
        `the API's TLS certificate ${config.httpTls!.certFile} and key ${config.httpTls!.keyFile} do not make a usable pair (PEM, the key of that certificate): ${String((e as Error).message)}`,
        { cause: e },
      );
    }
  }
  const http: Partial<HttpSettings> = {
    ...config.httpTimeouts,
    ...(tls === undefined ? {} : { tls }),
    ...(config.trustProxy === undefined ? {} : { trustProxy: config.trustProxy }),
    ...(config.maxConnections === undefined ? {} : { maxConnections: config.maxConnections }),
  };
  if (config.accessLog === undefined) {
    return { http, accessLog: undefined, close: async () => undefined };
  }
  if (config.accessLog === '-') {
    return {
      http,
      accessLog: (line) => process.stdout.write(`${line}\n`),
      close: async () => undefined,
    };
  }
  const file = createWriteStream(config.accessLog, { flags: 'a', mode: 0o600 });
  await new Promise<void>((resolve, reject) => {
    file.once('open', () => resolve());
    file.once('error', (e) =>
      reject(
        new ApiError(
          'INVALID_ACCESS_LOG',
          `cannot open the access log ${config.accessLog}: ${e.message}`,
          {
            cause: e,
          },
        ),
      ),
    );
  });
  return {
    http,
    accessLog: (line) => void file.write(`${line}\n`),
    close: () => new Promise<void>((resolve) => file.end(() => resolve())),
  };
}
