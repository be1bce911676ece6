/**
 * The node's verifiable index over a real ledger: entries filed under their keys, epochs cut
 * by entries and by time and appended to the log, the map rebuilt on open to the same roots
 * (erased entries included), and an epoch that disagrees with the entries refused.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.ts';
import { isWattproofError } from '../../src/core/errors.ts';
import { EntryKind } from '../../src/core/leaf/index.ts';
import {
  decodeIndexEpoch,
  encodeIndexEpoch,
  encodeMeterFlag,
  indexValue,
  meterFlagsIndexKey,
  readingsIndexKey,
  signerIndexKey,
  utcHourOf,
} from '../../src/core/ledger-index/index.ts';
import { signReading } from '../../src/core/reading/index.ts';
import { signKeyRegistration } from '../../src/core/registry/index.ts';
import { verifyLookup } from '../../src/core/vmap/index.ts';
import { LedgerIndexer } from '../../src/indexer/index.ts';
import { Ledger, type LedgerItem } from '../../src/ledger/index.ts';
import { loadOrCreateLogKey } from '../../src/log/log-key.ts';
import { MerkleLog } from '../../src/log/merkle-log.ts';
import { nodeHasher } from '../../src/node-fast/index.ts';
import { LevelStore } from '../../src/storage/level-store.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

const ORIGIN = 'wattproof.test/indexer';
const T0 = 1_790_000_000 - (1_790_000_000 % 3600);
const deviceKey = ed25519.utils.randomSecretKey();
const operatorKey = ed25519.utils.randomSecretKey();
const operator = {
  name: 'operator.test',
  keyId: 0x01020304,
  sign: (m: Uint8Array) => ed25519.sign(m, operatorKey),
};

function reading(meterId: string, sequence: number, start: number): LedgerItem {
  const bytes = signReading(
    {
      meterId,
      sequence,
      intervalStart: start,
      intervalEnd: start + 900,
      obis: '1-0:1.8.0',
      registerWh: 1000 + sequence,
      energyWh: 1,
      quality: 0,
    },
    { alg: -8, kid: new Uint8Array([1, 2, 3, 4]), issuer: meterId, privateKey: deviceKey },
  );
  return {
    kind: EntryKind.readingCose,
    bytes,
    meta: { meterId, receivedAt: 1, intervalStart: start, intervalEnd: start + 900 },
  };
}

function registration(signerId: string): LedgerItem {
  const bytes = signKeyRegistration(
    {
      signerId,
      mode: 'device',
      keyType: 'Ed25519',
      publicKey: ed25519.getPublicKey(deviceKey),
      meters: [signerId],
      ratedCapacityW: 10_000,
      issuedAt: T0,
    },
    operator,
  );
  return { kind: EntryKind.keyRegistration, bytes, meta: { receivedAt: 1 } };
}

function codeOf(e: unknown): string {
  return isWattproofError(e) ? e.code : `not typed: ${String(e)}`;
}

describe('the ledger indexer', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let store: LevelStore;
  let log: MerkleLog;
  let ledger: Ledger;
  let indexer: LedgerIndexer | undefined;

  const open = async (options: { epochEntries?: number; epochSeconds?: number } = {}) => {
    store = await LevelStore.open(`${tmp.path}/db`);
    const key = await loadOrCreateLogKey(`${tmp.path}/log.key`, ORIGIN);
    log = await MerkleLog.open({ store, origin: ORIGIN, signer: key.signer, vkey: key.vkey });
    ledger = await Ledger.open(log, store);
    indexer = await LedgerIndexer.open(ledger, {
      hasher: nodeHasher,
      epochSeconds: options.epochSeconds ?? 3600,
      epochEntries: options.epochEntries ?? 1_000_000,
    });
  };
  const close = async () => {
    indexer?.close();
    await log.close();
    await store.close();
  };

  beforeEach(async () => {
    tmp = await tempDir();
  });
  afterEach(async () => {
    await close().catch(() => undefined);
    await tmp.remove();
  });

  it('files readings, registrations and flags and commits the map root in an epoch entry', async () => {
    await open();
    await ledger.append([registration('m1'), reading('m1', 1, T0), reading('m1', 2, T0 + 900)]);
    await ledger.append([
      reading('m2', 1, T0 + 3600),
      {
        kind: EntryKind.meterFlag,
        bytes: encodeMeterFlag({
          flag: 'equivocation',
          meterId: 'm1',
          scope: '',
          sequence: 2,
          firstIndex: 2,
          conflicting: new Uint8Array([0xd2, 1, 2]),
          conflictingKind: 1,
          quarantineId: 7,
        }),
        meta: { receivedAt: 1 },
      },
    ]);
    const epoch = (await indexer!.cut())!;
    expect(epoch).toMatchObject({ epoch: 1, logSize: 5, index: 5 });
    const stored = await ledger.record(5);
    expect(stored?.erased === false && stored.kind).toBe(EntryKind.indexEpoch);
    expect(stored?.erased === false && decodeIndexEpoch(stored.bytes).mapRoot).toEqual(
      epoch.mapRoot,
    );
    const expect1 = (key: Uint8Array, indices: number[]) => {
      const answer = indexer!.map.proveLookup(key);
      expect(answer.value && toHex(answer.value)).toBe(toHex(indexValue(indices)));
      expect(verifyLookup(epoch.mapRoot, key, answer.value, answer.proof).value).toEqual(
        answer.value,
      );
    };
    expect1(signerIndexKey('m1'), [0]);
    expect1(readingsIndexKey('m1', '1-0:1.8.0', utcHourOf(T0)), [1, 2]);
    expect1(readingsIndexKey('m2', '1-0:1.8.0', utcHourOf(T0 + 3600)), [3]);
    expect1(meterFlagsIndexKey('m1'), [4]);
    const absent = indexer!.map.proveLookup(meterFlagsIndexKey('m2'));
    expect(absent.value).toBeUndefined();
    expect(
      verifyLookup(epoch.mapRoot, meterFlagsIndexKey('m2'), undefined, absent.proof).value,
    ).toBeUndefined();
    // Nothing filed since: no new epoch, and the epoch entry itself files nothing.
    expect(await indexer!.cut()).toEqual(epoch);
    expect(indexer!.status()).toMatchObject({ pending: 0, indexedSize: 6, failed: false });
  });

  it('cuts an epoch once enough entries are filed, and by time', async () => {
    await open({ epochEntries: 3 });
    await ledger.append([reading('m1', 1, T0), reading('m1', 2, T0 + 900)]);
    expect(indexer!.latest).toBeUndefined();
    await ledger.append([reading('m1', 3, T0 + 1800)]);
    await until(() => indexer!.latest !== undefined);
    expect(indexer!.latest).toMatchObject({ epoch: 1, logSize: 3 });
    await close();
    await open({ epochSeconds: 0.05 });
    await ledger.append([reading('m1', 4, T0 + 2700)]);
    await until(() => indexer!.latest?.epoch === 2);
    expect(indexer!.latest).toMatchObject({ epoch: 2, logSize: 5 });
  });

  it('rebuilds on open to the same epochs and roots, erased entries included', async () => {
    await open();
    await ledger.append([registration('m1'), reading('m1', 1, T0), reading('m1', 2, T0 + 3600)]);
    const first = (await indexer!.cut())!;
    await ledger.append([reading('m1', 3, T0 + 7200)]);
    const erased = await ledger.erase({
      meterId: 'm1',
      from: T0,
      to: T0 + 3600,
      requestedBy: { tokenId: '00', label: 'dpo' },
    });
    expect(erased.erased).toBe(1);
    const second = (await indexer!.cut())!;
    const rootBefore = toHex(indexer!.map.root);
    await close();
    await open();
    expect(indexer!.latest).toEqual(second);
    expect(toHex(indexer!.map.root)).toBe(rootBefore);
    expect(toHex(indexer!.map.get(readingsIndexKey('m1', '1-0:1.8.0', utcHourOf(T0)))!)).toBe(
      toHex(indexValue([1])),
    );
    expect(first.epoch).toBe(1);
    // Filed after the last epoch, not yet in it: counted as pending, cut on demand.
    await ledger.append([reading('m1', 4, T0 + 10_800)]);
    const third = (await indexer!.cut())!;
    expect(third).toMatchObject({ epoch: 3, logSize: 7 });
  });

  it('goes on filing while an epoch’s map update runs a slice at a time', async () => {
    await open();
    // Enough keys for the update to take many slices: 1,500 meters, one hour each.
    const meters = Array.from({ length: 1500 }, (_, i) => `m${i}`);
    await ledger.append(meters.map((m) => reading(m, 1, T0)));
    const cutting = indexer!.cut();
    let filedDuring = 0;
    const second0: number[] = [];
    // Appends while the cut is part-way: the second readings of the same keys, from the values
    // of the batch being applied.
    for (const m of meters.slice(0, 200)) {
      const r = await ledger.append([reading(m, 2, T0 + 900)]);
      if (m === 'm0') second0.push(r.entries[0]!.index);
      if (indexer!.status().pending > 0) filedDuring++;
    }
    const first = (await cutting)!;
    expect(filedDuring).toBeGreaterThan(0);
    expect(first).toMatchObject({ epoch: 1, logSize: 1500 });
    const second = (await indexer!.cut())!;
    expect(second.epoch).toBe(2);
    const key = readingsIndexKey('m0', '1-0:1.8.0', utcHourOf(T0));
    expect(second0).toEqual([1500]); // before the epoch entry: the cut was still part-way
    expect(toHex(indexer!.map.get(key)!)).toBe(toHex(indexValue([0, 1500])));
    // The rebuild checks both epochs' roots against the entries (EPOCH_ROOT_MISMATCH else).
    const root = toHex(indexer!.map.root);
    await close();
    await open();
    expect(indexer!.latest).toEqual(second);
    expect(toHex(indexer!.map.root)).toBe(root);
  });

  it('refuses to open when an epoch entry disagrees with the entries before it', async () => {
    await open();
    await ledger.append([reading('m1', 1, T0)]);
    indexer!.close();
    // An epoch that claims another root, appended past the indexer.
    await ledger.append([
      {
        kind: EntryKind.indexEpoch,
        bytes: encodeIndexEpoch({ epoch: 1, logSize: 1, mapRoot: new Uint8Array(32), time: 1 }),
        meta: { receivedAt: 1 },
      },
    ]);
    await close();
    const err = await open().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(codeOf(err)).toBe('EPOCH_ROOT_MISMATCH');
  });
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
