/**
 * The records of the per-meter ingest state (docs/formats.md, "State records"): the meter
 * state, (meter, sequence) references, equivocation evidence and flagged meters, with their
 * CBOR encodings.
 */
import { fastSha256 } from '../log/node-hashes.ts';
import { readU64be } from '../core/bytes.ts';
import { decodeCbor, encodeCbor, type CborMap, type CborValue } from '../core/cbor/index.ts';
import { StorageError } from '../storage/errors.ts';
import { readStringPart } from './ingest-keys.ts';

/** What the node remembers of a meter. */
export interface MeterState {
  readonly meterId: string;
  /** Last accepted sequence per counter (`''` native; `T`/`F` OCMF). */
  readonly lastSequence: Map<string, number>;
  /** Last accepted register value per OBIS code, milli-Wh. */
  readonly registers: Map<string, number>;
  /** Equivocations seen; a meter with any is flagged. */
  equivocations: number;
  /** When the meter was first flagged, ms since the epoch. */
  flaggedAt: number | undefined;
  /** When the last equivocation was seen. */
  lastEquivocationAt: number | undefined;
  /** Last batch that changed this state (0: unchanged since loaded). */
  dirtyBatch: number;
}

/** A (meter, sequence) in the log: its leaf index (once assigned) and entry hash. */
export interface SequenceRef {
  /** SHA-256 of the exact entry bytes. */
  readonly sha256: Uint8Array;
  /** Leaf index; undefined until the batch's store operations are planned. */
  index: number | undefined;
}

/** Equivocation evidence: the second, conflicting reading and what it conflicts with. */
export interface EvidenceRecord {
  readonly meterId: string;
  readonly scope: string;
  readonly sequence: number;
  /** Id of the quarantine record of the conflicting reading. */
  readonly quarantineId: number;
  /** The conflicting reading's exact bytes. */
  readonly bytes: Uint8Array;
  readonly topic: string;
  /** ms since the epoch. */
  readonly receivedAt: number;
  readonly signerId: string;
  /** Leaf index of the reading that stays in the log. */
  readonly firstIndex: number;
  /** SHA-256 of that reading's bytes. */
  readonly firstSha256: Uint8Array;
}

/** A flagged meter. */
export interface FlaggedMeter {
  readonly meterId: string;
  readonly flaggedAt: number;
  readonly lastEquivocationAt: number;
  readonly equivocations: number;
}

/** Throws `STORE_CORRUPT` for an ingest record that does not decode. */
export function corrupt(why: string): never {
  throw new StorageError('STORE_CORRUPT', `ingest state: ${why}`);
}

function mapOf(v: CborValue | undefined, what: string): Map<string, number> {
  const out = new Map<string, number>();
  if (v === undefined) return out;
  if (!(v instanceof Map)) corrupt(`${what} is not a map`);
  for (const [k, n] of v) {
    if (typeof k !== 'string' || typeof n !== 'number') corrupt(`${what} entry`);
    out.set(k, n);
  }
  return out;
}

/** A number field, or undefined. */
export function optNumber(v: CborValue | undefined): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** CBOR of a meter state. */
export function encodeState(s: MeterState): Uint8Array {
  const m: CborMap = new Map<number, CborValue>([
    [1, new Map(s.lastSequence)],
    [2, new Map(s.registers)],
    [3, s.equivocations],
  ]);
  if (s.flaggedAt !== undefined) m.set(4, s.flaggedAt);
  if (s.lastEquivocationAt !== undefined) m.set(5, s.lastEquivocationAt);
  return encodeCbor(m);
}

/** Decodes a meter state record. */
export function decodeState(meterId: string, b: Uint8Array): MeterState {
  const m = decodeCbor(b);
  if (!(m instanceof Map)) corrupt('meter state is not a map');
  return {
    meterId,
    lastSequence: mapOf(m.get(1), 'sequences'),
    registers: mapOf(m.get(2), 'registers'),
    equivocations: optNumber(m.get(3)) ?? 0,
    flaggedAt: optNumber(m.get(4)),
    lastEquivocationAt: optNumber(m.get(5)),
    dirtyBatch: 0,
  };
}

/** CBOR of an evidence record (key fields excluded). */
export function encodeEvidence(e: EvidenceRecord): Uint8Array {
  return encodeCbor(
    new Map<number, CborValue>([
      [1, e.bytes],
      [2, e.topic],
      [3, e.receivedAt],
      [4, e.signerId],
      [5, e.firstIndex],
      [6, e.firstSha256],
    ]),
  );
}

/** Decodes an evidence record from its key and value. */
export function decodeEvidence(key: Uint8Array, value: Uint8Array): EvidenceRecord {
  const meter = readStringPart(key, 1);
  const scope = readStringPart(key, meter.next);
  const m = decodeCbor(value);
  if (!(m instanceof Map)) corrupt('evidence is not a map');
  const bytes = m.get(1);
  const firstSha256 = m.get(6);
  if (!(bytes instanceof Uint8Array) || !(firstSha256 instanceof Uint8Array)) corrupt('evidence');
  return {
    meterId: meter.value,
    scope: scope.value,
    sequence: readU64be(key, scope.next),
    quarantineId: readU64be(key, scope.next + 8),
    bytes,
    topic: String(m.get(2)),
    receivedAt: optNumber(m.get(3)) ?? 0,
    signerId: String(m.get(4)),
    firstIndex: optNumber(m.get(5)) ?? -1,
    firstSha256,
  };
}

/** CBOR of the flagged-meter record of a meter state. */
export function flaggedRecord(s: MeterState): Uint8Array {
  return encodeCbor(
    new Map<number, CborValue>([
      [1, s.flaggedAt ?? 0],
      [2, s.lastEquivocationAt ?? 0],
      [3, s.equivocations],
    ]),
  );
}

/** SHA-256 of entry bytes (`node:crypto` on this hot path, DESIGN.md decision 9). */
export function entrySha256(bytes: Uint8Array): Uint8Array {
  return fastSha256(bytes);
}

/** Decodes a flagged-meter record. */
export function decodeFlagged(meterId: string, v: Uint8Array): FlaggedMeter {
  const m = decodeCbor(v);
  if (!(m instanceof Map)) corrupt('flagged meter is not a map');
  return {
    meterId,
    flaggedAt: optNumber(m.get(1)) ?? 0,
    lastEquivocationAt: optNumber(m.get(2)) ?? 0,
    equivocations: optNumber(m.get(3)) ?? 0,
  };
}

/** A meter never seen before. */
export function newMeterState(meterId: string): MeterState {
  return {
    meterId,
    lastSequence: new Map(),
    registers: new Map(),
    equivocations: 0,
    flaggedAt: undefined,
    lastEquivocationAt: undefined,
    dirtyBatch: 0,
  };
}
