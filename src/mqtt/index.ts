/**
 * MQTT transports of an ingest node: a client of an external broker ({@link MqttSource}) and
 * the embedded aedes broker ({@link EmbeddedBroker}), both acknowledging after commit.
 */
export { ArrivalOrder, type ArrivalOrderHandlers, type ArrivalSlot } from './arrival-order.ts';
export {
  GrantChecker,
  mosquittoAclFile,
  nodeGrants,
  signerGrants,
  type AclUser,
  type GrantedSigner,
  type TopicGrants,
} from './broker-acl.ts';
export {
  BrokerGate,
  type BrokerAccess,
  type BrokerSession,
  type BrokerUser,
  type LoginResult,
} from './broker-gate.ts';
export { parseBrokerUrl, type BrokerUrl } from './broker-url.ts';
export {
  EmbeddedBroker,
  isLoopbackHost,
  type BrokerTlsOptions,
  type EmbeddedBrokerOptions,
  type EmbeddedBrokerStats,
} from './embedded-broker.ts';
export { MqttError, type MqttErrorCode } from './errors.ts';
export { mqttLogger } from './logger.ts';
export {
  hashMosquittoPassword,
  hashMosquittoPasswordSync,
  isMosquittoUsername,
  MOSQUITTO_PBKDF2_ITERATIONS,
  mosquittoPasswordLine,
  parseMosquittoHash,
  verifyMosquittoPassword,
  type MosquittoHashOptions,
  type MosquittoPasswordHash,
} from './mosquitto-password.ts';
export { MqttSource } from './mqtt-client.ts';
export { connackReason, subackReason } from './reason-codes.ts';
export {
  MQTT_SOURCE_DEFAULTS,
  reconnectDelay,
  type MqttSourceOptions,
  type MqttSourceStats,
} from './source-options.ts';
export { assertTopicFilter, filterCovers, topicMatches } from './topic-filter.ts';
export type { AckOutcome, InboundMessage, MessageHandler, MessageSource } from './transport.ts';
