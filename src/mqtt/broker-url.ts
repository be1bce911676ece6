/**
 * Broker URLs: `mqtt://host[:port]` (TCP, default port 1883) and `mqtts://host[:port]` (TLS,
 * default port 8883), the IANA-registered MQTT ports (MQTT 5 §4.2, 3.1.1 §4.2).
 */
import { MqttError } from './errors.ts';

/** A parsed broker URL. */
export interface BrokerUrl {
  /** True for `mqtts:` (TLS). */
  readonly secure: boolean;
  /** Host name or IP address (IPv6 without brackets). */
  readonly host: string;
  readonly port: number;
  /** User name from the URL, if any (percent-decoded). */
  readonly username: string | undefined;
  /** Password from the URL, if any (percent-decoded). */
  readonly password: string | undefined;
  /** The URL without credentials, for logs and error messages. */
  readonly display: string;
}

const DEFAULT_PORTS = { 'mqtt:': 1883, 'mqtts:': 8883 } as const;

/**
 * Parses a broker URL. Accepts `mqtt:` and `mqtts:` (and their aliases `tcp:` and `tls:`),
 * optional `user:password@`, and an optional port; a path other than `/`, a query or a
 * fragment is refused. Throws {@link MqttError} `INVALID_URL`.
 */
export function parseBrokerUrl(text: string): BrokerUrl {
  if (typeof text !== 'string') throw new TypeError('broker URL must be a string');
  const invalid = (why: string, cause?: unknown): MqttError =>
    new MqttError(
      'INVALID_URL',
      `invalid broker URL "${redact(text)}": ${why} (expected mqtt://host:port or mqtts://host:port)`,
      { cause, evidence: { url: redact(text) } },
    );
  let url: URL;
  try {
    url = new URL(text);
  } catch (e) {
    throw invalid('not a URL', e);
  }
  const scheme =
    url.protocol === 'tcp:' ? 'mqtt:' : url.protocol === 'tls:' ? 'mqtts:' : url.protocol;
  if (scheme !== 'mqtt:' && scheme !== 'mqtts:') {
    throw invalid(`unsupported scheme "${url.protocol}"`);
  }
  if (url.hostname === '') throw invalid('no host');
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    throw invalid('a broker URL has no path, query or fragment');
  }
  const port = url.port === '' ? DEFAULT_PORTS[scheme] : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid('bad port');
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const decode = (s: string): string | undefined => (s === '' ? undefined : decodeURIComponent(s));
  return {
    secure: scheme === 'mqtts:',
    host,
    port,
    username: decode(url.username),
    password: decode(url.password),
    display: `${scheme}//${url.hostname}:${port}`,
  };
}

function redact(text: string): string {
  return text.replace(/\/\/[^@/]*@/, '//***@');
}
