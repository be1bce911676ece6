/**
 * Which index keys a log entry is filed under (docs/index.md §What the ledger indexes): the
 * index's map function, the same for the node that builds the map, the auditor who rebuilds it
 * from the log, and the verifier who checks a bundle against it. It takes what an entry says
 * (its signer, its meter and channels), decoded by the caller from the entry bytes.
 */
import { toHex } from '../bytes.ts';
import { nobleHasher, type LogHasher } from '../merkle/index.ts';
import { LedgerIndexError } from './errors.ts';
import { meterFlagsIndexKey, readingsIndexKey, signerIndexKey, utcHourOf } from './keys.ts';
import { emptyIndexValue, nextIndexValue } from './values.ts';

/** One channel of a reading: its register and where its interval starts. */
export interface IndexedChannel {
  readonly obis: string;
  /** Interval start, Unix seconds. */
  readonly intervalStart: number;
}

/** What the index needs to know of a log entry, decoded from its bytes. */
export type IndexFacts =
  | {
      /** A key registration or revocation. */
      readonly type: 'registry';
      readonly signerId: string;
    }
  | {
      /** A reading, filed under each channel's UTC hour of interval start. */
      readonly type: 'reading';
      readonly meterId: string;
      readonly channels: readonly IndexedChannel[];
    }
  | {
      /** A flag raised on a meter (equivocation evidence). */
      readonly type: 'meter-flag';
      readonly meterId: string;
    };

/** A log entry's facts and its leaf index. */
export type IndexedEntry = IndexFacts & { readonly index: number };

/** The distinct keys `entry` is filed under (a reading with two channels in one hour: two). */
export function indexKeysOf(entry: IndexFacts, hasher: LogHasher = nobleHasher): Uint8Array[] {
  switch (entry.type) {
    case 'registry':
      return [signerIndexKey(entry.signerId, hasher)];
    case 'meter-flag':
      return [meterFlagsIndexKey(entry.meterId, hasher)];
    case 'reading': {
      if (entry.channels.length === 1) {
        const ch = entry.channels[0]!;
        return [readingsIndexKey(entry.meterId, ch.obis, utcHourOf(ch.intervalStart), hasher)];
      }
      const keys = new Map<string, Uint8Array>();
      for (const ch of entry.channels) {
        const key = readingsIndexKey(entry.meterId, ch.obis, utcHourOf(ch.intervalStart), hasher);
        keys.set(toHex(key), key);
      }
      return [...keys.values()];
    }
  }
}

/** A key as a map key: one UTF-16 unit per byte (cheaper than hex for every reading). */
function keyId(key: Uint8Array): string {
  return String.fromCharCode.apply(null, key as unknown as number[]);
}

/** A key and its current value, for one map update. */
export interface IndexedKey {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/**
 * The index's changes between map updates: entries are filed in increasing index order (as the
 * log holds them), each key's value extended by one link (values.ts) from its pending value or,
 * for a key not changed since the last update, from the value `committed` gives (the map's).
 * {@link takeChanged} hands the changed keys over for one map update, so only an epoch's changes
 * are held here; until {@link applied} says the map holds them (an update may take a while),
 * they still give the values that later entries extend.
 */
export class IndexAccumulator {
  private pending = new Map<string, { key: Uint8Array; value: Uint8Array }>();
  /** The keys last taken, while the map is being updated with them. */
  private applying: ReadonlyMap<string, { key: Uint8Array; value: Uint8Array }> = new Map();
  private last = -1;

  constructor(
    private readonly hasher: LogHasher = nobleHasher,
    private readonly committed: (key: Uint8Array) => Uint8Array | undefined = () => undefined,
  ) {}

  /** Number of keys changed since the last {@link takeChanged}. */
  get size(): number {
    return this.pending.size;
  }

  /** The index of the last entry filed, or −1. */
  get lastIndex(): number {
    return this.last;
  }

  /** Files `entry` under its keys ({@link indexKeysOf}). */
  add(entry: IndexedEntry): void {
    this.addKeys(entry.index, indexKeysOf(entry, this.hasher));
  }

  /** Files the entry at leaf `index` under `keys` (an erased entry's recorded keys). */
  addKeys(index: number, keys: readonly Uint8Array[]): void {
    if (!Number.isSafeInteger(index) || index <= this.last) {
      throw new LedgerIndexError(
        'INVALID_INDICES',
        `entry ${index} added after entry ${this.last} (log order is required)`,
        { evidence: { index, previous: this.last } },
      );
    }
    for (const key of keys) {
      const id = keyId(key);
      const held = this.pending.get(id);
      const previous =
        held?.value ??
        this.applying.get(id)?.value ??
        this.committed(key) ??
        emptyIndexValue(this.hasher);
      const value = nextIndexValue(previous, index, this.hasher);
      if (held === undefined) this.pending.set(id, { key, value });
      else held.value = value;
    }
    this.last = index;
  }

  /** The value of `key` with the entries filed so far, or undefined when none is filed under it. */
  valueOf(key: Uint8Array): Uint8Array | undefined {
    const id = keyId(key);
    return this.pending.get(id)?.value ?? this.applying.get(id)?.value ?? this.committed(key);
  }

  /**
   * The keys changed since the last call, with their values (in no particular order). They are
   * consulted as the latest values until {@link applied} or the next call.
   */
  takeChanged(): IndexedKey[] {
    this.applying = this.pending;
    this.pending = new Map();
    return [...this.applying.values()].map((h) => ({ key: h.key, value: h.value }));
  }

  /** The map now holds the keys last taken: `committed` gives their values. */
  applied(): void {
    this.applying = new Map();
  }
}
