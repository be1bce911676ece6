/**
 * The quarantine (docs/formats.md, "Quarantine"): a bounded LevelDB store of refused messages and
 * readings, with their reason, topic, time and bytes, for the operator to inspect, and per-class
 * counters of every rejection ever quarantined.
 *
 * It keeps evidence under a flood. Records are in two tiers: **signed** — readings whose
 * signature verified under a registered key and that a later rule refused (equivocations above
 * all), kept with up to 64 KiB of their bytes — and **junk** — everything else, kept as the
 * SHA-256 of its bytes and a short prefix. Junk may hold at most half the records and half the
 * bytes, and is only ever evicted by junk; signed records evict junk first. Within each tier a
 * source (the signer of a signed record; the meter or platform of the topic for junk) holds at
 * most `perSourceRecords`, beyond which its own oldest go. So a flood of junk, from anyone,
 * cannot evict the evidence of a signed reading.
 *
 * Adding a record stages it in memory (ids, counts, eviction) and returns the store operations
 * that write it; the caller commits them in call order. Listing reads LevelDB, so it shows
 * committed records only.
 */
import { createHash } from 'node:crypto';
import { readU64be, u64be } from '../core/bytes.ts';
import { decodeCbor, encodeCbor, type CborValue } from '../core/cbor/index.ts';
import { StorageError } from '../storage/index.ts';
import type { LevelStore, StoreOp } from '../storage/index.ts';
import {
  prefixSuccessor,
  QUARANTINE_META_PREFIX,
  QUARANTINE_NEXT_KEY,
  quarantineMetaKey,
  QUARANTINE_RECORD_PREFIX,
  quarantineCodeKey,
  quarantineCodePrefix,
  quarantineRecordKey,
  readStringPart,
  REJECTION_TOTAL_PREFIX,
  rejectionTotalKey,
} from './ingest-keys.ts';

/** Default number of records kept. */
export const DEFAULT_QUARANTINE_CAPACITY = 100_000;
/** Default number of payload bytes kept per signed record. */
export const DEFAULT_MAX_STORED_PAYLOAD = 64 * 1024;
/** Default byte budget of the whole quarantine (records as stored, approximately). */
export const DEFAULT_QUARANTINE_BYTES = 256 * 1024 * 1024;
/** Bytes of a junk record's payload kept beside its SHA-256. */
export const JUNK_PREFIX_BYTES = 256;
/** Default records one source may hold in one tier. */
export const DEFAULT_PER_SOURCE_RECORDS = 1000;
/** Bytes counted per record besides its payload, message and topic (keys, fields). */
const RECORD_OVERHEAD = 96;

/**
 * `signed`: a reading whose signature verified under a registered key, refused by a later rule;
 * `junk`: everything else (docs/formats.md "Quarantine").
 */
export type QuarantineTier = 'signed' | 'junk';
const MAX_TEXT = 1024;

/** Evidence of a refusal (docs/api.md, quarantine record). */
export interface QuarantineEvidence {
  readonly field?: string;
  readonly key?: number;
  /** Leaf index of the accepted reading it collides with. */
  readonly collidesWith?: number;
}

/** What to quarantine. */
export interface QuarantineInput {
  /** The precise code (e.g. `WRONG_TAG`, `INVALID_FIELD`, `INTERVAL_OVERLAP`). */
  readonly code: string;
  /** The coarse class (a `RejectCode`); defaults to `code`. */
  readonly class?: string;
  /** Evidence; a function when part of it is known only once the batch is planned. */
  readonly evidence?: QuarantineEvidence | (() => QuarantineEvidence | undefined);
  /** Human explanation. */
  readonly message: string;
  /** The MQTT topic the message arrived on. */
  readonly topic: string;
  /** When it arrived, ms since the epoch. */
  readonly receivedAt: number;
  /** The refused bytes: the reading, or the whole message when it was refused as a whole. */
  readonly payload: Uint8Array;
  /** Position of the reading inside a platform batch, when it is one. */
  readonly readingIndex?: number;
  /** Its tier (default `junk`). */
  readonly tier?: QuarantineTier;
  /** Whose quota it counts in: the signer id (signed) or the topic's meter/platform (junk). */
  readonly source?: string;
}

/** A stored record. */
export interface QuarantineRecord {
  readonly id: number;
  /** The precise code. */
  readonly code: string;
  /** The coarse class (the reject code that sets the PUBACK reason). */
  readonly class: string;
  readonly evidence?: QuarantineEvidence;
  readonly message: string;
  readonly topic: string;
  readonly receivedAt: number;
  /** Length of the refused bytes as received. */
  readonly payloadLength: number;
  /**
   * Signed: the first (at most 64 KiB) of them; junk: the first 256. Absent when listed
   * without payloads.
   */
  readonly payload?: Uint8Array;
  /** SHA-256 of the whole refused bytes (junk records, which keep only a prefix). */
  readonly sha256?: Uint8Array;
  readonly readingIndex?: number;
  readonly tier: QuarantineTier;
  readonly source: string;
}

/** Options of {@link Quarantine.open}. */
export interface QuarantineOptions {
  /** Records kept (default 100,000). */
  readonly capacity?: number;
  /** Bytes kept, records as stored (default 256 MiB). */
  readonly maxBytes?: number;
  /** Payload bytes kept per signed record (default 65,536). */
  readonly maxStoredPayloadBytes?: number;
  /** Records one source may hold in one tier (default 1000). */
  readonly perSourceRecords?: number;
}

/** Arguments of {@link Quarantine.list}. */
export interface QuarantineQuery {
  /** Only records with this precise code or class. */
  readonly code?: string;
  /** Most records returned (default 100). */
  readonly limit?: number;
  /** Only records with an id below this one (the `next` of a previous page). */
  readonly before?: number;
  /** Include the stored payload bytes. */
  readonly withPayload?: boolean;
}

/** A page of records, newest first. */
export interface QuarantinePage {
  readonly records: readonly QuarantineRecord[];
  /** Pass as `before` to get the next page; absent on the last page. */
  readonly next?: number;
}

/** Counts of quarantined records and of rejections. */
export interface QuarantineCounts {
  /** Records held. */
  readonly records: number;
  readonly capacity: number;
  /** Bytes held (records as stored, approximately) and the budget. */
  readonly bytes: number;
  readonly maxBytes: number;
  /** Records and bytes held per tier. */
  readonly tiers: Readonly<Record<QuarantineTier, { records: number; bytes: number }>>;
  /** Records evicted since the node started, per tier. */
  readonly evicted: Readonly<Record<QuarantineTier, number>>;
  /** Records held, per code. */
  readonly recordsByCode: Readonly<Record<string, number>>;
  /** Rejections ever quarantined, per code (evicted ones included). */
  readonly rejectedByCode: Readonly<Record<string, number>>;
}

function corrupt(why: string): never {
  throw new StorageError('STORE_CORRUPT', `quarantine: ${why}`);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** At most 1024 characters, well-formed (a topic may hold anything a client sent). */
function clip(s: string): string {
  const t = s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s;
  return t.replace(LONE_SURROGATE, '\uFFFD');
}

function decodeRecord(id: number, v: Uint8Array, withPayload: boolean): QuarantineRecord {
  const m = decodeCbor(v);
  if (!(m instanceof Map)) corrupt('record is not a map');
  const payload = m.get(6);
  const readingIndex = m.get(7);
  const cls = m.get(8);
  const ev = m.get(9);
  let evidence: QuarantineEvidence | undefined;
  if (ev instanceof Map) {
    const field = ev.get(1);
    const key = ev.get(2);
    const collidesWith = ev.get(3);
    evidence = {
      ...(typeof field === 'string' ? { field } : {}),
      ...(typeof key === 'number' ? { key } : {}),
      ...(typeof collidesWith === 'number' ? { collidesWith } : {}),
    };
  }
  return {
    id,
    code: String(m.get(1)),
    class: typeof cls === 'string' ? cls : String(m.get(1)),
    ...(evidence === undefined ? {} : { evidence }),
    message: String(m.get(2)),
    topic: String(m.get(3)),
    receivedAt: Number(m.get(4)),
    payloadLength: Number(m.get(5)),
    ...(withPayload && payload instanceof Uint8Array ? { payload } : {}),
    ...(m.get(10) instanceof Uint8Array ? { sha256: m.get(10) as Uint8Array } : {}),
    ...(typeof readingIndex === 'number' ? { readingIndex } : {}),
    tier: m.get(11) === 1 ? 'signed' : 'junk',
    source: typeof m.get(12) === 'string' ? (m.get(12) as string) : '',
  };
}

/** What the quarantine keeps in memory of a live record. */
interface Held {
  readonly id: number;
  readonly tier: QuarantineTier;
  readonly source: string;
  readonly bytes: number;
  readonly cls: string;
  /** The precise code where it differs from the class (its second index row). */
  readonly detail: string | undefined;
  alive: boolean;
}

/** A first-in-first-out queue of records with lazy removal from the middle. */
class Fifo {
  private items: Held[] = [];
  private head = 0;
  push(h: Held): void {
    this.items.push(h);
  }
  /** The oldest live record, dropping dead ones. */
  oldest(): Held | undefined {
    while (this.head < this.items.length && !this.items[this.head]!.alive) this.head++;
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return this.items[this.head];
  }
}

const TIERS: readonly QuarantineTier[] = ['signed', 'junk'];

/** The source a junk record counts against: the meter or platform its topic names. */
export function topicSource(topic: string): string {
  const m = /\/(meters|platforms)\/([^/]{1,64})\/readings$/.exec(topic);
  return m === null ? '' : `${m[1] === 'meters' ? 'meter' : 'platform'}:${m[2]}`;
}

function decodeMeta(id: number, v: Uint8Array): Held {
  const a = decodeCbor(v);
  if (!Array.isArray(a) || a.length !== 5) corrupt(`bookkeeping row of ${id}`);
  const [tier, source, bytes, cls, detail] = a as CborValue[];
  if (typeof source !== 'string' || typeof bytes !== 'number' || typeof cls !== 'string') {
    corrupt(`bookkeeping row of ${id}`);
  }
  return {
    id,
    tier: tier === 1 ? 'signed' : 'junk',
    source,
    bytes,
    cls,
    detail: typeof detail === 'string' ? detail : undefined,
    alive: true,
  };
}

function encodeMeta(h: Held): Uint8Array {
  return encodeCbor([h.tier === 'signed' ? 1 : 0, h.source, h.bytes, h.cls, h.detail ?? null]);
}

/** The bounded quarantine of one node. */
export class Quarantine {
  private readonly held = new Map<number, Held>();
  private readonly fifo: Record<QuarantineTier, Fifo> = { signed: new Fifo(), junk: new Fifo() };
  private readonly bySource: Record<QuarantineTier, Map<string, Fifo & { count: number }>> = {
    signed: new Map(),
    junk: new Map(),
  };
  private readonly tierRecords: Record<QuarantineTier, number> = { signed: 0, junk: 0 };
  private readonly tierBytes: Record<QuarantineTier, number> = { signed: 0, junk: 0 };
  private readonly evictedCount: Record<QuarantineTier, number> = { signed: 0, junk: 0 };
  private readonly byCode = new Map<string, number>();

  private constructor(
    private readonly store: LevelStore,
    /** Records kept. */
    readonly capacity: number,
    /** Bytes kept. */
    readonly maxBytes: number,
    private readonly maxPayload: number,
    private readonly perSource: number,
    private nextId: number,
    held: readonly Held[],
    private readonly totals: Map<string, number>,
  ) {
    for (const h of held) this.track(h);
  }

  /** Opens the quarantine kept in `store`. */
  static async open(store: LevelStore, options: QuarantineOptions = {}): Promise<Quarantine> {
    const capacity = options.capacity ?? DEFAULT_QUARANTINE_CAPACITY;
    const maxBytes = options.maxBytes ?? DEFAULT_QUARANTINE_BYTES;
    const maxPayload = options.maxStoredPayloadBytes ?? DEFAULT_MAX_STORED_PAYLOAD;
    const perSource = options.perSourceRecords ?? DEFAULT_PER_SOURCE_RECORDS;
    for (const [name, v, min] of [
      ['capacity', capacity, 1],
      ['maxBytes', maxBytes, 1],
      ['maxStoredPayloadBytes', maxPayload, 0],
      ['perSourceRecords', perSource, 1],
    ] as const) {
      if (!Number.isSafeInteger(v) || v < min) {
        throw new RangeError(`quarantine ${name} must be an integer >= ${min}`);
      }
    }
    const next = await store.get(QUARANTINE_NEXT_KEY);
    const held = new Map<number, Held>();
    for await (const [k, v] of store.range({
      gte: QUARANTINE_META_PREFIX,
      lt: prefixSuccessor(QUARANTINE_META_PREFIX),
    })) {
      const id = readU64be(k, QUARANTINE_META_PREFIX.length);
      held.set(id, decodeMeta(id, v));
    }
    // Records of an earlier version have index rows but no bookkeeping row: read them once.
    const codeRows = quarantineCodePrefix();
    const legacy = new Set<number>();
    for await (const [k] of store.range({ gte: codeRows, lt: prefixSuccessor(codeRows) })) {
      const { next: at } = readStringPart(k, codeRows.length);
      const id = readU64be(k, at);
      if (!held.has(id)) legacy.add(id);
    }
    const ids = [...legacy];
    const values = await store.getMany(ids.map(quarantineRecordKey));
    ids.forEach((id, i) => {
      const v = values[i];
      if (v === undefined) corrupt(`record ${id} is indexed but missing`);
      const r = decodeRecord(id, v, true);
      held.set(id, {
        id,
        tier: 'junk',
        source: topicSource(r.topic),
        bytes: (r.payload?.length ?? 0) + r.message.length + r.topic.length + RECORD_OVERHEAD,
        cls: r.class,
        detail: r.code === r.class ? undefined : r.code,
        alive: true,
      });
    });
    const totals = new Map<string, number>();
    for await (const [k, v] of store.range({
      gte: REJECTION_TOTAL_PREFIX,
      lt: prefixSuccessor(REJECTION_TOTAL_PREFIX),
    })) {
      totals.set(readStringPart(k, REJECTION_TOTAL_PREFIX.length).value, readU64be(v));
    }
    const sorted = [...held.values()].sort((a, b) => a.id - b.id);
    const nextId = next === undefined ? (sorted.at(-1)?.id ?? 0) + 1 : readU64be(next);
    return new Quarantine(store, capacity, maxBytes, maxPayload, perSource, nextId, sorted, totals);
  }

  /** Records held (staged ones included). */
  get size(): number {
    return this.held.size;
  }

  /** Bytes held (staged ones included). */
  get bytes(): number {
    return this.tierBytes.signed + this.tierBytes.junk;
  }

  private sourceQueue(h: Held): Fifo & { count: number } {
    const map = this.bySource[h.tier];
    let q = map.get(h.source);
    if (q === undefined) {
      q = Object.assign(new Fifo(), { count: 0 });
      map.set(h.source, q);
    }
    return q;
  }

  private track(h: Held): void {
    this.held.set(h.id, h);
    this.fifo[h.tier].push(h);
    const q = this.sourceQueue(h);
    q.push(h);
    q.count++;
    this.tierRecords[h.tier]++;
    this.tierBytes[h.tier] += h.bytes;
    this.byCode.set(h.cls, (this.byCode.get(h.cls) ?? 0) + 1);
  }

  private evict(h: Held): StoreOp[] {
    h.alive = false;
    this.held.delete(h.id);
    const q = this.bySource[h.tier].get(h.source)!;
    if (--q.count === 0) this.bySource[h.tier].delete(h.source);
    this.tierRecords[h.tier]--;
    this.tierBytes[h.tier] -= h.bytes;
    this.evictedCount[h.tier]++;
    const left = (this.byCode.get(h.cls) ?? 1) - 1;
    if (left === 0) this.byCode.delete(h.cls);
    else this.byCode.set(h.cls, left);
    const ops: StoreOp[] = [
      { type: 'del', key: quarantineRecordKey(h.id) },
      { type: 'del', key: quarantineMetaKey(h.id) },
      { type: 'del', key: quarantineCodeKey(h.cls, h.id) },
    ];
    if (h.detail !== undefined) ops.push({ type: 'del', key: quarantineCodeKey(h.detail, h.id) });
    return ops;
  }

  private evictOldest(tier: QuarantineTier): StoreOp[] {
    const h = this.fifo[tier].oldest();
    return h === undefined ? [] : this.evict(h);
  }

  /** Evictions that make room after `h` was added (docs/formats.md "Quarantine"). */
  private makeRoom(h: Held): StoreOp[] {
    const ops: StoreOp[] = [];
    const q = this.bySource[h.tier].get(h.source)!;
    while (q.count > this.perSource) ops.push(...this.evict(q.oldest()!));
    // Junk keeps to half the records and half the bytes, and makes room only among junk.
    while (
      this.tierRecords.junk > 0 &&
      (this.tierRecords.junk > Math.max(1, Math.floor(this.capacity / 2)) ||
        this.tierBytes.junk > Math.floor(this.maxBytes / 2))
    ) {
      ops.push(...this.evictOldest('junk'));
    }
    while (this.size > this.capacity || this.bytes > this.maxBytes) {
      const tier: QuarantineTier =
        h.tier === 'signed' && this.tierRecords.junk > 0 ? 'junk' : 'signed';
      if (this.tierRecords[tier] === 0) break;
      ops.push(...this.evictOldest(tier));
    }
    return ops;
  }

  /**
   * Stages a record: assigns its id, counts it, evicts what its tier and source quotas and the
   * budgets require, and returns the operations that write all of it. Commit them in call order.
   */
  add(input: QuarantineInput): { id: number; ops: StoreOp[] } {
    const { id, ops } = this.reserve(input);
    return { id, ops: ops() };
  }

  /**
   * {@link add}, with the operations made later (call `ops` once, when the evidence is known,
   * in call order with the other records' operations). Ids, counts and eviction are staged now.
   */
  reserve(input: QuarantineInput): { id: number; ops: () => StoreOp[] } {
    const id = this.nextId++;
    const cls = input.class ?? input.code;
    const tier = input.tier ?? 'junk';
    const source = clip(input.source ?? topicSource(input.topic)).slice(0, 200);
    const message = clip(input.message);
    const topic = clip(input.topic);
    const kept = tier === 'signed' ? this.maxPayload : JUNK_PREFIX_BYTES;
    const payload = Uint8Array.from(input.payload.subarray(0, kept));
    const sha256 =
      tier === 'junk' && input.payload.length > payload.length
        ? new Uint8Array(createHash('sha256').update(input.payload).digest())
        : undefined;
    const h: Held = {
      id,
      tier,
      source,
      bytes: payload.length + message.length + topic.length + (sha256 ? 32 : 0) + RECORD_OVERHEAD,
      cls,
      detail: input.code === cls ? undefined : input.code,
      alive: true,
    };
    const total = (this.totals.get(cls) ?? 0) + 1;
    this.totals.set(cls, total);
    this.track(h);
    const next = this.nextId;
    const evictions = this.makeRoom(h);
    const ops = (): StoreOp[] => {
      const out: StoreOp[] = [
        { type: 'put', key: rejectionTotalKey(cls), value: u64be(total) },
        { type: 'put', key: QUARANTINE_NEXT_KEY, value: u64be(next) },
      ];
      // A record evicted by a later one of the same batch is never written.
      if (h.alive) {
        const record = new Map<number, CborValue>([
          [1, input.code],
          [2, message],
          [3, topic],
          [4, input.receivedAt],
          [5, input.payload.length],
          [6, payload],
        ]);
        if (input.readingIndex !== undefined) record.set(7, input.readingIndex);
        if (cls !== input.code) record.set(8, cls);
        const ev = typeof input.evidence === 'function' ? input.evidence() : input.evidence;
        if (ev !== undefined) {
          const m = new Map<number, CborValue>();
          if (ev.field !== undefined) m.set(1, clip(ev.field));
          if (ev.key !== undefined) m.set(2, ev.key);
          if (ev.collidesWith !== undefined) m.set(3, ev.collidesWith);
          if (m.size > 0) record.set(9, m);
        }
        if (sha256 !== undefined) record.set(10, sha256);
        record.set(11, tier === 'signed' ? 1 : 0);
        record.set(12, source);
        out.push(
          { type: 'put', key: quarantineRecordKey(id), value: encodeCbor(record) },
          { type: 'put', key: quarantineMetaKey(id), value: encodeMeta(h) },
          { type: 'put', key: quarantineCodeKey(cls, id), value: new Uint8Array(0) },
        );
        if (h.detail !== undefined) {
          out.push({ type: 'put', key: quarantineCodeKey(h.detail, id), value: new Uint8Array(0) });
        }
      }
      out.push(...evictions);
      return out;
    };
    return { id, ops };
  }

  /** Counts of records held and rejections ever quarantined (staged ones included). */
  counts(): QuarantineCounts {
    const sorted = (m: Map<string, number>): Record<string, number> =>
      Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)));
    const tiers = Object.fromEntries(
      TIERS.map((t) => [t, { records: this.tierRecords[t], bytes: this.tierBytes[t] }]),
    ) as Record<QuarantineTier, { records: number; bytes: number }>;
    return {
      records: this.size,
      capacity: this.capacity,
      bytes: this.bytes,
      maxBytes: this.maxBytes,
      tiers,
      evicted: { ...this.evictedCount },
      recordsByCode: sorted(this.byCode),
      rejectedByCode: sorted(this.totals),
    };
  }

  /** Committed records, newest first, optionally of one code, paginated by id. */
  async list(query: QuarantineQuery = {}): Promise<QuarantinePage> {
    const limit = query.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError('limit must be >= 1');
    const before = query.before ?? Number.MAX_SAFE_INTEGER;
    const withPayload = query.withPayload ?? false;
    const records: QuarantineRecord[] = [];
    if (query.code === undefined) {
      for await (const [k, v] of this.store.range({
        gte: QUARANTINE_RECORD_PREFIX,
        lt: quarantineRecordKey(Math.max(0, before)),
        reverse: true,
        limit: limit + 1,
      })) {
        records.push(decodeRecord(readU64be(k, QUARANTINE_RECORD_PREFIX.length), v, withPayload));
      }
    } else {
      const ids: number[] = [];
      const prefix = quarantineCodePrefix(query.code);
      for await (const [k] of this.store.range({
        gte: prefix,
        lt: quarantineCodeKey(query.code, Math.max(0, before)),
        reverse: true,
        limit: limit + 1,
      })) {
        ids.push(readU64be(k, prefix.length));
      }
      const values = await this.store.getMany(ids.map(quarantineRecordKey));
      values.forEach((v, i) => {
        if (v !== undefined) records.push(decodeRecord(ids[i]!, v, withPayload));
      });
    }
    if (records.length <= limit) return { records };
    const page = records.slice(0, limit);
    return { records: page, next: page[page.length - 1]!.id };
  }
}
