/**
 * The ledger's verifiable index, as data (DESIGN.md decision 15; docs/index.md): what a key is
 * (signer, meter flags, a meter channel's readings per UTC hour), what its value is (the leaf
 * indices filed under it), which keys a log entry is filed under, and the epoch entry that
 * commits the map's root in the witnessed log. Pure: runs in browsers.
 */
export { decodeIndexEpoch, encodeIndexEpoch, INDEX_EPOCH_VERSION } from './epoch.ts';
export type { IndexEpoch } from './epoch.ts';
export { IndexAccumulator, indexKeysOf } from './entries.ts';
export type { IndexedChannel, IndexedEntry, IndexedKey, IndexFacts } from './entries.ts';
export { LedgerIndexError } from './errors.ts';
export { decodeMeterFlag, encodeMeterFlag, METER_FLAG_VERSION, METER_FLAGS } from './meter-flag.ts';
export type { MeterFlag, MeterFlagKind } from './meter-flag.ts';
export type { LedgerIndexErrorCode } from './errors.ts';
export {
  IndexFamily,
  INDEX_KEY_TAG,
  meterFlagsIndexKey,
  READINGS_KEY_SIZE,
  readingsChannelHash,
  readingsIndexKey,
  signerIndexKey,
  utcHourOf,
} from './keys.ts';
export type { UtcPeriod } from './keys.ts';
export { IndexReplay, type PlacedEpoch, type ReplaySink } from './replay.ts';
export { parsePeriodLabel, periodBlocks, periodLabel, periodSpan } from './periods.ts';
export {
  checkIndices,
  emptyIndexValue,
  INDEX_VALUE_TAG,
  indexValue,
  nextIndexValue,
} from './values.ts';
