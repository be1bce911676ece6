/**
 * The `index` section of a bundle (docs/bundle.md §Index): the latest index epoch's entry with
 * its inclusion proof at the bundle's checkpoint, and the map proofs of each reading signer,
 * each requested meter's flags and, per channel, each whole UTC period block of the request.
 * Left out (the bundle then proves no absence) when the node keeps no index, when no epoch is
 * in the checkpoint's tree, or when the latest epoch does not yet reflect every disclosed entry.
 */
import { toBase64 } from '../core/bytes.ts';
import type { BundleIndexJson } from '../core/bundle/index.ts';
import {
  meterFlagsIndexKey,
  periodBlocks,
  periodLabel,
  readingsIndexKey,
  signerIndexKey,
} from '../core/ledger-index/index.ts';
import { OBIS_ACTIVE_EXPORT, OBIS_ACTIVE_IMPORT } from '../core/reading/index.ts';
import { bytesEqual } from '../core/bytes.ts';
import type { Ledger } from '../ledger/index.ts';
import type { MerkleLog } from '../log/index.ts';

/** What the section is made from: the node's verifiable index (`LedgerIndexer`). */
export interface BundleIndexSource {
  readonly latest:
    | {
        readonly epoch: number;
        readonly logSize: number;
        readonly mapRoot: Uint8Array;
        readonly index: number;
      }
    | undefined;
  readonly map: {
    readonly root: Uint8Array;
    proveLookup(key: Uint8Array): { readonly proof: Uint8Array };
    provePrefix(prefix: Uint8Array): { readonly proof: Uint8Array };
  };
  /** The leaf indices filed under a signer or meter-flags key below `below`. */
  indicesOf(key: Uint8Array, below: number): number[];
  settled(): Promise<void>;
}

/** What the bundle holds that the section must cover. */
export interface IndexSectionRequest {
  readonly meters: readonly string[];
  readonly from: number;
  readonly to: number;
  /** Checkpoint size of the bundle. */
  readonly size: number;
  /** The highest leaf index the bundle discloses (−1 for none). */
  readonly highest: number;
  /** Signers of the bundle's readings. */
  readonly signers: ReadonlySet<string>;
  /** Per meter, the OBIS codes of its readings in the bundle. */
  readonly channels: ReadonlyMap<string, ReadonlySet<string>>;
}

/** The section, or undefined when it cannot be made at this checkpoint (see the module comment). */
export async function indexSection(
  source: BundleIndexSource,
  ledger: Pick<Ledger, 'record'>,
  log: Pick<MerkleLog, 'inclusionProof'>,
  r: IndexSectionRequest,
): Promise<BundleIndexJson | undefined> {
  await source.settled();
  const latest = source.latest;
  if (latest === undefined || latest.index >= r.size || latest.logSize <= r.highest)
    return undefined;
  // Every map proof below is computed in this one synchronous stretch, so they are all of the
  // map at `latest` (a cut changes it only after an await).
  if (!bytesEqual(source.map.root, latest.mapRoot)) return undefined;
  const signers = [...r.signers].sort().map((signer) => {
    const key = signerIndexKey(signer);
    return {
      signer,
      indices: source.indicesOf(key, latest.logSize),
      proof: toBase64(source.map.proveLookup(key).proof),
    };
  });
  const blocks = periodBlocks(r.from, r.to);
  const meters = r.meters.map((meter) => {
    const flagsKey = meterFlagsIndexKey(meter);
    const channels = new Set([
      OBIS_ACTIVE_IMPORT,
      OBIS_ACTIVE_EXPORT,
      ...(r.channels.get(meter) ?? []),
    ]);
    return {
      meter,
      flags: {
        indices: source.indicesOf(flagsKey, latest.logSize),
        proof: toBase64(source.map.proveLookup(flagsKey).proof),
      },
      channels: [...channels].sort().map((obis) => ({
        obis,
        blocks: blocks.map((b) => ({
          period: periodLabel(b),
          proof: toBase64(source.map.provePrefix(readingsIndexKey(meter, obis, b)).proof),
        })),
      })),
    };
  });
  const record = await ledger.record(latest.index);
  if (record === undefined || record.erased) return undefined;
  const proof = await log.inclusionProof(latest.index, r.size);
  return {
    epoch: {
      index: latest.index,
      salt: toBase64(record.salt),
      bytes: toBase64(record.bytes),
      proof: proof.map(toBase64),
    },
    signers,
    meters,
  };
}
