/**
 * The ingest node's checks (docs/formats.md, "MQTT topics" and "Checks and quarantine"):
 * topics, decoding, the pipeline, per-meter state and the quarantine.
 */
export type { CandidateReading, DecodeResult, ParsedReading } from './candidate.ts';
export type { CheckedBatch, MessageOutcome, ReadingOutcome } from './checked-batch.ts';
export {
  decodeMessage,
  decodeReadingBytes,
  type DecodedMessage,
  type DecodedPart,
  type DecodeLimits,
} from './decode.ts';
export { decodeCoseReading } from './decode-cose.ts';
export { decodeOcmfReading } from './decode-ocmf.ts';
export { IngestError, type IngestErrorCode } from './errors.ts';
export { MeterStateStore, type MeterStateOptions } from './meter-state.ts';
export {
  entrySha256,
  type EvidenceRecord,
  type FlaggedMeter,
  type MeterState,
  type SequenceRef,
} from './meter-state-records.ts';
export { StateBatch } from './state-batch.ts';
export { IngestPipeline, type IngestPipelineOptions } from './pipeline.ts';
export {
  DEFAULT_MAX_STORED_PAYLOAD,
  DEFAULT_QUARANTINE_CAPACITY,
  Quarantine,
  type QuarantineCounts,
  type QuarantineInput,
  type QuarantineOptions,
  type QuarantinePage,
  type QuarantineQuery,
  type QuarantineRecord,
} from './quarantine.ts';
export {
  isRejectCode,
  PUBACK_REASON_BY_CODE,
  PubackReason,
  reject,
  REJECT_CODES,
  type RejectCode,
  type Rejection,
} from './reject-codes.ts';
export {
  authorizationRejection,
  energyRejection,
  signerRejection,
  timeRejection,
} from './rules.ts';
export {
  meterReadingsTopic,
  meterReceiptsTopic,
  METER_READINGS_FILTER,
  parseTopic,
  PLATFORM_READINGS_FILTER,
  platformReadingsTopic,
  readingSubscriptions,
  TOPIC_ROOT,
  type ParsedTopic,
} from './topics.ts';
export { IngestService } from './ingest-service.ts';
export { ReceiptIssuer } from './receipts.ts';
export { checkTopicRoot } from './topics.ts';
