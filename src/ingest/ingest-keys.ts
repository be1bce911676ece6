/**
 * LevelDB keys of the ingest records (docs/formats.md, "Checks and quarantine"), under the
 * prefixes `KeyPrefix` gives ingest. Strings are length-prefixed UTF-8 and numbers u64be
 * (`compositeKey`), so a meter's records sort together and by sequence. A meter id is never
 * empty, so a zero length byte after the prefix marks the node-wide records.
 *
 * | key                                              | value                                    |
 * |--------------------------------------------------|------------------------------------------|
 * | 0x10 ‖ str(meter)                                | meter state (CBOR)                       |
 * | 0x10 ‖ 0x00                                      | u64be: last batch whose records are here |
 * | 0x11 ‖ str(meter) ‖ str(scope) ‖ u64(sequence)   | u64be(leaf index) ‖ SHA-256(entry bytes) |
 * | 0x12 ‖ str(meter) ‖ str(scope) ‖ u64(seq) ‖ u64(quarantine id) | equivocation evidence (CBOR) |
 * | 0x12 ‖ 0x00 ‖ str(meter)                         | flagged meter (CBOR)                     |
 * | 0x40 ‖ 0x01                                      | u64be: next quarantine id                |
 * | 0x40 ‖ 0x02 ‖ u64(id)                            | quarantine record (CBOR)                 |
 * | 0x40 ‖ 0x05 ‖ u64(id)                            | its tier, source, size, class and code   |
 * | 0x40 ‖ 0x03 ‖ str(code) ‖ u64(id)                | empty: index by code                     |
 * | 0x40 ‖ 0x04 ‖ str(code)                          | u64be: rejections ever counted           |
 */
import { compositeKey, KeyPrefix } from '../storage/index.ts';

/** Key of a meter's state record. */
export function meterStateKey(meterId: string): Uint8Array {
  return compositeKey(KeyPrefix.meterState, meterId);
}

/** Key of the last batch number whose records are committed. */
export const BATCH_WATERMARK_KEY: Uint8Array = compositeKey(KeyPrefix.meterState, '');

/** Key of the (meter, scope, sequence) record. */
export function meterSequenceKey(meterId: string, scope: string, sequence: number): Uint8Array {
  return compositeKey(KeyPrefix.meterSequence, meterId, scope, sequence);
}

/** Key of one piece of equivocation evidence. */
export function evidenceKey(
  meterId: string,
  scope: string,
  sequence: number,
  quarantineId: number,
): Uint8Array {
  return compositeKey(KeyPrefix.evidence, meterId, scope, sequence, quarantineId);
}

/** Prefix of every piece of evidence of a meter. */
export function meterEvidencePrefix(meterId: string): Uint8Array {
  return compositeKey(KeyPrefix.evidence, meterId);
}

/** Key of a flagged meter's record. */
export function flaggedMeterKey(meterId: string): Uint8Array {
  return compositeKey(KeyPrefix.evidence, '', meterId);
}

/** Prefix of every flagged meter record. */
export const FLAGGED_PREFIX: Uint8Array = compositeKey(KeyPrefix.evidence, '');

const Q = {
  next: Uint8Array.of(0x01),
  record: Uint8Array.of(0x02),
  byCode: Uint8Array.of(0x03),
  total: Uint8Array.of(0x04),
  meta: Uint8Array.of(0x05),
} as const;

/** Key of the bookkeeping row of record `id` (tier, source, size, class, code). */
export function quarantineMetaKey(id: number): Uint8Array {
  return compositeKey(KeyPrefix.quarantine, Q.meta, id);
}

/** Prefix of every bookkeeping row. */
export const QUARANTINE_META_PREFIX: Uint8Array = compositeKey(KeyPrefix.quarantine, Q.meta);

/** Key of the next quarantine id. */
export const QUARANTINE_NEXT_KEY: Uint8Array = compositeKey(KeyPrefix.quarantine, Q.next);

/** Key of quarantine record `id`. */
export function quarantineRecordKey(id: number): Uint8Array {
  return compositeKey(KeyPrefix.quarantine, Q.record, id);
}

/** Prefix of every quarantine record. */
export const QUARANTINE_RECORD_PREFIX: Uint8Array = compositeKey(KeyPrefix.quarantine, Q.record);

/** Key of the code index row of record `id`. */
export function quarantineCodeKey(code: string, id: number): Uint8Array {
  return compositeKey(KeyPrefix.quarantine, Q.byCode, code, id);
}

/** Prefix of the code index rows of `code` (every code when omitted). */
export function quarantineCodePrefix(code?: string): Uint8Array {
  return code === undefined
    ? compositeKey(KeyPrefix.quarantine, Q.byCode)
    : compositeKey(KeyPrefix.quarantine, Q.byCode, code);
}

/** Key of the all-time rejection counter of `code`. */
export function rejectionTotalKey(code: string): Uint8Array {
  return compositeKey(KeyPrefix.quarantine, Q.total, code);
}

/** Prefix of every rejection counter. */
export const REJECTION_TOTAL_PREFIX: Uint8Array = compositeKey(KeyPrefix.quarantine, Q.total);

/** The first key after every key that starts with `prefix` (an exclusive range end). */
export function prefixSuccessor(prefix: Uint8Array): Uint8Array {
  const out = prefix.slice();
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i] = out[i]! + 1;
      return out.subarray(0, i + 1);
    }
  }
  throw new RangeError('prefixSuccessor: prefix of 0xff bytes has no successor');
}

/** Reads a length-prefixed string part at `offset`; returns it and the offset after it. */
export function readStringPart(key: Uint8Array, offset: number): { value: string; next: number } {
  const len = key[offset];
  if (len === undefined || offset + 1 + len > key.length) {
    throw new RangeError('readStringPart: key too short');
  }
  const value = new TextDecoder().decode(key.subarray(offset + 1, offset + 1 + len));
  return { value, next: offset + 1 + len };
}
