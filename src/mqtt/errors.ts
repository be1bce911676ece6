/**
 * Typed errors of the MQTT transports (an external broker's client, the embedded broker).
 */
import { WattproofError } from '../core/errors.ts';

/**
 * Why a transport could not start or keep going.
 *
 * - `INVALID_URL`: the broker URL is not `mqtt://host[:port]` or `mqtts://host[:port]`.
 * - `BROKER_UNREACHABLE`: the first TCP/TLS connection failed or timed out (evidence: url, cause).
 * - `CONNECT_REFUSED`: the broker answered CONNECT with a failing CONNACK (MQTT 5 §3.2.2.2,
 *   3.1.1 §3.2.2.3); evidence: the reason/return code.
 * - `SUBSCRIBE_REFUSED`: a SUBACK refused a topic filter (MQTT 5 §3.9.3, 3.1.1 §3.9.3).
 * - `PROTOCOL_ERROR`: the broker sent something MQTT does not allow at that point.
 * - `PORT_IN_USE`: the embedded broker's port is taken by another process.
 * - `LISTEN_FAILED`: the embedded broker could not listen for another reason (permissions, bad host).
 * - `INVALID_TLS`: the embedded broker's TLS certificate or key cannot be used (not PEM, no
 *   match between them).
 */
export type MqttErrorCode =
  | 'INVALID_URL'
  | 'BROKER_UNREACHABLE'
  | 'CONNECT_REFUSED'
  | 'SUBSCRIBE_REFUSED'
  | 'PROTOCOL_ERROR'
  | 'PORT_IN_USE'
  | 'LISTEN_FAILED'
  | 'INVALID_TLS';

/** Error thrown by `src/mqtt`: start-up failures that an operator must fix. */
export class MqttError extends WattproofError<MqttErrorCode> {}
