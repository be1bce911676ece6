/**
 * Where the verifiable index files certificate events (docs/registry-certificates.md §Index
 * keys), in the ledger index's conventions (docs/index.md §Keys, §Values): every key starts
 * with `SHA-256(INDEX_KEY_TAG ‖ CBOR([family, …names]))`, names in their one canonical
 * spelling and the version in the tag, and a key's value is the hash chain of the leaf
 * indices filed under it, in log order (`indexValue`). Two families:
 *
 * | family | key | filed under it |
 * |---|---|---|
 * | `certificate-issues` | `SHA-256(tag ‖ CBOR(["certificate-issues", meterId, obis]))` ‖ `u16 year ‖ u8 month ‖ u8 day ‖ u8 hour` (37 bytes) | every issue event of the meter channel's UTC hour, of either kind |
 * | `certificate` | `SHA-256(tag ‖ CBOR(["certificate", hex certificate id]))` (32 bytes) | every event naming the certificate |
 *
 * Like a readings key, a meter-hour key's hour suffix makes a day, month or year of one meter
 * channel share a prefix, so one prefix proof shows every issue of a period, or that there is
 * none. Void events are filed too: the map files what an event says, and a verifier who
 * replays the filed events reaches the state machine's verdicts.
 */
import { encodeCbor } from '../cbor/index.ts';
import { INDEX_KEY_TAG, indexValue, utcHourOf } from '../ledger-index/index.ts';
import { nobleHasher, type LogHasher } from '../merkle/index.ts';
import { certificateIdHex } from './certificate-id.ts';
import type { CertificateEvent } from './event-types.ts';
import { checkMeterHour } from './names.ts';
import type { RegistryFilings } from './registry-state.ts';

/** The index families of certificate events. */
export const CertificateIndexFamily = {
  /** A meter channel's issues per UTC hour: `["certificate-issues", meterId, obis]` ‖ hour. */
  meterHour: 'certificate-issues',
  /** A certificate's events: `["certificate", certificate id as lowercase hex]`. */
  certificate: 'certificate',
} as const;
/** One of {@link CertificateIndexFamily}. */
export type CertificateIndexFamily =
  (typeof CertificateIndexFamily)[keyof typeof CertificateIndexFamily];

/** Bytes of a meter-hour key: the 32-byte channel hash and 5 bytes of UTC hour. */
export const METER_HOUR_KEY_SIZE = 37;

/**
 * The key of a meter channel's issues in the UTC hour starting at `hour` (Unix seconds, a
 * multiple of 3600). Throws {@link CertificateError} `INVALID_FIELD` for a name that is not
 * canonical.
 */
export function meterHourIndexKey(
  meterId: string,
  obis: string,
  hour: number,
  hasher: LogHasher = nobleHasher,
): Uint8Array {
  checkMeterHour(meterId, obis, hour);
  const head = hasher.sha256(
    INDEX_KEY_TAG,
    encodeCbor([CertificateIndexFamily.meterHour, meterId, obis]),
  );
  const p = utcHourOf(hour);
  const out = new Uint8Array(METER_HOUR_KEY_SIZE);
  out.set(head);
  out.set([p.year >>> 8, p.year & 0xff, p.month, p.day, p.hour], head.length);
  return out;
}

/** The key of a certificate's events. Throws `INVALID_FIELD` unless the id is 32 bytes. */
export function certificateIndexKey(
  certificateId: Uint8Array,
  hasher: LogHasher = nobleHasher,
): Uint8Array {
  return keyOfHex(certificateIdHex(certificateId), hasher);
}

function keyOfHex(hex: string, hasher: LogHasher): Uint8Array {
  return hasher.sha256(INDEX_KEY_TAG, encodeCbor([CertificateIndexFamily.certificate, hex]));
}

/**
 * The keys an event is filed under, from what it says: an issue under its meter-hour and its
 * certificate, any other event under its certificate.
 */
export function certificateIndexKeysOf(
  event: CertificateEvent,
  hasher: LogHasher = nobleHasher,
): Uint8Array[] {
  const keys = [certificateIndexKey(event.certificateId, hasher)];
  if (event.type === 'issue') {
    keys.unshift(meterHourIndexKey(event.meterId, event.obis, event.hour, hasher));
  }
  return keys;
}

/** One key of the index and its value. */
export interface CertificateIndexEntry {
  readonly family: CertificateIndexFamily;
  readonly key: Uint8Array;
  /** `indexValue` of the leaf indices filed under the key. */
  readonly value: Uint8Array;
  readonly indices: readonly number[];
}

/** Every key of a registry's filings ({@link RegistryState.filings}) with its value. */
export function certificateIndexEntries(
  filings: RegistryFilings,
  hasher: LogHasher = nobleHasher,
): CertificateIndexEntry[] {
  const out: CertificateIndexEntry[] = [];
  for (const f of filings.meterHours) {
    out.push({
      family: CertificateIndexFamily.meterHour,
      key: meterHourIndexKey(f.meterId, f.obis, f.hour, hasher),
      value: indexValue(f.indices, hasher),
      indices: f.indices,
    });
  }
  for (const f of filings.certificates) {
    out.push({
      family: CertificateIndexFamily.certificate,
      key: keyOfHex(f.certificateIdHex, hasher),
      value: indexValue(f.indices, hasher),
      indices: f.indices,
    });
  }
  return out;
}
