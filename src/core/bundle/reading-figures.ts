/**
 * The figures of a signed reading, taken from its exact bytes the way the ingest node takes them
 * (docs/formats.md "Native signed reading"; docs/ocmf.md "Mapping a record to a ledger
 * reading"), so that a verifier recomputes every figure of a bundle from the bytes alone.
 */
import { fromUtf8 } from '../bytes.ts';
import { CoseAlg, type DecodedSign1 } from '../cose/index.ts';
import { EntryKind, readingFormatKind } from '../leaf/leaf.ts';
import { parseOcmf, type OcmfRecord } from '../ocmf/index.ts';
import {
  isValidMeterId,
  OBIS_ACTIVE_EXPORT,
  OBIS_ACTIVE_IMPORT,
  openSignedReading,
} from '../reading/index.ts';
import { BundleError } from './errors.ts';

/** What a reading says, before its signature is checked. */
export interface ReadingFigures {
  readonly meterId: string;
  /** The signer id: COSE `kid` as UTF-8, or the OCMF meter serial. */
  readonly signerId: string;
  /** The key type its signer must be registered with. */
  readonly keyType: 'Ed25519' | 'P-256' | 'OCMF';
  /** COSE `iss`; undefined for OCMF. */
  readonly issuer: string | undefined;
  readonly sequence: number;
  /** OCMF pagination scope (`T`, `F`), `""` for native readings. */
  readonly sequenceScope: string;
  readonly intervalStart: number;
  readonly intervalEnd: number;
  readonly obis: string;
  /** Energy of the interval, milli-Wh (exact). */
  readonly energyMilliWh: number;
  /** The decoded envelope or record, for the signature check. */
  readonly cose?: DecodedSign1;
  readonly ocmf?: OcmfRecord;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function malformed(index: number, why: string, cause?: unknown): BundleError {
  return new BundleError('MALFORMED_READING', `entry ${index}: ${why}`, { index, cause });
}

function milliWh(wh: number, index: number): number {
  const v = wh * 1000;
  if (!Number.isSafeInteger(v)) throw malformed(index, 'energy beyond 2^53 − 1 milli-Wh');
  return v;
}

function coseFigures(bytes: Uint8Array, index: number): ReadingFigures {
  let opened;
  try {
    opened = openSignedReading(bytes);
  } catch (e) {
    throw malformed(index, `not a signed reading: ${(e as Error).message}`, e);
  }
  const { reading, sign1 } = opened;
  let signerId: string;
  try {
    signerId = fromUtf8(sign1.kid);
  } catch (e) {
    throw malformed(index, 'kid is not UTF-8', e);
  }
  milliWh(reading.registerWh, index);
  return {
    meterId: reading.meterId,
    signerId,
    keyType: sign1.alg === CoseAlg.EdDSA ? 'Ed25519' : 'P-256',
    issuer: sign1.iss,
    sequence: reading.sequence,
    sequenceScope: '',
    intervalStart: reading.intervalStart,
    intervalEnd: reading.intervalEnd,
    obis: reading.obis,
    energyMilliWh: milliWh(reading.energyWh, index),
    cose: sign1,
  };
}

function ocmfFigures(bytes: Uint8Array, index: number): ReadingFigures {
  let record: OcmfRecord;
  try {
    record = parseOcmf(bytes);
  } catch (e) {
    throw malformed(index, `not an OCMF record: ${(e as Error).message}`, e);
  }
  const p = record.payload;
  const serial = p.meterSerial || p.gatewaySerial || '';
  if (!isValidMeterId(serial)) throw malformed(index, 'MS/GS is not a valid meter id');
  const times = p.readings.map((r) => r.time.unixMs);
  for (let i = 1; i < times.length; i++) {
    if (times[i]! < times[i - 1]!) throw malformed(index, 'RD times are not in order');
  }
  if (times[0]! < 0) throw malformed(index, 'RD time before 1970');
  const energy = p.readings.filter((r) => r.valueMilliWh !== undefined && r.register !== null);
  const kind = energy[energy.length - 1]?.register;
  if (kind === undefined || kind === null) throw malformed(index, 'no energy register reading');
  const values = energy.filter((r) => r.register === kind).map((r) => r.valueMilliWh!);
  for (let i = 1; i < values.length; i++) {
    if (values[i]! < values[i - 1]!) throw malformed(index, 'the register decreases');
  }
  const end = values[values.length - 1]!;
  if (end > MAX_SAFE) throw malformed(index, 'register beyond 2^53 − 1 milli-Wh');
  return {
    meterId: serial,
    signerId: serial,
    keyType: 'OCMF',
    issuer: undefined,
    sequence: p.pagination.number,
    sequenceScope: p.pagination.kind,
    intervalStart: Math.floor(times[0]! / 1000),
    intervalEnd: Math.ceil(times[times.length - 1]! / 1000),
    obis: kind === 'import' ? OBIS_ACTIVE_IMPORT : OBIS_ACTIVE_EXPORT,
    energyMilliWh: Number(end - values[0]!),
    ocmf: record,
  };
}

/**
 * Decodes the signed bytes of a reading entry of `kind` (COSE_Sign1 or OCMF, chained or not;
 * for a chained kind, the bytes after the link) at leaf `index` into its figures, as
 * the ingest node's decoder does. Throws {@link BundleError} `MALFORMED_READING` or
 * `WRONG_ENTRY_KIND` only.
 */
export function readingFigures(kind: number, bytes: Uint8Array, index: number): ReadingFigures {
  const format = readingFormatKind(kind);
  if (format === EntryKind.readingCose) return coseFigures(bytes, index);
  if (format === EntryKind.readingOcmf) return ocmfFigures(bytes, index);
  throw new BundleError('WRONG_ENTRY_KIND', `entry ${index} is not a reading`, { index });
}
