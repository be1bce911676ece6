/**
 * The index check of offline bundle verification (docs/bundle.md §Index; docs/index.md): with
 * the bundle's `index` section, what it leaves out is checked too, as of the index epoch. The
 * epoch entry must be in the checkpoint's tree and its map must reflect every disclosed entry;
 * then, against the epoch's map root: each reading signer's registrations and revocations are
 * exactly those the bundle carries (none left out), each requested meter's flags are read, and
 * per channel every whole UTC period of the request holds exactly the bundle's readings (none
 * left out, none hidden). Pure core.
 */
import { bytesEqual, toBase64 } from '../bytes.ts';
import { encodeLeaf, EntryKind } from '../leaf/index.ts';
import {
  decodeIndexEpoch,
  indexValue,
  meterFlagsIndexKey,
  periodBlocks,
  periodLabel,
  READINGS_KEY_SIZE,
  readingsChannelHash,
  readingsIndexKey,
  signerIndexKey,
  utcHourOf,
  type IndexEpoch,
} from '../ledger-index/index.ts';
import { verifyInclusion, type LogHasher } from '../merkle/index.ts';
import { OBIS_ACTIVE_EXPORT, OBIS_ACTIVE_IMPORT } from '../reading/index.ts';
import { openRegistryEntry } from '../registry/index.ts';
import {
  compareKeys,
  hasPrefix,
  verifyLookup,
  verifyPrefixEntries,
  type MapEntry,
  type MapHasher,
} from '../vmap/index.ts';
import { BundleError, type BundleErrorCode } from './errors.ts';
import type { ParsedIndex } from './index-section.ts';
import type { ParsedDisclosed } from './parse.ts';
import type { IndexVerdict, VerifiedReading } from './verify-types.ts';

/** What the index check reads of a verified bundle. */
export interface IndexCheckInput {
  readonly index: ParsedIndex;
  readonly cp: { readonly size: number; readonly root: Uint8Array };
  readonly request: {
    readonly meters: readonly string[];
    readonly from: number;
    readonly to: number;
  };
  readonly readings: readonly VerifiedReading[];
  readonly registry: readonly ParsedDisclosed[];
  readonly erased: readonly {
    readonly index: number;
    readonly meter?: string;
    readonly indexKeys?: readonly Uint8Array[];
  }[];
  readonly hasher: LogHasher;
  readonly mapHasher?: MapHasher;
}

function refuse(
  code: BundleErrorCode,
  message: string,
  evidence: Record<string, unknown> = {},
  cause?: unknown,
): never {
  throw new BundleError(code, message, { evidence, ...(cause === undefined ? {} : { cause }) });
}

/** A key as a map key: one UTF-16 unit per byte (a year's bundle files 35,040 readings). */
function keyId(key: Uint8Array): string {
  return String.fromCharCode.apply(null, key as unknown as number[]);
}

function epochOf(input: IndexCheckInput): IndexEpoch {
  const { index, cp, hasher } = input;
  const e = index.epoch;
  if (e.index >= cp.size) {
    refuse(
      'INDEX_EPOCH_INVALID',
      `the epoch entry ${e.index} is beyond the checkpoint (size ${cp.size})`,
      { index: e.index },
    );
  }
  const leaf = encodeLeaf(EntryKind.indexEpoch, e.salt, e.bytes, hasher);
  try {
    verifyInclusion(hasher.leafHash(leaf), e.index, cp.size, e.proof, cp.root);
  } catch (err) {
    refuse(
      'INDEX_EPOCH_INVALID',
      `the epoch entry ${e.index} is not in the checkpoint's tree`,
      { index: e.index },
      err,
    );
  }
  try {
    return decodeIndexEpoch(e.bytes);
  } catch (err) {
    refuse(
      'INDEX_EPOCH_INVALID',
      `the epoch entry ${e.index} is not an index epoch`,
      { index: e.index },
      err,
    );
  }
}

function lookup(
  root: Uint8Array,
  key: Uint8Array,
  indices: readonly number[],
  proof: Uint8Array,
  mapHasher: MapHasher | undefined,
  what: string,
): void {
  try {
    verifyLookup(
      root,
      key,
      indices.length === 0 ? undefined : indexValue(indices),
      proof,
      mapHasher,
    );
  } catch (err) {
    refuse(
      'INDEX_PROOF_MISMATCH',
      `the index does not hold what the bundle says of ${what}`,
      { what },
      err,
    );
  }
}

function checkSigners(input: IndexCheckInput, epoch: IndexEpoch): string[] {
  const sections = new Map(input.index.signers.map((s) => [s.signer, s]));
  const needed = [...new Set(input.readings.map((r) => r.signerId))].sort();
  // The registry entries the bundle carries, by signer, that the epoch's map reflects.
  const carried = new Map<string, number[]>();
  for (const e of input.registry) {
    if (e.kind !== EntryKind.keyRegistration && e.kind !== EntryKind.keyRevocation) continue;
    if (e.index >= epoch.logSize) continue;
    const r = openRegistryEntry(e.bytes);
    const signer =
      r.kind === EntryKind.keyRegistration ? r.registration.signerId : r.revocation.signerId;
    const list = carried.get(signer) ?? [];
    list.push(e.index);
    carried.set(signer, list);
  }
  for (const signer of needed) {
    const s = sections.get(signer);
    if (s === undefined) {
      refuse('INDEX_SECTION_MISSING', `the index section has no proof for signer ${signer}`, {
        signer,
      });
    }
    lookup(
      epoch.mapRoot,
      signerIndexKey(signer, input.hasher),
      s.indices,
      s.proof,
      input.mapHasher,
      `signer ${signer}`,
    );
    const have = new Set(carried.get(signer) ?? []);
    const missing = s.indices.find((i) => !have.has(i));
    if (missing !== undefined) {
      refuse(
        'INDEX_REGISTRY_INCOMPLETE',
        `entry ${missing}: the index lists this registration or revocation of signer ${signer}, which the bundle leaves out`,
        { signer, index: missing },
      );
    }
    const listed = new Set(s.indices);
    const extra = [...have].find((i) => !listed.has(i));
    if (extra !== undefined) {
      refuse(
        'INDEX_REGISTRY_INCOMPLETE',
        `entry ${extra}: a registry entry of signer ${signer} that the index does not list`,
        { signer, index: extra },
      );
    }
  }
  return needed;
}

/** A readings key of a channel and the leaf indices the bundle files under it. */
interface HourFile {
  readonly key: Uint8Array;
  readonly indices: number[];
}

/**
 * The bundle's readings of one meter (and its erased entries' keys) filed by channel and readings
 * key. Within a channel every key is the channel's hash and the hour's five bytes, so the hour as
 * a number (`year·2²⁴ + month·2¹⁶ + day·2⁸ + hour`, the bytes read big-endian) orders the keys
 * as the map does; a key is made once per hour, not once per reading.
 */
class ReadingFiles {
  private readonly byObis = new Map<string, Map<number, HourFile>>();
  /** Erased entries' keys with a channel's hash but not a readings key's length. */
  private readonly odd = new Map<string, Map<string, HourFile>>();

  constructor(
    private readonly meter: string,
    private readonly hasher: LogHasher,
  ) {}

  private channel(obis: string): Map<number, HourFile> {
    let c = this.byObis.get(obis);
    if (c === undefined) this.byObis.set(obis, (c = new Map()));
    return c;
  }

  /** Files the reading at `index` under the hour of `intervalStart` (once per reading). */
  reading(obis: string, intervalStart: number, index: number): void {
    const h = utcHourOf(intervalStart);
    const tail = h.year * 2 ** 24 + h.month * 2 ** 16 + h.day * 2 ** 8 + h.hour;
    const c = this.channel(obis);
    const f = c.get(tail);
    if (f === undefined) {
      const key = readingsIndexKey(this.meter, obis, h, this.hasher);
      c.set(tail, { key, indices: [index] });
    } else if (f.indices[f.indices.length - 1] !== index) {
      f.indices.push(index);
    }
  }

  /** Files an erased entry's recorded `key` if it is one of `obis`'s readings keys. */
  erased(obis: string, key: Uint8Array, index: number): void {
    const head = readingsChannelHash(this.meter, obis, this.hasher);
    if (key.length < head.length || !bytesEqual(key.subarray(0, head.length), head)) return;
    if (key.length === READINGS_KEY_SIZE) {
      const n =
        (key[32]! * 2 ** 8 + key[33]!) * 2 ** 24 +
        key[34]! * 2 ** 16 +
        key[35]! * 2 ** 8 +
        key[36]!;
      const c = this.channel(obis);
      const f = c.get(n);
      if (f === undefined) c.set(n, { key, indices: [index] });
      else f.indices.push(index);
      return;
    }
    let o = this.odd.get(obis);
    if (o === undefined) this.odd.set(obis, (o = new Map()));
    const id = keyId(key);
    const f = o.get(id);
    if (f === undefined) o.set(id, { key, indices: [index] });
    else f.indices.push(index);
  }

  /** The files of `obis` in key order. */
  sorted(obis: string): HourFile[] {
    const c = this.byObis.get(obis);
    const hours = c === undefined ? [] : [...c.keys()].sort((a, b) => a - b).map((t) => c.get(t)!);
    const odd = this.odd.get(obis);
    if (odd === undefined) return hours;
    return [...hours, ...odd.values()].sort((a, b) => compareKeys(a.key, b.key));
  }
}

/** Files the bundle's readings of `meter`, adding their channels to `channels`. */
function fileReadings(input: IndexCheckInput, meter: string, channels: Set<string>): ReadingFiles {
  const files = new ReadingFiles(meter, input.hasher);
  for (const r of input.readings) {
    if (r.meterId !== meter) continue;
    for (const ch of r.channels) {
      channels.add(ch.obis);
      files.reading(ch.obis, ch.intervalStart, r.index);
    }
  }
  for (const e of input.erased) {
    if (e.meter !== meter) continue;
    for (const key of e.indexKeys ?? []) {
      for (const obis of channels) files.erased(obis, key, e.index);
    }
  }
  return files;
}

function checkMeters(
  input: IndexCheckInput,
  epoch: IndexEpoch,
): Pick<IndexVerdict, 'flagged' | 'complete'> {
  const { request, hasher } = input;
  const sections = new Map(input.index.meters.map((m) => [m.meter, m]));
  const blocks = periodBlocks(request.from, request.to);
  const labels = blocks.map(periodLabel);
  const flagged: { meter: string; indices: readonly number[] }[] = [];
  const complete: { meter: string; obis: string; periods: string[] }[] = [];
  for (const meter of request.meters) {
    const m = sections.get(meter);
    if (m === undefined)
      refuse('INDEX_SECTION_MISSING', `the index section has no proofs for meter ${meter}`, {
        meter,
      });
    lookup(
      epoch.mapRoot,
      meterFlagsIndexKey(meter, hasher),
      m.flags.indices,
      m.flags.proof,
      input.mapHasher,
      `the flags of meter ${meter}`,
    );
    if (m.flags.indices.length > 0) flagged.push({ meter, indices: m.flags.indices });
    const channels = new Set([OBIS_ACTIVE_IMPORT, OBIS_ACTIVE_EXPORT]);
    const files = fileReadings(input, meter, channels);
    const byObis = new Map(m.channels.map((c) => [c.obis, c]));
    for (const obis of [...channels].sort()) {
      const c = byObis.get(obis);
      if (c === undefined || c.blocks.map((b) => b.period).join(',') !== labels.join(',')) {
        refuse(
          'INDEX_SECTION_MISSING',
          `the index section does not prove ${obis} of meter ${meter} for the periods ${labels.join(', ') || '(none)'}`,
          { meter, obis },
        );
      }
      const filed = files.sorted(obis);
      let at = 0;
      blocks.forEach((block, k) => {
        const prefix = readingsIndexKey(meter, obis, block, hasher);
        // The channel's keys are in key order and the blocks in time order: the keys with a
        // prefix are one run (padded bits: the run may begin below the prefix itself, as a key
        // of hour 0 under a day's prefix does), after the keys below it without it.
        while (
          at < filed.length &&
          !hasPrefix(filed[at]!.key, prefix) &&
          compareKeys(filed[at]!.key, prefix) < 0
        )
          at++;
        const entries: MapEntry[] = [];
        for (; at < filed.length && hasPrefix(filed[at]!.key, prefix); at++) {
          const f = filed[at]!;
          f.indices.sort((a, b) => a - b);
          entries.push({ key: f.key, value: indexValue(f.indices, hasher) });
        }
        try {
          verifyPrefixEntries(epoch.mapRoot, prefix, entries, c.blocks[k]!.proof, input.mapHasher);
        } catch (err) {
          refuse(
            'INDEX_READINGS_INCOMPLETE',
            `the index holds other readings of ${obis} of meter ${meter} in ${labels[k]} than the bundle: a reading left out, or one more`,
            { meter, obis, period: labels[k] },
            err,
          );
        }
      });
      complete.push({ meter, obis, periods: labels });
    }
  }
  return { flagged, complete };
}

/** Checks the bundle's `index` section; throws {@link BundleError} with an `INDEX_*` code. */
export function checkIndex(input: IndexCheckInput): IndexVerdict {
  const epoch = epochOf(input);
  const beyond =
    input.readings.find((r) => r.index >= epoch.logSize)?.index ??
    input.erased.find((e) => e.index >= epoch.logSize)?.index;
  if (beyond !== undefined) {
    refuse(
      'INDEX_EPOCH_BEHIND',
      `entry ${beyond}: the index epoch ${epoch.epoch} reflects the log below size ${epoch.logSize} only`,
      { index: beyond, logSize: epoch.logSize },
    );
  }
  const signers = checkSigners(input, epoch);
  const meters = checkMeters(input, epoch);
  return {
    epoch: epoch.epoch,
    logSize: epoch.logSize,
    mapRoot: toBase64(epoch.mapRoot),
    entry: input.index.epoch.index,
    signers,
    ...meters,
  };
}
