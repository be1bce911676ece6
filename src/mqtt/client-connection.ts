/**
 * The connection phase of {@link MqttSource}: one TCP/TLS connection and its protocol state,
 * the CONNECT of a persistent session (MQTT 5 Session Expiry §3.1.2.11.2, 3.1.1 CleanSession 0
 * §3.1.2.4), the QoS 1 SUBSCRIBE, Keep Alive pings (MQTT 5 §3.1.2.10), DISCONNECT, and the
 * writes of one tick coalesced into one.
 */
import type { Socket } from 'node:net';
import { generate, type Packet } from 'mqtt-packet';
import type { ArrivalOrder } from './arrival-order.ts';
import type { BrokerUrl } from './broker-url.ts';
import { MQTT_SOURCE_DEFAULTS, type MqttSourceOptions } from './source-options.ts';

/** One TCP/TLS connection and its protocol state. */
export interface Connection {
  readonly socket: Socket;
  /** PUBACKs waiting for their turn (packet id → reason code). */
  readonly acks: ArrivalOrder<number, number>;
  /** CONNACK and SUBACK received. */
  ready: boolean;
  closed: boolean;
  sessionPresent: boolean;
  /** Paused because too many handler promises are outstanding. */
  loadPaused: boolean;
  /** Reading stopped for good (stopping, or draining before a reconnect). */
  halted: boolean;
  /** DISCONNECT sent: whatever still arrives is ignored (and read only to see the close). */
  closing: boolean;
  pingOutstanding: boolean;
  /** Packets written in this tick, sent as one buffer at its end (see `writePacket`). */
  pending: Buffer[] | undefined;
  keepaliveTimer: NodeJS.Timeout | undefined;
  keepaliveSeconds: number;
  /** The broker's Maximum Packet Size (MQTT 5 §3.2.2.3.6), or Infinity. */
  maxPacketSize: number;
}

export type State = 'new' | 'running' | 'stopping' | 'stopped';

/** The CONNECT packet: a persistent session (never clean) under the configured client id. */
export function connectPacket(o: MqttSourceOptions, url: BrokerUrl, v: 4 | 5): Packet {
  const username = o.username ?? url.username;
  const password = o.password ?? url.password;
  return {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: v,
    clientId: o.clientId,
    clean: false,
    keepalive: o.keepaliveSeconds ?? MQTT_SOURCE_DEFAULTS.keepaliveSeconds,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password: Buffer.from(password, 'utf8') }),
    ...(v === 5
      ? {
          properties: {
            sessionExpiryInterval:
              o.sessionExpirySeconds ?? MQTT_SOURCE_DEFAULTS.sessionExpirySeconds,
            receiveMaximum: o.receiveMaximum ?? MQTT_SOURCE_DEFAULTS.receiveMaximum,
          },
        }
      : {}),
  };
}

/** The SUBSCRIBE of every subscription at QoS 1 (ack after commit needs QoS 1). */
export function subscribePacket(subscriptions: readonly string[], v: 4 | 5): Buffer {
  return generate(
    {
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: subscriptions.map((topic) => ({ topic, qos: 1 })),
    },
    { protocolVersion: v },
  );
}

/** Queues `bytes` to be written at the end of this tick. */
export function writePacket(conn: Connection, bytes: Buffer): void {
  if (conn.closed || conn.closing) return;
  if (conn.pending === undefined) {
    // Coalesce the packets of one tick (the PUBACKs of a batch commit, a run of receipts)
    // into one buffer and one socket write: far cheaper than a write per small packet.
    conn.pending = [bytes];
    process.nextTick(() => flushPackets(conn));
  } else {
    conn.pending.push(bytes);
  }
}

/** Sends what `writePacket` gathered, in order. */
export function flushPackets(conn: Connection): void {
  const pending = conn.pending;
  conn.pending = undefined;
  if (pending === undefined || conn.closed || conn.socket.destroyed) return;
  conn.socket.write(pending.length === 1 ? pending[0]! : Buffer.concat(pending));
}

/** Pings every Keep Alive interval; `drop` is called when a PINGRESP is missing. */
export function startKeepalive(conn: Connection, v: 4 | 5, drop: (why: string) => void): void {
  if (conn.keepaliveSeconds <= 0) return;
  conn.keepaliveTimer = setInterval(() => {
    if (conn.closed) return;
    // While paused nothing is read, so a missing PINGRESP proves nothing; still ping, so
    // that the broker sees traffic within 1.5 × Keep Alive (MQTT 5 §3.1.2.10).
    if (conn.pingOutstanding && !conn.loadPaused && !conn.halted) {
      drop(`no PINGRESP within ${conn.keepaliveSeconds} s`);
      return;
    }
    conn.pingOutstanding = true;
    writePacket(conn, generate({ cmd: 'pingreq' }, { protocolVersion: v }));
  }, conn.keepaliveSeconds * 1000);
  conn.keepaliveTimer.unref();
}

/** The DISCONNECT packet (MQTT 5: normal disconnection). */
export function disconnectPacket(v: 4 | 5): Buffer {
  return generate(v === 5 ? { cmd: 'disconnect', reasonCode: 0 } : { cmd: 'disconnect' }, {
    protocolVersion: v,
  });
}
