/**
 * A ledger, log and registry in a temp folder, without ingest, so tests can put into the log
 * what a node never would (a reading before its key's registration, an altered reading, a
 * reading after a revocation) and build bundles of it.
 */
import { EntryKind } from '../../src/core/leaf/leaf.ts';
import { openSignedReading, type Reading } from '../../src/core/reading/index.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { loadOrCreateLogKey, type LogKey } from '../../src/log/log-key.ts';
import { MerkleLog } from '../../src/log/merkle-log.ts';
import { loadOperatorKey, Registry } from '../../src/registry/index.ts';
import { LevelStore } from '../../src/storage/level-store.ts';
import type { TestSigner } from '../e2e/node-harness.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

/** The parts a bundle is built from. */
export interface Fixture {
  readonly log: MerkleLog;
  readonly ledger: Ledger;
  readonly registry: Registry;
  readonly logKey: LogKey;
  close(): Promise<void>;
}

/**
 * A fresh log with its operator key declared. Its ledger chains each meter's readings, as a
 * node's does; `{ chained: false }` gives a ledger that appends them unchained (kinds 1 and 2).
 */
export async function openFixture(
  origin = 'wattproof.test/bundle',
  options: { chained?: boolean } = {},
): Promise<Fixture> {
  const tmp = await tempDir();
  const store = await LevelStore.open(`${tmp.path}/db`);
  const logKey = await loadOrCreateLogKey(`${tmp.path}/log.key`, origin);
  const log = await MerkleLog.open({ store, origin, signer: logKey.signer, vkey: logKey.vkey });
  const ledger = options.chained === false ? new Ledger(log, store) : await Ledger.open(log, store);
  const operatorKey = await loadOperatorKey(`${tmp.path}/operator.key`, origin);
  const registry = await Registry.load({ store, ledger, operatorKey });
  await registry.ensureOperatorDeclared(logKey.signer);
  return {
    log,
    ledger,
    registry,
    logKey,
    close: async () => {
      await log.close();
      await store.close();
      await tmp.remove();
    },
  };
}

/** Appends signed reading bytes as the ingest node would record them. */
export async function appendReading(f: Fixture, bytes: Uint8Array): Promise<number> {
  const { reading, sign1 } = openSignedReading(bytes);
  const r = await f.ledger.append([
    {
      kind: EntryKind.readingCose,
      bytes,
      meta: {
        receivedAt: Date.now(),
        meterId: reading.meterId,
        sequence: reading.sequence,
        intervalStart: reading.intervalStart,
        intervalEnd: reading.intervalEnd,
        obis: reading.obis,
        energyMilliWh: reading.energyWh * 1000,
        signerId: sign1.iss,
        trustMode: 'device',
      },
    },
  ]);
  return r.entries[0]!.index;
}

/** Registers `s` in the fixture's registry. */
export async function register(f: Fixture, s: TestSigner): Promise<void> {
  await f.registry.register({
    signerId: s.signerId,
    mode: s.mode,
    keyType: 'Ed25519',
    publicKey: s.publicKey,
    meters: s.meters,
    ratedCapacityW: 10_000,
  });
}

/** Signs and appends readings `seqs` of the signer's first meter. */
export async function appendReadings(
  f: Fixture,
  s: TestSigner,
  seqs: readonly number[],
  t0: number,
  over: Partial<Reading> = {},
): Promise<void> {
  for (const seq of seqs) await appendReading(f, s.sign(s.reading(s.meters[0]!, seq, t0, over)));
}
