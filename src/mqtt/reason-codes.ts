/**
 * Human names for the CONNACK and SUBACK codes a broker may answer with, for error messages:
 * MQTT 5 reason codes (§2.4, Table 2-6) and MQTT 3.1.1 CONNACK return codes (§3.2.2.3).
 */

/** MQTT 3.1.1 CONNACK return codes (§3.2.2.3, Table 3.1). */
const V4_CONNACK: Readonly<Record<number, string>> = {
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};

/** MQTT 5 failure reason codes (§2.4 Table 2-6) that CONNACK and SUBACK carry. */
const V5_REASONS: Readonly<Record<number, string>> = {
  0x80: 'unspecified error',
  0x81: 'malformed packet',
  0x82: 'protocol error',
  0x83: 'implementation specific error',
  0x84: 'unsupported protocol version',
  0x85: 'client identifier not valid',
  0x86: 'bad user name or password',
  0x87: 'not authorized',
  0x88: 'server unavailable',
  0x89: 'server busy',
  0x8a: 'banned',
  0x8c: 'bad authentication method',
  0x8f: 'topic filter invalid',
  0x90: 'topic name invalid',
  0x95: 'packet too large',
  0x97: 'quota exceeded',
  0x99: 'payload format invalid',
  0x9a: 'retain not supported',
  0x9b: 'QoS not supported',
  0x9c: 'use another server',
  0x9d: 'server moved',
  0x9e: 'shared subscriptions not supported',
  0x9f: 'connection rate exceeded',
  0xa1: 'subscription identifiers not supported',
  0xa2: 'wildcard subscriptions not supported',
};

/** `0x87 (not authorized)` for MQTT 5, `5 (not authorized)` for a 3.1.1 CONNACK return code. */
export function connackReason(protocolVersion: 4 | 5, code: number): string {
  const name = protocolVersion === 5 ? V5_REASONS[code] : V4_CONNACK[code];
  const num = protocolVersion === 5 ? `0x${code.toString(16).padStart(2, '0')}` : String(code);
  return name === undefined ? num : `${num} (${name})`;
}

/** A SUBACK code: a granted QoS (0–2) or a failure (0x80 in 3.1.1; any MQTT 5 code ≥ 0x80). */
export function subackReason(code: number): string {
  if (code < 0x80) return `granted QoS ${code}`;
  const name = V5_REASONS[code];
  return `0x${code.toString(16)}${name === undefined ? '' : ` (${name})`}`;
}
