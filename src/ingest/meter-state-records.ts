/**
 * The records of the per-meter ingest state (docs/formats.md, "State records"): the meter
 * state, (meter, sequence) references, equivocation evidence and flagged meters, with their
 * CBOR encodings.
 */
import { fastSha256 } from '../node-fast/index.ts';
import { readU64be, u64be } from '../core/bytes.ts';
import { decodeCbor, encodeCbor, type CborMap, type CborValue } from '../core/cbor/index.ts';
import { StorageError } from '../storage/index.ts';
import { readStringPart } from './ingest-keys.ts';

/**
 * The head of a meter's timeline on one channel (OBIS code): the last accepted reading's
 * interval and register, and its entry (docs/formats.md "State records").
 */
export interface ChannelHead {
  readonly intervalStart: number;
  readonly intervalEnd: number;
  readonly registerMilliWh: number;
  /** Its entry; undefined for a head read from a state record of an earlier version. */
  readonly ref: SequenceRef | undefined;
}

/** What the node remembers of a meter. */
export interface MeterState {
  readonly meterId: string;
  /** Last accepted sequence per counter (`''` native; `T`/`F` OCMF). */
  readonly lastSequence: Map<string, number>;
  /** The head of each channel's timeline, per OBIS code. */
  readonly channels: Map<string, ChannelHead>;
  /** Equivocations seen; a meter with any is flagged. */
  equivocations: number;
  /** When the meter was first flagged, ms since the epoch. */
  flaggedAt: number | undefined;
  /** When the last equivocation was seen. */
  lastEquivocationAt: number | undefined;
  /** Last batch that changed this state (0: unchanged since loaded). */
  dirtyBatch: number;
}

/** A (meter, sequence) in the log: its leaf index and what identifies it. */
export interface SequenceRef {
  /**
   * SHA-256 of the reading's signed content (COSE Sig_structure, OCMF payload section) when
   * `content`, else (records of an earlier version) of its exact signed bytes.
   */
  readonly sha256: Uint8Array;
  /** True when {@link sha256} is of the signed content. */
  readonly content: boolean;
  /** Leaf index of its entry. */
  readonly index: number;
}

/** The value of a (meter, scope, sequence) record: index ‖ SHA-256 ‖ 0x01 (41 bytes). */
export function encodeSequenceRef(ref: SequenceRef): Uint8Array {
  const out = new Uint8Array(41);
  out.set(u64be(ref.index), 0);
  out.set(ref.sha256, 8);
  out[40] = 1;
  return out;
}

/**
 * Decodes a (meter, scope, sequence) record: 41 bytes (hash of the signed content), or the
 * 40 bytes of an earlier version (hash of the signed bytes).
 */
export function decodeSequenceRef(b: Uint8Array): SequenceRef {
  if (b.length === 41 && b[40] === 1) {
    return { index: readU64be(b, 0), sha256: b.slice(8, 40), content: true };
  }
  if (b.length === 40) return { index: readU64be(b, 0), sha256: b.slice(8), content: false };
  corrupt('sequence record is neither 40 nor 41 bytes');
}

/** A meter's state as of the end of one batch, written by that batch. */
export interface StateSnapshot {
  readonly meterId: string;
  readonly lastSequence: ReadonlyMap<string, number>;
  readonly channels: ReadonlyMap<string, ChannelHead>;
  readonly equivocations: number;
  readonly flaggedAt: number | undefined;
  readonly lastEquivocationAt: number | undefined;
}

/** A copy of what {@link encodeState} writes (heads are replaced, never changed, so a shallow copy). */
export function snapshotState(s: MeterState): StateSnapshot {
  return {
    meterId: s.meterId,
    lastSequence: new Map(s.lastSequence),
    channels: new Map(s.channels),
    equivocations: s.equivocations,
    flaggedAt: s.flaggedAt,
    lastEquivocationAt: s.lastEquivocationAt,
  };
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

function channelsOf(v: CborValue | undefined): Map<string, ChannelHead> {
  const out = new Map<string, ChannelHead>();
  if (v === undefined) return out;
  if (!(v instanceof Map)) corrupt('channels is not a map');
  for (const [k, a] of v) {
    if (typeof k !== 'string' || !Array.isArray(a) || a.length < 3 || a.length > 4) {
      corrupt('channel head');
    }
    const [start, end, register, index] = a as CborValue[];
    if (typeof start !== 'number' || typeof end !== 'number' || typeof register !== 'number') {
      corrupt('channel head');
    }
    if (index !== undefined && typeof index !== 'number') corrupt('channel head index');
    out.set(k, {
      intervalStart: start,
      intervalEnd: end,
      registerMilliWh: register,
      // The head's own hash is not needed: only its index is ever reported.
      ref: index === undefined ? undefined : { index, sha256: new Uint8Array(0), content: true },
    });
  }
  return out;
}

/**
 * CBOR of a meter state: 1 last sequence per counter, 3 equivocations, 4 and 5 flag times,
 * 6 channel heads (OBIS → [start, end, register mWh, leaf index]). Key 2 (register per OBIS,
 * without intervals) is what earlier versions wrote; it is read, never written.
 * Call once the heads' entries have their indices.
 */
export function encodeState(s: StateSnapshot): Uint8Array {
  const heads = new Map<string, CborValue>();
  for (const [obis, h] of s.channels) {
    const a: CborValue[] = [h.intervalStart, h.intervalEnd, h.registerMilliWh];
    if (h.ref?.index !== undefined) a.push(h.ref.index);
    heads.set(obis, a);
  }
  const m: CborMap = new Map<number, CborValue>([
    [1, new Map(s.lastSequence)],
    [3, s.equivocations],
    [6, heads],
  ]);
  if (s.flaggedAt !== undefined) m.set(4, s.flaggedAt);
  if (s.lastEquivocationAt !== undefined) m.set(5, s.lastEquivocationAt);
  return encodeCbor(m);
}

/** Decodes a meter state record. */
export function decodeState(meterId: string, b: Uint8Array): MeterState {
  const m = decodeCbor(b);
  if (!(m instanceof Map)) corrupt('meter state is not a map');
  const channels = channelsOf(m.get(6));
  // An earlier version's register per OBIS code: a head with no interval and no entry.
  for (const [obis, register] of mapOf(m.get(2), 'registers')) {
    if (!channels.has(obis)) {
      channels.set(obis, {
        intervalStart: 0,
        intervalEnd: 0,
        registerMilliWh: register,
        ref: undefined,
      });
    }
  }
  return {
    meterId,
    lastSequence: mapOf(m.get(1), 'sequences'),
    channels,
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
export function flaggedRecord(
  s: Pick<MeterState, 'flaggedAt' | 'lastEquivocationAt' | 'equivocations'>,
): Uint8Array {
  return encodeCbor(
    new Map<number, CborValue>([
      [1, s.flaggedAt ?? 0],
      [2, s.lastEquivocationAt ?? 0],
      [3, s.equivocations],
    ]),
  );
}

/** SHA-256 of entry bytes or signed content (`node:crypto` on this hot path, DESIGN.md decision 9). */
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
    channels: new Map(),
    equivocations: 0,
    flaggedAt: undefined,
    lastEquivocationAt: undefined,
    dirtyBatch: 0,
  };
}
