/**
 * The witness's durable record per log origin: the latest cosigned size, root and checkpoint
 * (c2sp.org/tlog-witness §add-checkpoint: "The witness MUST persist the new checkpoint before
 * responding"). Kept in a LevelDB folder of its own; every update is an fsynced batch.
 */
import { concatBytes, fromUtf8, readU64be, u64be, utf8 } from '../../src/core/bytes.ts';
import { HASH_SIZE } from '../../src/core/merkle/index.ts';
import { LevelStore } from '../../src/storage/index.ts';
import { WitnessError } from './errors.ts';

/** What the witness remembers of one log. */
export interface WitnessLogState {
  /** Size of the latest cosigned checkpoint. */
  readonly size: number;
  /** Its root hash. */
  readonly root: Uint8Array;
  /** The signed checkpoint note as received, kept as evidence. */
  readonly checkpoint: string;
}

/** Where a witness keeps its per-origin state. `put` resolves only once the state is durable. */
export interface WitnessStateStore {
  get(origin: string): Promise<WitnessLogState | undefined>;
  put(origin: string, state: WitnessLogState): Promise<void>;
  close(): Promise<void>;
}

const STATE_PREFIX = 0x57; // 'W'

function stateKey(origin: string): Uint8Array {
  return concatBytes(Uint8Array.of(STATE_PREFIX), utf8(origin));
}

/** Encodes a state record: u64be(size) ‖ root(32) ‖ UTF-8 checkpoint note. */
export function encodeWitnessState(s: WitnessLogState): Uint8Array {
  if (s.root.length !== HASH_SIZE) throw new RangeError('root must be 32 bytes');
  return concatBytes(u64be(s.size), s.root, utf8(s.checkpoint));
}

/** Decodes {@link encodeWitnessState}; throws {@link WitnessError} `STATE_CORRUPT`. */
export function decodeWitnessState(v: Uint8Array): WitnessLogState {
  try {
    if (v.length < 8 + HASH_SIZE) throw new RangeError('state record too short');
    return {
      size: readU64be(v, 0),
      root: v.slice(8, 8 + HASH_SIZE),
      checkpoint: fromUtf8(v.subarray(8 + HASH_SIZE)),
    };
  } catch (cause) {
    throw new WitnessError('STATE_CORRUPT', 'a witness state record cannot be decoded', {
      cause,
    });
  }
}

/** {@link WitnessStateStore} on LevelDB (`level`), one folder per witness. */
export class LevelWitnessStateStore implements WitnessStateStore {
  private constructor(private readonly store: LevelStore) {}

  /** Opens (creating if missing) the state database at `path`; see `LevelStore.open`. */
  static async open(path: string): Promise<LevelWitnessStateStore> {
    return new LevelWitnessStateStore(await LevelStore.open(path));
  }

  /** The state recorded for `origin`, or undefined if the witness never cosigned it. */
  async get(origin: string): Promise<WitnessLogState | undefined> {
    const v = await this.store.get(stateKey(origin));
    return v === undefined ? undefined : decodeWitnessState(v);
  }

  /** Records the state for `origin`; resolves after LevelDB fsynced the batch. */
  async put(origin: string, state: WitnessLogState): Promise<void> {
    await this.store.commit([this.store.putOp(stateKey(origin), encodeWitnessState(state))], true);
  }

  /** Closes the database. */
  async close(): Promise<void> {
    await this.store.close();
  }
}
