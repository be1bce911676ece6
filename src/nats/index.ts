/**
 * The NATS JetStream transport of an ingest node ({@link JetStreamSource}): meters publish over
 * MQTT 3.1.1 to a NATS server's MQTT listener, a work-queue stream captures the readings, and
 * ingest processes share one durable pull consumer, acking after commit (docs/nats-source.md).
 * Selected by the node with `wattproof start --nats-url` (src/node/node.ts).
 */
export { NatsError, type NatsErrorCode } from './errors.ts';
export { JetStreamSource } from './jetstream-source.ts';
export { natsLogger } from './logger.ts';
export {
  checkJetStreamOptions,
  JETSTREAM_SOURCE_DEFAULTS,
  type CheckedJetStreamOptions,
  type JetStreamSourceOptions,
  type JetStreamSourceStats,
} from './source-options.ts';
export { filterToSubject, subjectToTopic, topicToSubject } from './subject-mapping.ts';
