/**
 * The figures of a signed reading, taken from its exact bytes the way the ingest node takes them
 * (docs/formats.md "Native signed reading"; docs/ocmf.md "Mapping a record to a ledger
 * reading"), so that a verifier recomputes every figure of a bundle from the bytes alone.
 */
import { fromUtf8, type ByteSlab } from '../bytes.ts';
import { CoseAlg, sigStructure1, type DecodedSign1 } from '../cose/index.ts';
import { EntryKind, readingFormatKind } from '../leaf/index.ts';
import { ocmfFigures, parseOcmf, type OcmfRecord } from '../ocmf/index.ts';
import { openSignedReading, type ChannelFigures } from '../reading/index.ts';
import type { SignerKeyType } from '../registry/index.ts';
import { BundleError } from './errors.ts';

/** What a reading says, before its signature is checked. */
export interface ReadingFigures {
  readonly meterId: string;
  /** The signer id: COSE `kid` as UTF-8, or the OCMF meter serial. */
  readonly signerId: string;
  /** The key type its signer must be registered with. */
  readonly keyType: SignerKeyType;
  /** COSE `iss`; undefined for OCMF. */
  readonly issuer: string | undefined;
  readonly sequence: number;
  /** OCMF pagination scope (`T`, `F`), `""` for native readings. */
  readonly sequenceScope: string;
  /** The reading's span, Unix seconds: the native interval, or the OCMF record's first and last `RD` time. */
  readonly intervalStart: number;
  readonly intervalEnd: number;
  /**
   * Its register channels, each on its own timeline: one for a native reading; one per energy
   * register read over an interval for OCMF (none for a begin-only record).
   */
  readonly channels: readonly ChannelFigures[];
  /** Quality bits of the core's `QualityFlag`. */
  readonly quality: number;
  /**
   * The signed content, which identifies the reading whatever its signature bytes (DESIGN.md
   * decision 14): the COSE Sig_structure (RFC 9052 §4.4: protected header and payload) or the
   * OCMF payload section. A second valid signature over it is the same reading.
   */
  readonly signedContent: Uint8Array;
  /** A fault of the signed content, to report only once the signature verifies (`ocmfFigures`). */
  readonly fault?: { readonly code: 'REGISTER_BACKWARDS'; readonly message: string };
  /** The decoded envelope or record, for the signature check. */
  readonly cose?: DecodedSign1;
  readonly ocmf?: OcmfRecord;
}

function malformed(index: number, why: string, cause?: unknown): BundleError {
  return new BundleError('MALFORMED_READING', `entry ${index}: ${why}`, { index, cause });
}

function milliWh(wh: number, index: number): number {
  const v = wh * 1000;
  if (!Number.isSafeInteger(v)) throw malformed(index, 'energy beyond 2^53 − 1 milli-Wh');
  return v;
}

function coseFigures(bytes: Uint8Array, index: number, slab?: ByteSlab): ReadingFigures {
  let opened;
  try {
    opened = openSignedReading(bytes, { inPlace: slab !== undefined });
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
  return {
    meterId: reading.meterId,
    signerId,
    keyType: sign1.alg === CoseAlg.EdDSA ? 'Ed25519' : 'P-256',
    issuer: sign1.iss,
    sequence: reading.sequence,
    sequenceScope: '',
    intervalStart: reading.intervalStart,
    intervalEnd: reading.intervalEnd,
    channels: [
      {
        obis: reading.obis,
        intervalStart: reading.intervalStart,
        intervalEnd: reading.intervalEnd,
        registerMilliWh: milliWh(reading.registerWh, index),
        energyMilliWh: milliWh(reading.energyWh, index),
      },
    ],
    quality: reading.quality,
    signedContent: sigStructure1(sign1.protectedBytes, sign1.payload, undefined, slab),
    cose: sign1,
  };
}

function ocmfReadingFigures(bytes: Uint8Array, index: number): ReadingFigures {
  let record: OcmfRecord;
  let f;
  try {
    record = parseOcmf(bytes);
    f = ocmfFigures(record);
  } catch (e) {
    throw malformed(index, `not an OCMF reading: ${(e as Error).message}`, e);
  }
  return {
    ...f,
    signerId: f.meterId,
    keyType: 'OCMF',
    issuer: undefined,
    signedContent: record.payloadBytes,
    ocmf: record,
  };
}

/**
 * Decodes the signed bytes of a reading entry of `kind` (COSE_Sign1 or OCMF, chained or not;
 * for a chained kind, the bytes after the link) at leaf `index` into its figures, as
 * the ingest node's decoder does. Throws {@link BundleError} `MALFORMED_READING` or
 * `WRONG_ENTRY_KIND` only. With `options.slab`, `bytes` must stay unchanged while the figures
 * are kept (they are views into it, no copy is taken) and new byte strings are views into the
 * slab.
 */
export function readingFigures(
  kind: number,
  bytes: Uint8Array,
  index: number,
  options: { readonly slab?: ByteSlab } = {},
): ReadingFigures {
  const format = readingFormatKind(kind);
  if (format === EntryKind.readingCose) return coseFigures(bytes, index, options.slab);
  if (format === EntryKind.readingOcmf) return ocmfReadingFigures(bytes, index);
  throw new BundleError('WRONG_ENTRY_KIND', `entry ${index} is not a reading`, { index });
}
