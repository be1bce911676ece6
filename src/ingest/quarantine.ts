/**
 * The quarantine (docs/formats.md, "Checks and quarantine"): a bounded LevelDB store of
 * refused messages and readings, with their reason, topic, time and (up to 64 KiB of) their
 * raw bytes, for the operator to inspect. Records are numbered in order; when more than
 * `capacity` are held, the oldest are deleted by the same batch that adds new ones. Per-code
 * counters of every rejection ever quarantined are kept beside them.
 *
 * Adding a record stages it in memory (ids, counts, eviction) and returns the store operations
 * that write it; the caller commits them in call order. Listing reads LevelDB, so it shows
 * committed records only.
 */
import { readU64be, u64be } from '../core/bytes.ts';
import { decodeCbor, encodeCbor, type CborValue } from '../core/cbor/index.ts';
import { StorageError } from '../storage/errors.ts';
import type { LevelStore, StoreOp } from '../storage/level-store.ts';
import {
  prefixSuccessor,
  QUARANTINE_NEXT_KEY,
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
/** Default number of payload bytes kept per record. */
export const DEFAULT_MAX_STORED_PAYLOAD = 64 * 1024;
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
  /** The first (at most 64 KiB) of them; absent when listed without payloads. */
  readonly payload?: Uint8Array;
  readonly readingIndex?: number;
}

/** Options of {@link Quarantine.open}. */
export interface QuarantineOptions {
  /** Records kept (default 100,000). */
  readonly capacity?: number;
  /** Payload bytes kept per record (default 65,536). */
  readonly maxStoredPayloadBytes?: number;
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
    ...(typeof readingIndex === 'number' ? { readingIndex } : {}),
  };
}

/** The bounded quarantine of one node. */
export class Quarantine {
  /**
   * Class of the live records, oldest first; `ids[i]` = `firstId + i`. `details` holds the
   * precise code of those whose code differs from the class (for their second index row).
   */
  private readonly codes: string[];
  private head = 0;
  private readonly byCode = new Map<string, number>();

  private constructor(
    private readonly store: LevelStore,
    /** Records kept. */
    readonly capacity: number,
    private readonly maxPayload: number,
    private nextId: number,
    private firstId: number,
    codes: string[],
    private readonly totals: Map<string, number>,
    private readonly details: Map<number, string>,
  ) {
    this.codes = codes;
    for (const c of codes) this.byCode.set(c, (this.byCode.get(c) ?? 0) + 1);
  }

  /** Opens the quarantine kept in `store`. */
  static async open(store: LevelStore, options: QuarantineOptions = {}): Promise<Quarantine> {
    const capacity = options.capacity ?? DEFAULT_QUARANTINE_CAPACITY;
    const maxPayload = options.maxStoredPayloadBytes ?? DEFAULT_MAX_STORED_PAYLOAD;
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError('quarantine capacity must be >= 1');
    }
    if (!Number.isSafeInteger(maxPayload) || maxPayload < 0) {
      throw new RangeError('maxStoredPayloadBytes must be >= 0');
    }
    const next = await store.get(QUARANTINE_NEXT_KEY);
    const byId = new Map<number, string[]>();
    const codeRows = quarantineCodePrefix();
    for await (const [k] of store.range({ gte: codeRows, lt: prefixSuccessor(codeRows) })) {
      const { value, next: at } = readStringPart(k, codeRows.length);
      const id = readU64be(k, at);
      const list = byId.get(id);
      if (list === undefined) byId.set(id, [value]);
      else list.push(value);
    }
    // A record indexed under its class and its precise code: the record says which is which.
    const rows: { id: number; code: string }[] = [];
    const details = new Map<number, string>();
    const twice = [...byId].filter(([, codes]) => codes.length > 1).map(([id]) => id);
    const values = await store.getMany(twice.map(quarantineRecordKey));
    const classOf = new Map<number, string>();
    twice.forEach((id, i) => {
      const v = values[i];
      if (v === undefined) corrupt(`record ${id} is indexed but missing`);
      classOf.set(id, decodeRecord(id, v, false).class);
    });
    for (const [id, codes] of byId) {
      const cls = classOf.get(id) ?? codes[0]!;
      rows.push({ id, code: cls });
      const detail = codes.find((c) => c !== cls);
      if (detail !== undefined) details.set(id, detail);
    }
    rows.sort((a, b) => a.id - b.id);
    for (let i = 1; i < rows.length; i++) {
      if (rows[i]!.id !== rows[i - 1]!.id + 1) corrupt('record ids are not contiguous');
    }
    const totals = new Map<string, number>();
    for await (const [k, v] of store.range({
      gte: REJECTION_TOTAL_PREFIX,
      lt: prefixSuccessor(REJECTION_TOTAL_PREFIX),
    })) {
      totals.set(readStringPart(k, REJECTION_TOTAL_PREFIX.length).value, readU64be(v));
    }
    const nextId = next === undefined ? (rows.at(-1)?.id ?? 0) + 1 : readU64be(next);
    const firstId = rows[0]?.id ?? nextId;
    return new Quarantine(
      store,
      capacity,
      maxPayload,
      nextId,
      firstId,
      rows.map((r) => r.code),
      totals,
      details,
    );
  }

  /** Records held (staged ones included). */
  get size(): number {
    return this.codes.length - this.head;
  }

  /**
   * Stages a record: assigns its id, counts it, evicts the oldest records beyond capacity, and
   * returns the operations that write all of it. Commit them in call order.
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
    const total = (this.totals.get(cls) ?? 0) + 1;
    this.totals.set(cls, total);
    this.codes.push(cls);
    if (input.code !== cls) this.details.set(id, input.code);
    this.byCode.set(cls, (this.byCode.get(cls) ?? 0) + 1);
    const next = this.nextId;
    const evictions: StoreOp[] = [];
    while (this.size > this.capacity) evictions.push(...this.evictOldest());
    const ops = (): StoreOp[] => {
      const payload = input.payload.subarray(0, this.maxPayload);
      const record = new Map<number, CborValue>([
        [1, input.code],
        [2, clip(input.message)],
        [3, clip(input.topic)],
        [4, input.receivedAt],
        [5, input.payload.length],
        [6, Uint8Array.from(payload)],
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
      const out: StoreOp[] = [
        { type: 'put', key: quarantineRecordKey(id), value: encodeCbor(record) },
        { type: 'put', key: quarantineCodeKey(cls, id), value: new Uint8Array(0) },
      ];
      if (cls !== input.code) {
        out.push({ type: 'put', key: quarantineCodeKey(input.code, id), value: new Uint8Array(0) });
      }
      out.push(
        { type: 'put', key: rejectionTotalKey(cls), value: u64be(total) },
        { type: 'put', key: QUARANTINE_NEXT_KEY, value: u64be(next) },
        ...evictions,
      );
      return out;
    };
    return { id, ops };
  }

  private evictOldest(): StoreOp[] {
    const id = this.firstId++;
    const code = this.codes[this.head]!;
    this.head++;
    const left = (this.byCode.get(code) ?? 1) - 1;
    if (left === 0) this.byCode.delete(code);
    else this.byCode.set(code, left);
    if (this.head > 4096 && this.head * 2 > this.codes.length) {
      this.codes.splice(0, this.head);
      this.head = 0;
    }
    const ops: StoreOp[] = [
      { type: 'del', key: quarantineRecordKey(id) },
      { type: 'del', key: quarantineCodeKey(code, id) },
    ];
    const detail = this.details.get(id);
    if (detail !== undefined) {
      this.details.delete(id);
      ops.push({ type: 'del', key: quarantineCodeKey(detail, id) });
    }
    return ops;
  }

  /** Counts of records held and rejections ever quarantined (staged ones included). */
  counts(): QuarantineCounts {
    return {
      records: this.size,
      capacity: this.capacity,
      recordsByCode: Object.fromEntries([...this.byCode].sort(([a], [b]) => (a < b ? -1 : 1))),
      rejectedByCode: Object.fromEntries([...this.totals].sort(([a], [b]) => (a < b ? -1 : 1))),
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
