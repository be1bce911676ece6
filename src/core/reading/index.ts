/** The native signed meter reading (docs/formats.md). */
export { ReadingError } from './errors.ts';
export type { ReadingErrorCode } from './errors.ts';
export { isValidObis, OBIS_ACTIVE_EXPORT, OBIS_ACTIVE_IMPORT } from './obis.ts';
export {
  isValidMeterId,
  QUALITY_MASK,
  QualityFlag,
  READING_FIELDS,
  ReadingKey,
  validateReading,
} from './reading.ts';
export type { Reading, ReadingField } from './reading.ts';
export { decodeReading, decodeReadingCbor, encodeReading } from './reading-codec.ts';
export {
  openSignedReading,
  READING_CONTENT_TYPE,
  signReading,
  verifySignedReading,
} from './signed-reading.ts';
export type { OpenedReading, SignReadingOptions } from './signed-reading.ts';
export {
  TIMELINE_CODES,
  timelineFault,
  type ChannelFigures,
  type TimelineCode,
  type TimelineFault,
} from './timeline.ts';
