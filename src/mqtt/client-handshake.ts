/**
 * The handshake of the node's MQTT client (MQTT 5 §3.1–§3.2, §3.8–§3.9; 3.1.1 the same
 * sections): opens the TCP or TLS connection, sends CONNECT, checks the CONNACK, subscribes at
 * QoS 1 and checks the SUBACK, all within `connectTimeoutMs`. What the connection receives
 * afterwards, and when it closes, goes to the client's hooks.
 */
import { connect as netConnect, isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { generate, type Packet } from 'mqtt-packet';
import { ArrivalOrder } from './arrival-order.ts';
import type { BrokerUrl } from './broker-url.ts';
import {
  connectPacket,
  startKeepalive,
  subscribePacket,
  writePacket,
  type Connection,
} from './client-connection.ts';
import { InboundReader } from './client-inbound.ts';
import { MqttError } from './errors.ts';
import { describeError } from '../logger.ts';
import type { PublishPacket } from './publish-decoder.ts';
import { connackReason, subackReason } from './reason-codes.ts';
import { MQTT_SOURCE_DEFAULTS, type MqttSourceOptions } from './source-options.ts';

/** What an open connection hands back to its client. */
export interface ConnectionHooks {
  /** The PUBACK of packet `id` may go out, with reason `code` (in arrival order). */
  release(conn: Connection, id: number, code: number): void;
  /** The handler of packet `id` failed: no PUBACK can follow on this connection. */
  broken(conn: Connection, id: number): void;
  /** A PUBLISH arrived (from the SUBACK on, or a resumed session's before it). */
  publish(conn: Connection, p: PublishPacket): void;
  /** Any other packet after the handshake. */
  packet(packet: Packet): void;
  /** The connection closed after the handshake, with the socket's last error if any. */
  closed(conn: Connection, error: unknown): void;
  /** The connection must be dropped (a protocol error, a missed keepalive). */
  drop(conn: Connection, why: string): void;
}

/**
 * Connects to `u` and subscribes; resolves with the connection once the SUBACK grants QoS 1.
 * Fails with {@link MqttError} `BROKER_UNREACHABLE` (naming the URL and the cause),
 * `CONNECT_REFUSED` (with the CONNACK reason), `SUBSCRIBE_REFUSED` or `PROTOCOL_ERROR`.
 */
export function openConnection(
  u: BrokerUrl,
  o: MqttSourceOptions,
  v: 4 | 5,
  hooks: ConnectionHooks,
): Promise<Connection> {
  const timeoutMs = o.connectTimeoutMs ?? MQTT_SOURCE_DEFAULTS.connectTimeoutMs;
  return new Promise<Connection>((resolve, reject) => {
    const socket = u.secure
      ? tlsConnect({
          host: u.host,
          port: u.port,
          ...(isIP(u.host) === 0 ? { servername: u.host } : {}),
          ...o.tls,
        })
      : netConnect({ host: u.host, port: u.port });
    socket.setNoDelay(true);
    const conn: Connection = {
      socket,
      acks: new ArrivalOrder<number, number>({
        release: (id, code) => hooks.release(conn, id, code),
        broken: (id) => hooks.broken(conn, id),
        drop: () => {},
      }),
      ready: false,
      closed: false,
      sessionPresent: false,
      loadPaused: false,
      halted: false,
      closing: false,
      pingOutstanding: false,
      pending: undefined,
      keepaliveTimer: undefined,
      keepaliveSeconds: o.keepaliveSeconds ?? MQTT_SOURCE_DEFAULTS.keepaliveSeconds,
      maxPacketSize: Infinity,
    };
    let settled = false;
    let tcpUp = false;
    let lastError: unknown;
    const fail = (err: MqttError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(() => {
      const waitingFor = tcpUp ? 'CONNACK/SUBACK' : 'a TCP connection';
      fail(
        new MqttError(
          'BROKER_UNREACHABLE',
          `broker ${u.display} unreachable: no ${waitingFor} within ${timeoutMs} ms`,
          { evidence: { url: u.display } },
        ),
      );
    }, timeoutMs);

    socket.once(u.secure ? 'secureConnect' : 'connect', () => {
      tcpUp = true;
      writePacket(conn, generate(connectPacket(o, u, v), { protocolVersion: v }));
    });
    socket.on('error', (e) => (lastError = e));
    socket.on('close', () => {
      conn.closed = true;
      clearInterval(conn.keepaliveTimer);
      if (!settled) {
        fail(
          new MqttError(
            'BROKER_UNREACHABLE',
            `broker ${u.display} unreachable: ${lastError === undefined ? 'connection closed before CONNACK' : describeError(lastError)}`,
            { cause: lastError, evidence: { url: u.display } },
          ),
        );
        return;
      }
      hooks.closed(conn, lastError);
    });
    let subscribed = false;
    const unexpected = (cmd: string): void =>
      fail(
        new MqttError('PROTOCOL_ERROR', `unexpected ${cmd} from ${u.display}`, {
          evidence: { url: u.display, cmd },
        }),
      );
    const onPublish = (p: PublishPacket): void => {
      if (conn.closing) return;
      conn.pingOutstanding = false;
      // A resumed session may deliver before the SUBACK.
      if (settled || subscribed) hooks.publish(conn, p);
      else unexpected('publish');
    };
    const onPacket = (packet: Packet): void => {
      if (conn.closing) return;
      conn.pingOutstanding = false;
      if (settled) {
        hooks.packet(packet);
        return;
      }
      if (packet.cmd === 'connack') {
        const code = (v === 5 ? packet.reasonCode : packet.returnCode) ?? 0;
        if (code !== 0) {
          fail(
            new MqttError(
              'CONNECT_REFUSED',
              `broker ${u.display} refused the connection: ${connackReason(v, code)}`,
              { evidence: { url: u.display, code } },
            ),
          );
          return;
        }
        conn.sessionPresent = packet.sessionPresent;
        const props = packet.properties;
        if (props?.serverKeepAlive !== undefined) conn.keepaliveSeconds = props.serverKeepAlive;
        if (props?.maximumPacketSize !== undefined) conn.maxPacketSize = props.maximumPacketSize;
        subscribed = true;
        writePacket(conn, subscribePacket(o.subscriptions, v));
        return;
      }
      if (packet.cmd === 'suback' && subscribed) {
        const codes = (packet.granted as number[]).map(Number);
        const bad = codes.findIndex((c) => c !== 1 && c !== 2);
        if (bad >= 0) {
          fail(
            new MqttError(
              'SUBSCRIBE_REFUSED',
              `broker ${u.display} did not grant QoS 1 on "${o.subscriptions[bad]}": ` +
                `${subackReason(codes[bad]!)} (ack after commit needs QoS 1)`,
              { evidence: { url: u.display, topic: o.subscriptions[bad], code: codes[bad] } },
            ),
          );
          return;
        }
        settled = true;
        clearTimeout(timer);
        conn.ready = true;
        startKeepalive(conn, v, (why) => hooks.drop(conn, why));
        resolve(conn);
        return;
      }
      unexpected(packet.cmd);
    };
    const reader = new InboundReader(v, {
      publish: onPublish,
      packet: onPacket,
      malformed: (cause) => {
        const err = new MqttError('PROTOCOL_ERROR', `malformed packet from ${u.display}`, {
          cause,
        });
        if (!settled) fail(err);
        else hooks.drop(conn, err.message);
      },
    });
    socket.on('data', (chunk: Buffer) => reader.read(chunk));
  });
}
