import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesEqual } from '../../src/core/bytes.ts';
import type { CheckedBatch } from '../../src/ingest/checked-batch.ts';
import { MeterStateStore } from '../../src/ingest/meter-state.ts';
import { IngestPipeline } from '../../src/ingest/pipeline.ts';
import { Quarantine } from '../../src/ingest/quarantine.ts';
import { meterReadingsTopic } from '../../src/ingest/topics.ts';
import type { InboundMessage } from '../../src/mqtt/transport.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { loadOrCreateLogKey } from '../../src/log/log-key.ts';
import { MerkleLog } from '../../src/log/merkle-log.ts';
import { LevelStore } from '../../src/storage/level-store.ts';
import { tempDir } from '../helpers/tmp-dir.ts';
import {
  DEV_A,
  DEV_C,
  FakeDirectory,
  msg,
  NOW_MS,
  reading,
  signed,
  T0,
} from './helpers/fixtures.ts';
import { NobleVerifier } from './helpers/noble-verifier.ts';

const ORIGIN = 'wattproof.test/ingest';

interface Node {
  store: LevelStore;
  log: MerkleLog;
  ledger: Ledger;
  pipeline: IngestPipeline;
  quarantine: Quarantine;
}

let dir: { path: string; remove: () => Promise<void> };
let node: Node;

async function openNode(): Promise<Node> {
  const store = await LevelStore.open(`${dir.path}/db`);
  const key = await loadOrCreateLogKey(`${dir.path}/log.key`, ORIGIN);
  const log = await MerkleLog.open({ store, origin: ORIGIN, signer: key.signer, vkey: key.vkey });
  const quarantine = await Quarantine.open(store);
  const ledger = await Ledger.open(log, store);
  const pipeline = new IngestPipeline({
    signers: new FakeDirectory(),
    verifier: new NobleVerifier(),
    quarantine,
    meters: await MeterStateStore.open(store),
    planner: ledger,
    now: () => NOW_MS,
    findOverlap: (meterId, obis, start, end) => ledger.findOverlap(meterId, obis, start, end),
  });
  return { store, log, ledger, pipeline, quarantine };
}

async function closeNode(n: Node): Promise<void> {
  await n.log.close();
  await n.store.close();
}

/** Checks batches concurrently and commits each as it comes back, as the ingest service does. */
async function ingest(n: Node, batches: InboundMessage[][]): Promise<CheckedBatch[]> {
  const runs = batches.map(async (messages) => {
    const checked = await n.pipeline.check(messages);
    await n.ledger.commit(checked.plan, checked.ops);
    return checked;
  });
  return Promise.all(runs);
}

function traffic(): InboundMessage[][] {
  const batches: InboundMessage[][] = [];
  for (let b = 0; b < 8; b++) {
    const batch: InboundMessage[] = [];
    for (let k = 0; k < 5; k++) {
      const seq = b * 5 + k + 1;
      batch.push(msg(meterReadingsTopic('mtr-A'), signed(DEV_A, reading('mtr-A', seq))));
      batch.push(msg(meterReadingsTopic('mtr-C'), signed(DEV_C, reading('mtr-C', seq))));
      // A redelivery of the previous reading of mtr-A, possibly from the batch before.
      if (seq > 1) {
        batch.push(msg(meterReadingsTopic('mtr-A'), signed(DEV_A, reading('mtr-A', seq - 1))));
      }
    }
    batches.push(batch);
  }
  return batches;
}

beforeEach(async () => {
  dir = await tempDir('wattproof-ingest-ledger-');
  node = await openNode();
});
afterEach(async () => {
  await closeNode(node);
  await dir.remove();
});

describe('when pipelined batches go through a real ledger', () => {
  it('appends each reading once and points duplicates at the entry with the same bytes', async () => {
    const checked = await ingest(node, traffic());
    expect(node.log.size).toBe(80);
    const outcomes = checked.flatMap((c) => c.outcomes);
    expect(outcomes.filter((o) => o.status === 'accepted')).toHaveLength(80);
    const dups = outcomes.filter((o) => o.status === 'duplicate');
    expect(dups).toHaveLength(39);
    for (const d of dups) {
      const r = d.readings[0]!;
      const rec = await node.ledger.record(r.duplicateOf!);
      expect(rec?.erased === false && rec.meta.meterId).toBe('mtr-A');
      expect(rec?.erased === false && rec.meta.sequence).toBe(r.sequence);
    }
    const rec = await node.ledger.record(79);
    expect(rec?.erased === false && rec.meta).toMatchObject({ meterId: 'mtr-C', sequence: 40 });
  });

  it('recognises every reading as a duplicate after a restart', async () => {
    const batches = traffic();
    await ingest(node, batches);
    await closeNode(node);
    node = await openNode();
    const again = await ingest(node, batches);
    expect(node.log.size).toBe(80);
    for (const o of again.flatMap((c) => c.outcomes)) {
      expect(o.status).toBe('duplicate');
      const r = o.readings[0]!;
      const rec = await node.ledger.record(r.duplicateOf!);
      const original = batches.flat().find((m) => {
        const meter = m.topic.split('/')[3];
        return meter === r.meterId && rec?.erased === false && bytesEqual(rec.bytes, m.payload);
      });
      expect(original).toBeDefined();
    }
    expect(node.quarantine.size).toBe(0);
  });
});

describe('when a second run of readings overlaps the first, across a restart', () => {
  const quarter = (q: number, sequence: number, registerWh: number): InboundMessage =>
    msg(
      meterReadingsTopic('mtr-A'),
      signed(
        DEV_A,
        reading('mtr-A', sequence, {
          intervalStart: T0 + (q - 1) * 900,
          intervalEnd: T0 + q * 900,
          registerWh,
          energyWh: 110,
        }),
      ),
    );

  it('refuses each overlapping reading, naming the committed entry it collides with', async () => {
    // Two meters interleaved, so that leaf indices and meter index rows differ.
    await ingest(node, [
      [
        quarter(1, 1000, 10_110),
        msg(meterReadingsTopic('mtr-C'), signed(DEV_C, reading('mtr-C', 1))),
      ],
      [quarter(2, 1001, 10_220), quarter(3, 1002, 10_330)],
      [quarter(4, 1003, 10_440)],
    ]);
    await closeNode(node);
    node = await openNode();
    const [second] = await ingest(node, [
      [quarter(2, 2000, 20_110), quarter(3, 2001, 20_220), quarter(4, 2002, 20_330)],
    ]);
    const refused = second!.outcomes.map((o) => [o.readings[0]!.code, o.readings[0]!.collidesWith]);
    expect(refused).toEqual([
      ['INTERVAL_OVERLAP', 2],
      ['INTERVAL_OVERLAP', 3],
      ['INTERVAL_OVERLAP', 4],
    ]);
    expect(node.log.size).toBe(5);
    expect(await node.ledger.findOverlap('mtr-A', '1-0:1.8.0', T0, T0 + 900)).toBe(0);
    expect(await node.ledger.findOverlap('mtr-A', '1-0:2.8.0', T0, T0 + 900)).toBeUndefined();
    expect(
      await node.ledger.findOverlap('mtr-A', '1-0:1.8.0', T0 + 3600, T0 + 4500),
    ).toBeUndefined();
  });
});
