/**
 * The options phase of {@link MqttSource}: checks its settings (source-options.ts) before any
 * connection is made — the broker URL, the protocol version (MQTT 3.1.1 or 5), the client id
 * that names the persistent session, the subscriptions and Receive Maximum (MQTT 5
 * §3.1.2.11.3).
 */
import { parseBrokerUrl, type BrokerUrl } from './broker-url.ts';
import { MQTT_SOURCE_DEFAULTS, type MqttSourceOptions } from './source-options.ts';
import { assertTopicFilter } from './topic-filter.ts';

/** The settings {@link MqttSource} derives from its options. */
export interface CheckedSourceOptions {
  readonly url: BrokerUrl;
  readonly protocolVersion: 4 | 5;
  readonly maxInFlight: number;
}

/** Checks the options; throws {@link MqttError} `INVALID_URL`, or RangeError for bad settings. */
export function checkSourceOptions(options: MqttSourceOptions): CheckedSourceOptions {
  const url = parseBrokerUrl(options.url);
  const v = options.protocolVersion ?? MQTT_SOURCE_DEFAULTS.protocolVersion;
  if (v !== 4 && v !== 5) throw new RangeError('protocolVersion must be 4 or 5');
  if (typeof options.clientId !== 'string' || options.clientId.length === 0) {
    throw new RangeError('clientId must be a non-empty string (it names the persistent session)');
  }
  if (options.subscriptions.length === 0) throw new RangeError('no subscriptions');
  options.subscriptions.forEach(assertTopicFilter);
  const rm = options.receiveMaximum ?? MQTT_SOURCE_DEFAULTS.receiveMaximum;
  if (!Number.isInteger(rm) || rm < 1 || rm > 65535) {
    throw new RangeError('receiveMaximum must be 1..65535 (MQTT 5 §3.1.2.11.3)');
  }
  return { url, protocolVersion: v, maxInFlight: options.maxInFlight ?? rm };
}
