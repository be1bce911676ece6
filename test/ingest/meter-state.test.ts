import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isWattproofError } from '../../src/core/errors.ts';
import type { ParsedReading } from '../../src/ingest/candidate.ts';
import { MeterStateStore } from '../../src/ingest/meter-state.ts';
import { LevelStore } from '../../src/storage/level-store.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

function parsed(meterId: string, sequence: number): ParsedReading {
  return {
    meterId,
    sequence,
    sequenceScope: '',
    intervalStart: 1000 + sequence * 900,
    intervalEnd: 1900 + sequence * 900,
    channels: [
      {
        obis: '1-0:1.8.0',
        intervalStart: 1000 + sequence * 900,
        intervalEnd: 1900 + sequence * 900,
        registerMilliWh: sequence * 1000,
        energyMilliWh: 1000,
      },
    ],
    quality: 0,
  };
}

const bytesOf = (meter: string, seq: number): Uint8Array =>
  new TextEncoder().encode(`${meter}#${seq}`);

let dir: { path: string; remove: () => Promise<void> };
let store: LevelStore;
beforeEach(async () => {
  dir = await tempDir('wattproof-meter-state-');
  store = await LevelStore.open(`${dir.path}/db`);
});
afterEach(async () => {
  await store.close();
  await dir.remove();
});

describe('when the meter cache is full', () => {
  it('keeps meters with uncommitted changes and evicts them once committed', async () => {
    const meters = await MeterStateStore.open(store, { maxCachedMeters: 2 });
    const ids = ['m1', 'm2', 'm3', 'm4', 'm5'];
    const b1 = meters.beginBatch();
    ids.forEach((id, k) => b1.accept(b1.state(id), parsed(id, 7), bytesOf(id, 7), 10 + k));
    b1.close();

    // Batch 1 is not committed yet: nothing may be evicted, batch 2 sees it in memory.
    const b2 = meters.beginBatch();
    expect(meters.cachedMeters).toBe(5);
    expect(b2.state('m1').lastSequence.get('')).toBe(7);
    expect(b2.findSequence('m1', '', 7)?.index).toBe(10);
    b2.accept(b2.state('m1'), parsed('m1', 8), bytesOf('m1', 8), 15);
    b2.close();

    await store.commit(b1.ops(), false);
    expect(b2.findSequence('m3', '', 7)?.index).toBe(12);
    await store.commit(b2.ops(), false);

    const b3 = meters.beginBatch();
    expect(meters.committedBatch).toBe(2);
    expect(meters.cachedMeters).toBe(2);
    // Evicted meters come back from disk with their state and sequence records.
    const m2 = b3.state('m2');
    expect(m2.lastSequence.get('')).toBe(7);
    expect(m2.channels.get('1-0:1.8.0')).toMatchObject({
      intervalStart: 1000 + 7 * 900,
      intervalEnd: 1900 + 7 * 900,
      registerMilliWh: 7000,
      ref: { index: 11 },
    });
    expect(b3.state('m1').lastSequence.get('')).toBe(8);
    expect(b3.findSequence('m1', '', 8)?.index).toBe(15);
    expect(b3.findSequence('m4', '', 7)?.index).toBe(13);
    expect(b3.findSequence('m4', '', 6)).toBeUndefined();
    b3.close();
    await store.commit(b3.ops(), false);
  });

  it('resumes batch numbering after a reopen', async () => {
    const meters = await MeterStateStore.open(store);
    const b1 = meters.beginBatch();
    b1.close();
    await store.commit(b1.ops(), false);
    const again = await MeterStateStore.open(store);
    expect(again.committedBatch).toBe(1);
    expect(again.beginBatch().number).toBe(2);
  });
});

describe('when batches are misused', () => {
  it('refuses a second open batch and operations before close', async () => {
    const meters = await MeterStateStore.open(store);
    const b1 = meters.beginBatch();
    expect(() => meters.beginBatch()).toThrow(/still being staged/);
    expect(() => b1.ops()).toThrow(/not closed/);
    b1.close();
    const b2 = meters.beginBatch();
    b2.close();
    let error: unknown;
    try {
      b2.ops();
    } catch (e) {
      error = e;
    }
    expect(isWattproofError(error, 'BATCH_ORDER')).toBe(true);
    expect(() => b1.accept(b1.state('x'), parsed('x', 1), bytesOf('x', 1), 0)).toThrow(/closed/);
  });
});
