/**
 * The meter flag entry (docs/index.md §Meter flags): when a meter signs two different readings
 * for one sequence number (equivocation, DESIGN.md decision 7), the node refuses the second
 * and appends this entry to its log, so that the flag is part of the witnessed history and
 * the index files it under the meter. It carries its own evidence: the second signed reading
 * exactly as received, and the leaf index of the first. Entry bytes: a deterministic CBOR map
 * (RFC 8949 §4.2.1):
 *
 * | key | field | type |
 * |---|---|---|
 * | 1 | format version, 1 | uint |
 * | 2 | flag, `"equivocation"` | tstr |
 * | 3 | meter id | tstr |
 * | 4 | sequence scope (`""` for native readings, the OCMF pagination letter otherwise) | tstr |
 * | 5 | sequence | uint |
 * | 6 | leaf index of the reading already in the log for that sequence | uint |
 * | 7 | the conflicting signed reading, exact bytes | bstr |
 * | 8 | entry kind of the conflicting reading (`0x01` COSE_Sign1, `0x02` OCMF) | uint |
 * | 9 | the node's quarantine record id of the conflicting reading | uint |
 */
import { encodeCbor, type CborValue } from '../cbor/index.ts';
import { decodeEntryMap } from './entry-map.ts';
import { isValidMeterId } from '../reading/index.ts';
import { LedgerIndexError } from './errors.ts';

/** Format version of {@link MeterFlag} entries. */
export const METER_FLAG_VERSION = 1;

/** The flags a meter can carry. */
export const METER_FLAGS = ['equivocation'] as const;
/** One of {@link METER_FLAGS}. */
export type MeterFlagKind = (typeof METER_FLAGS)[number];

/** What a meter flag entry says. */
export interface MeterFlag {
  readonly flag: MeterFlagKind;
  readonly meterId: string;
  readonly scope: string;
  readonly sequence: number;
  /** Leaf index of the reading already in the log. */
  readonly firstIndex: number;
  /** The conflicting signed reading, exactly as received. */
  readonly conflicting: Uint8Array;
  /** Its entry kind, unchained (`0x01` or `0x02`). */
  readonly conflictingKind: number;
  readonly quarantineId: number;
}

const K = {
  version: 1,
  flag: 2,
  meterId: 3,
  scope: 4,
  sequence: 5,
  firstIndex: 6,
  conflicting: 7,
  conflictingKind: 8,
  quarantineId: 9,
} as const;

function malformed(why: string, evidence: Record<string, unknown> = {}, cause?: unknown): never {
  throw new LedgerIndexError('MALFORMED_FLAG', `meter flag entry: ${why}`, {
    evidence,
    ...(cause === undefined ? {} : { cause }),
  });
}

function uint(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    malformed(`${field} is not an unsigned integer`, { field });
  }
  return v;
}

function check(f: MeterFlag): void {
  if (!METER_FLAGS.includes(f.flag)) malformed(`unknown flag ${String(f.flag)}`, { field: 'flag' });
  if (!isValidMeterId(f.meterId))
    malformed('meterId is not a valid meter id', { field: 'meterId' });
  if (typeof f.scope !== 'string' || f.scope.length > 8) {
    malformed('scope is not a short text', { field: 'scope' });
  }
  uint('sequence', f.sequence);
  uint('firstIndex', f.firstIndex);
  uint('quarantineId', f.quarantineId);
  if (f.conflictingKind !== 0x01 && f.conflictingKind !== 0x02) {
    malformed('conflictingKind is not 0x01 or 0x02', { field: 'conflictingKind' });
  }
  if (!(f.conflicting instanceof Uint8Array) || f.conflicting.length === 0) {
    malformed('conflicting is not a byte string', { field: 'conflicting' });
  }
}

/** The entry bytes of `f`. */
export function encodeMeterFlag(f: MeterFlag): Uint8Array {
  check(f);
  return encodeCbor(
    new Map<number, CborValue>([
      [K.version, METER_FLAG_VERSION],
      [K.flag, f.flag],
      [K.meterId, f.meterId],
      [K.scope, f.scope],
      [K.sequence, f.sequence],
      [K.firstIndex, f.firstIndex],
      [K.conflicting, f.conflicting],
      [K.conflictingKind, f.conflictingKind],
      [K.quarantineId, f.quarantineId],
    ]),
  );
}

/** Decodes meter flag entry bytes; throws {@link LedgerIndexError} `MALFORMED_FLAG` only. */
export function decodeMeterFlag(bytes: Uint8Array): MeterFlag {
  const v = decodeEntryMap(bytes, Object.values(K), METER_FLAG_VERSION, malformed);
  const conflicting = v.get(K.conflicting);
  const f = {
    flag: v.get(K.flag) as MeterFlagKind,
    meterId: v.get(K.meterId) as string,
    scope: v.get(K.scope) as string,
    sequence: v.get(K.sequence) as number,
    firstIndex: v.get(K.firstIndex) as number,
    conflicting: conflicting instanceof Uint8Array ? conflicting.slice() : (conflicting as never),
    conflictingKind: v.get(K.conflictingKind) as number,
    quarantineId: v.get(K.quarantineId) as number,
  };
  check(f);
  return f;
}
