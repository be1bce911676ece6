/**
 * Transport settings of the HTTP API (docs/api.md §Transport): TLS, the header, request and
 * idle timeouts, the connection cap, the body limit, and the proxies whose
 * `X-Forwarded-For` is believed. `app.ts` turns them into fastify's server options;
 * `server.ts` applies the connection cap.
 */
import { isIP } from 'node:net';
import type { FastifyServerOptions } from 'fastify';

/** A certificate chain and its private key, PEM (RFC 7468), for HTTPS (RFC 9110 §4.2.2). */
export interface TlsFiles {
  readonly cert: string | Uint8Array;
  readonly key: string | Uint8Array;
}

/** How the API server treats connections. */
export interface HttpSettings {
  /** Serve HTTPS with this certificate and key; plain HTTP without. */
  readonly tls?: TlsFiles;
  /** Most time to receive a request's headers, ms. */
  readonly headersTimeoutMs: number;
  /** Most time to receive a whole request, headers and body, ms (a dribbled body is cut off). */
  readonly requestTimeoutMs: number;
  /** A connection with no bytes in or out for this long is closed, ms (a stalled reader too). */
  readonly idleTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests, ms. */
  readonly keepAliveTimeoutMs: number;
  /** How often the header and request timeouts are checked, ms. */
  readonly timeoutCheckIntervalMs: number;
  /** Most open connections; more are closed as they arrive. */
  readonly maxConnections: number;
  /** Largest request body, bytes. */
  readonly bodyLimit: number;
  /**
   * Addresses or CIDR ranges of the reverse proxies in front of the node: only from them is
   * `X-Forwarded-For` believed, so the client address (rate limits, access log) is the real
   * client's. Empty: the peer address is the client address.
   */
  readonly trustProxy: readonly string[];
}

/** The defaults (docs/api.md §Transport). */
export const DEFAULT_HTTP_SETTINGS: HttpSettings = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  timeoutCheckIntervalMs: 1_000,
  maxConnections: 1_024,
  bodyLimit: 1024 * 1024,
  trustProxy: Object.freeze([]) as readonly string[],
});

/** Checks the settings: positive whole numbers, headers timeout within the request timeout. */
export function checkHttpSettings(s: HttpSettings): HttpSettings {
  const numbers = {
    headersTimeoutMs: s.headersTimeoutMs,
    requestTimeoutMs: s.requestTimeoutMs,
    idleTimeoutMs: s.idleTimeoutMs,
    keepAliveTimeoutMs: s.keepAliveTimeoutMs,
    timeoutCheckIntervalMs: s.timeoutCheckIntervalMs,
    maxConnections: s.maxConnections,
    bodyLimit: s.bodyLimit,
  };
  for (const [name, v] of Object.entries(numbers)) {
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new RangeError(`http settings: ${name} must be a positive whole number, got ${v}`);
    }
  }
  if (s.headersTimeoutMs > s.requestTimeoutMs) {
    throw new RangeError('http settings: headersTimeoutMs must not exceed requestTimeoutMs');
  }
  return s;
}

/**
 * fastify's server options for `settings`: `https` (with Node's header timeout and check
 * interval) or `http` with the same, `requestTimeout`, `connectionTimeout` (the idle timeout),
 * `keepAliveTimeout`, `bodyLimit` and `trustProxy` (proxy-addr: addresses and CIDR ranges).
 */
export function fastifyServerOptions(settings: HttpSettings): Partial<FastifyServerOptions> {
  const s = checkHttpSettings(settings);
  const node = {
    headersTimeout: s.headersTimeoutMs,
    requestTimeout: s.requestTimeoutMs,
    connectionsCheckingInterval: s.timeoutCheckIntervalMs,
  };
  return {
    ...(s.tls === undefined
      ? { http: node }
      : { https: { ...node, cert: asPem(s.tls.cert), key: asPem(s.tls.key) } }),
    requestTimeout: s.requestTimeoutMs,
    connectionTimeout: s.idleTimeoutMs,
    keepAliveTimeout: s.keepAliveTimeoutMs,
    bodyLimit: s.bodyLimit,
    ...(s.trustProxy.length === 0 ? {} : { trustProxy: [...s.trustProxy] }),
  } as Partial<FastifyServerOptions>;
}

function asPem(v: string | Uint8Array): string | Buffer {
  return typeof v === 'string' ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** True for `localhost`, `127.0.0.0/8` and `::1`: addresses other machines cannot reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * The warning to print for an API that listens on `host` in the clear where other machines
 * can reach it (tokens and readings would cross the network unencrypted), or undefined.
 */
export function plaintextWarning(host: string, tls: boolean): string | undefined {
  if (tls || isLoopbackHost(host)) return undefined;
  return (
    `the HTTP API listens on ${host} without TLS: bearer tokens and readings cross the network ` +
    'in the clear; give --tls-cert and --tls-key, or put a TLS proxy in front and bind to 127.0.0.1'
  );
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * Parses a `--trust-proxy` list: comma-separated IPv4/IPv6 addresses, CIDR ranges
 * (`10.0.0.0/8`, `fd00::/8`) or the proxy-addr names `loopback`, `linklocal`, `uniquelocal`.
 * Throws `RangeError` naming the first entry that is none of these.
 */
export function parseTrustProxy(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const [addr = '', bits, ...more] = item.split('/');
    const family = isIP(addr);
    const max = family === 4 ? 32 : 128;
    const ok =
      PROXY_NAMES.has(item) ||
      (family !== 0 &&
        more.length === 0 &&
        (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max)));
    if (!ok) {
      throw new RangeError(
        `--trust-proxy: "${item}" is not an IP address, a CIDR range or one of loopback, linklocal, uniquelocal`,
      );
    }
    out.push(item);
  }
  if (out.length === 0) throw new RangeError('--trust-proxy: give at least one address');
  return out;
}
