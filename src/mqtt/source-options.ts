/**
 * Settings and counters of {@link MqttSource} (`mqtt-client.ts`), and its reconnect back-off.
 */
import type { ConnectionOptions } from 'node:tls';
import type { Logger } from '../logger.ts';

/** How {@link MqttSource} connects to an external broker. */
export interface MqttSourceOptions {
  /** `mqtt://host[:port]` or `mqtts://host[:port]`; credentials in the URL are allowed. */
  readonly url: string;
  /** Client identifier (MQTT 5 §3.1.3.1). Keep it stable: the broker keeps the session under it. */
  readonly clientId: string;
  /** 5 (default) or 4 (MQTT 3.1.1). */
  readonly protocolVersion?: 4 | 5;
  readonly username?: string;
  readonly password?: string;
  /** Topic filters to subscribe to at QoS 1, e.g. `wattproof/v1/meters/+/readings`. */
  readonly subscriptions: readonly string[];
  /** Keep Alive in seconds (MQTT 5 §3.1.2.10); default 30, 0 disables PINGREQ. */
  readonly keepaliveSeconds?: number;
  /**
   * MQTT 5 Receive Maximum (§3.1.2.11.3): how many QoS 1 messages the broker may have in
   * flight to this client before it must wait for PUBACKs. Default 65535, the largest allowed.
   */
  readonly receiveMaximum?: number;
  /**
   * MQTT 5 Session Expiry Interval in seconds (§3.1.2.11.2); default 7 days. With MQTT 3.1.1 the
   * session is kept by connecting with CleanSession 0 (§3.1.2.4) and this is unused.
   */
  readonly sessionExpirySeconds?: number;
  /**
   * Local cap on handler promises outstanding: above it the socket is paused (back-pressure,
   * also for QoS 0 and for MQTT 3.1.1, which has no Receive Maximum). Default `receiveMaximum`.
   */
  readonly maxInFlight?: number;
  /** Give up the first connection after this long without CONNACK and SUBACK; default 10 s. */
  readonly connectTimeoutMs?: number;
  /** First reconnect delay; default 250 ms, doubled on each failed attempt. */
  readonly reconnectMinMs?: number;
  /** Longest reconnect delay; default 30 s. */
  readonly reconnectMaxMs?: number;
  /** How long `stop` (and a reconnect after a handler failure) waits for handler promises; default 30 s. */
  readonly stopTimeoutMs?: number;
  /** Receipts are dropped while more than this many bytes wait in the socket; default 8 MiB. */
  readonly maxPublishBufferBytes?: number;
  /** TLS settings for `mqtts:` (CA, client certificate, …). */
  readonly tls?: ConnectionOptions;
  readonly logger?: Logger;
}

/** Counters of an {@link MqttSource}, for metrics. */
export interface MqttSourceStats {
  /** True while a connection is up and subscribed. */
  readonly connected: boolean;
  /** PUBLISH packets received (QoS 0 and 1, redeliveries included). */
  readonly received: number;
  /** PUBACKs sent. */
  readonly acked: number;
  /** Handler promises not yet settled. */
  readonly inFlight: number;
  /** Handler promises that rejected (their messages were not acknowledged). */
  readonly handlerFailures: number;
  /** Successful reconnections after a lost connection. */
  readonly reconnects: number;
  /** Reconnection attempts, successful or not. */
  readonly reconnectAttempts: number;
  /** QoS 0 publishes written to the broker. */
  readonly published: number;
  /** QoS 0 publishes dropped (disconnected, socket buffer full, or larger than the broker takes). */
  readonly droppedPublishes: number;
}

/** The defaults of {@link MqttSourceOptions}. */
export const MQTT_SOURCE_DEFAULTS = {
  protocolVersion: 5,
  keepaliveSeconds: 30,
  receiveMaximum: 65535,
  sessionExpirySeconds: 7 * 24 * 3600,
  connectTimeoutMs: 10_000,
  reconnectMinMs: 250,
  reconnectMaxMs: 30_000,
  stopTimeoutMs: 30_000,
  maxPublishBufferBytes: 8 * 1024 * 1024,
} as const;

/**
 * Delay before reconnect attempt `attempt` (1-based): `min · 2^(attempt−1)`, capped at `max`,
 * with ±20 % jitter so that many nodes do not reconnect in lockstep.
 */
export function reconnectDelay(attempt: number, minMs: number, maxMs: number): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return Math.round(base * (0.8 + 0.4 * Math.random()));
}
