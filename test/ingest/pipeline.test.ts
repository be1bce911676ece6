import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeCbor } from '../../src/core/cbor/index.ts';
import { bytesEqual, utf8 } from '../../src/core/bytes.ts';
import { EntryKind } from '../../src/core/leaf/leaf.ts';
import { decodeMeterFlag } from '../../src/core/ledger-index/index.ts';
import type { CheckedBatch } from '../../src/ingest/checked-batch.ts';
import { meterReadingsTopic, platformReadingsTopic } from '../../src/ingest/topics.ts';
import {
  DEV_A,
  DEV_B,
  DEV_C,
  DEV_L1,
  msg,
  OCMF_SAMPLES,
  sampleSigners,
  NOW_MS,
  ocmfPayload,
  ocmfRecord,
  PLAT_1,
  PLAT_2,
  reading,
  signed,
  T0,
} from './helpers/fixtures.ts';
import { Harness } from './helpers/harness.ts';

const A = meterReadingsTopic('mtr-A');
const P1 = platformReadingsTopic('plat-1');

function codes(b: CheckedBatch): (string | undefined)[] {
  return b.outcomes.flatMap((o) =>
    o.readings.length === 0 ? [o.code] : o.readings.map((r) => r.code ?? r.status),
  );
}

let h: Harness;
beforeEach(async () => {
  h = await Harness.create();
});
afterEach(async () => {
  await h.close();
});

describe('when a meter publishes good readings', () => {
  it('accepts them as entries with their metadata and acknowledges 0', async () => {
    const bytes = signed(DEV_A, reading('mtr-A', 1));
    const b = await h.run([msg(A, bytes, NOW_MS - 5)]);
    expect(b.outcomes).toEqual([
      {
        status: 'accepted',
        reasonCode: 0,
        readings: [
          {
            status: 'accepted',
            meterId: 'mtr-A',
            sequence: 1,
            sequenceScope: '',
            signerId: 'dev-A',
            itemIndex: 0,
          },
        ],
      },
    ]);
    expect(b.plan.items).toHaveLength(1);
    expect(b.plan.items[0]!.kind).toBe(EntryKind.readingCose);
    expect(bytesEqual(b.plan.items[0]!.bytes, bytes)).toBe(true);
    expect(b.plan.items[0]!.meta).toEqual({
      meterId: 'mtr-A',
      sequence: 1,
      trustMode: 'device',
      signerId: 'dev-A',
      topic: A,
      receivedAt: NOW_MS - 5,
      intervalStart: T0 + 900,
      intervalEnd: T0 + 1800,
      obis: '1-0:1.8.0',
      energyMilliWh: 250_000,
      registerMilliWh: 100_250_000,
    });
    expect(h.quarantine.size).toBe(0);
  });

  it('accepts ES256 and OCMF readings', async () => {
    const b = await h.run([
      msg(meterReadingsTopic('mtr-B'), signed(DEV_B, reading('mtr-B', 1))),
      msg(meterReadingsTopic('OCMF-1'), ocmfRecord(ocmfPayload(9))),
    ]);
    expect(codes(b)).toEqual(['accepted', 'accepted']);
    expect(b.plan.items[1]!.kind).toBe(EntryKind.readingOcmf);
    expect(b.plan.items[1]!.meta).toMatchObject({
      meterId: 'OCMF-1',
      sequence: 9,
      signerId: 'OCMF-1',
      trustMode: 'device',
      energyMilliWh: 250_000,
    });
  });

  it('sends every signature of the batch to the verifier in one call', async () => {
    await h.run([
      msg(A, signed(DEV_A, reading('mtr-A', 1))),
      msg(A, signed(DEV_A, reading('mtr-A', 2))),
      msg(
        P1,
        encodeCbor([signed(PLAT_1, reading('mtr-L1', 1)), signed(PLAT_1, reading('mtr-L2', 1))]),
      ),
    ]);
    expect(h.verifier.calls).toEqual([4]);
  });

  it('keeps the state across a reopen of the store', async () => {
    await h.run([msg(A, signed(DEV_A, reading('mtr-A', 5)))]);
    await h.reopen();
    const b = await h.run([
      msg(A, signed(DEV_A, reading('mtr-A', 5))),
      msg(A, signed(DEV_A, reading('mtr-A', 4))),
      msg(A, signed(DEV_A, reading('mtr-A', 6))),
    ]);
    expect(codes(b)).toEqual(['duplicate', 'SEQUENCE_NOT_INCREASING', 'accepted']);
    expect(b.outcomes[0]!.readings[0]!.duplicateOf).toBe(0);
  });
});

describe('when a collection platform publishes', () => {
  it('accepts platform-signed readings of its meters in one batch message', async () => {
    const l1 = signed(PLAT_1, reading('mtr-L1', 1));
    const l2 = signed(PLAT_1, reading('mtr-L2', 1));
    const b = await h.run([msg(P1, encodeCbor([l1, l2]))]);
    expect(codes(b)).toEqual(['accepted', 'accepted']);
    expect(b.plan.items.map((i) => [i.meta.meterId, i.meta.trustMode, i.meta.signerId])).toEqual([
      ['mtr-L1', 'platform', 'plat-1'],
      ['mtr-L2', 'platform', 'plat-1'],
    ]);
    expect(bytesEqual(b.plan.items[1]!.bytes, l2)).toBe(true);
  });

  it('accepts a single platform-signed reading without an array', async () => {
    const b = await h.run([msg(P1, signed(PLAT_1, reading('mtr-L2', 3)))]);
    expect(codes(b)).toEqual(['accepted']);
  });

  it('records a relayed device-signed reading with trust mode device', async () => {
    const b = await h.run([
      msg(P1, encodeCbor([signed(DEV_L1, reading('mtr-L1', 1))])),
      msg(platformReadingsTopic('plat-2'), signed(DEV_A, reading('mtr-A', 1))),
    ]);
    expect(codes(b)).toEqual(['accepted', 'accepted']);
    expect(b.plan.items.map((i) => [i.meta.trustMode, i.meta.signerId])).toEqual([
      ['device', 'dev-L1'],
      ['device', 'dev-A'],
    ]);
  });

  it('refuses a platform signing for a meter it is not registered for', async () => {
    const b = await h.run([
      msg(
        P1,
        encodeCbor([signed(PLAT_1, reading('mtr-L3', 1)), signed(PLAT_1, reading('mtr-L1', 1))]),
      ),
    ]);
    expect(codes(b)).toEqual(['METER_NOT_AUTHORIZED', 'accepted']);
    expect(b.outcomes[0]!.status).toBe('mixed');
    expect(b.outcomes[0]!.reasonCode).toBe(0);
  });

  it('refuses a platform-signed reading on another platform topic or a meter topic', async () => {
    const b = await h.run([
      msg(platformReadingsTopic('plat-2'), signed(PLAT_1, reading('mtr-L1', 1))),
      msg(meterReadingsTopic('mtr-L1'), signed(PLAT_1, reading('mtr-L1', 1))),
      msg(platformReadingsTopic('plat-2'), signed(PLAT_2, reading('mtr-L3', 1))),
    ]);
    expect(codes(b)).toEqual(['WRONG_TOPIC', 'WRONG_TOPIC', 'accepted']);
    expect(b.outcomes[0]!.reasonCode).toBe(0x87);
  });
});

describe('when topic and signer disagree', () => {
  it('refuses a device reading on another meter topic, and a kid of another meter', async () => {
    const b = await h.run([
      msg(meterReadingsTopic('mtr-C'), signed(DEV_A, reading('mtr-A', 1))),
      msg(meterReadingsTopic('mtr-C'), signed(DEV_A, reading('mtr-C', 1))),
      msg(meterReadingsTopic('mtr-C'), signed(DEV_C, reading('mtr-C', 1))),
    ]);
    expect(codes(b)).toEqual(['WRONG_TOPIC', 'METER_NOT_AUTHORIZED', 'accepted']);
  });

  it('refuses an iss that is not the signer named by kid', async () => {
    const b = await h.run([msg(A, signed(DEV_A, reading('mtr-A', 1), { issuer: 'dev-C' }))]);
    expect(codes(b)).toEqual(['ISSUER_MISMATCH']);
  });

  it('refuses a COSE alg that is not the registered key type', async () => {
    const forged = signed({ ...DEV_B, record: DEV_A.record }, reading('mtr-A', 1));
    const b = await h.run([msg(A, forged)]);
    expect(codes(b)).toEqual(['BAD_SIGNATURE']);
  });
});

describe('when the stateful rules apply', () => {
  it('acknowledges a duplicate without a new entry or quarantine record', async () => {
    const bytes = signed(DEV_A, reading('mtr-A', 1));
    await h.run([msg(A, bytes)]);
    const b = await h.run([msg(A, bytes)]);
    expect(b.plan.items).toHaveLength(0);
    expect(b.outcomes[0]).toEqual({
      status: 'duplicate',
      reasonCode: 0,
      readings: [
        {
          status: 'duplicate',
          meterId: 'mtr-A',
          sequence: 1,
          sequenceScope: '',
          signerId: 'dev-A',
          duplicateOf: 0,
        },
      ],
    });
    expect(h.quarantine.size).toBe(0);
    expect(h.metrics.duplicates.get()).toBe(1);
  });

  it('keeps evidence of equivocation, flags the meter and keeps the first reading', async () => {
    const first = signed(DEV_A, reading('mtr-A', 7));
    const other = signed(DEV_A, reading('mtr-A', 7, { energyWh: 251, registerWh: 101_751 }));
    await h.run([msg(A, signed(DEV_A, reading('mtr-A', 6))), msg(A, first)]);
    expect(h.meters.isFlagged('mtr-A')).toBe(false);
    const b = await h.run([msg(A, other, NOW_MS + 1)]);
    expect(codes(b)).toEqual(['EQUIVOCATION']);
    expect(b.outcomes[0]!.reasonCode).toBe(0x80);
    // Not the reading but the flag enters the log, with its evidence (docs/index.md §Meter flags).
    expect(b.plan.items.map((i) => i.kind)).toEqual([EntryKind.meterFlag]);
    const flag = decodeMeterFlag(b.plan.items[0]!.bytes);
    expect(flag).toMatchObject({
      flag: 'equivocation',
      meterId: 'mtr-A',
      scope: '',
      sequence: 7,
      firstIndex: 1,
      conflictingKind: EntryKind.readingCose,
      quarantineId: b.outcomes[0]!.readings[0]!.quarantineId,
    });
    expect(bytesEqual(flag.conflicting, other)).toBe(true);
    expect(h.entries).toHaveLength(3);
    expect(h.meters.isFlagged('mtr-A')).toBe(true);
    expect(h.meters.flaggedCount).toBe(1);

    const evidence = [];
    for await (const e of h.meters.evidence('mtr-A')) evidence.push(e);
    expect(evidence).toHaveLength(1);
    expect(evidence[0]).toMatchObject({
      meterId: 'mtr-A',
      sequence: 7,
      topic: A,
      receivedAt: NOW_MS + 1,
      signerId: 'dev-A',
      firstIndex: 1,
      quarantineId: b.outcomes[0]!.readings[0]!.quarantineId,
    });
    expect(bytesEqual(evidence[0]!.bytes, other)).toBe(true);
    const page = await h.quarantine.list({ code: 'EQUIVOCATION', withPayload: true });
    expect(bytesEqual(page.records[0]!.payload!, other)).toBe(true);

    await h.reopen();
    expect(h.meters.flaggedCount).toBe(1);
    const flagged = [];
    for await (const f of h.meters.flaggedMeters()) flagged.push(f);
    expect(flagged).toEqual([
      { meterId: 'mtr-A', flaggedAt: NOW_MS + 1, lastEquivocationAt: NOW_MS + 1, equivocations: 1 },
    ]);
    expect(h.registry.render()).toContain('\nmeters_flagged 1\n');
  });

  it('refuses a replayed older sequence that is not in the log', async () => {
    await h.run([
      msg(A, signed(DEV_A, reading('mtr-A', 3))),
      msg(A, signed(DEV_A, reading('mtr-A', 5))),
    ]);
    const b = await h.run([msg(A, signed(DEV_A, reading('mtr-A', 4)))]);
    expect(codes(b)).toEqual(['SEQUENCE_NOT_INCREASING']);
  });

  it('refuses a register going backwards for the same OBIS code only', async () => {
    await h.run([msg(A, signed(DEV_A, reading('mtr-A', 1, { registerWh: 5000 })))]);
    const b = await h.run([
      msg(A, signed(DEV_A, reading('mtr-A', 2, { registerWh: 4999 }))),
      msg(A, signed(DEV_A, reading('mtr-A', 3, { registerWh: 10, obis: '1-0:2.8.0' }))),
      msg(A, signed(DEV_A, reading('mtr-A', 4, { registerWh: 5250 }))),
    ]);
    expect(codes(b)).toEqual(['REGISTER_BACKWARDS', 'accepted', 'accepted']);
  });

  it('refuses energy above the rated capacity times the tolerance', async () => {
    // 10 kW for 900 s = 2.5 kWh; with the 1.1 tolerance at most 2750 Wh.
    const b = await h.run([
      msg(A, signed(DEV_A, reading('mtr-A', 1, { energyWh: 2750, registerWh: 102_750 }))),
      msg(A, signed(DEV_A, reading('mtr-A', 2, { energyWh: 2751, registerWh: 105_501 }))),
    ]);
    expect(codes(b)).toEqual(['accepted', 'IMPLAUSIBLE_ENERGY']);
  });

  it('refuses an interval end beyond the clock-skew tolerance', async () => {
    const end = NOW_MS / 1000 + 300;
    const b = await h.run([
      msg(A, signed(DEV_A, reading('mtr-A', 1, { intervalStart: end - 900, intervalEnd: end }))),
      msg(
        A,
        signed(DEV_A, reading('mtr-A', 2, { intervalStart: end - 899, intervalEnd: end + 1 })),
      ),
    ]);
    expect(codes(b)).toEqual(['accepted', 'FUTURE_TIMESTAMP']);
  });

  it('lets readings of one meter in one batch see each other', async () => {
    const five = signed(DEV_A, reading('mtr-A', 5));
    const b = await h.run([
      msg(A, five),
      msg(A, five),
      msg(A, signed(DEV_A, reading('mtr-A', 5, { quality: 3 }))),
      msg(A, signed(DEV_A, reading('mtr-A', 4))),
      msg(A, signed(DEV_A, reading('mtr-A', 6, { registerWh: 1 }))),
      msg(A, signed(DEV_A, reading('mtr-A', 6))),
    ]);
    expect(codes(b)).toEqual([
      'accepted',
      'duplicate',
      'EQUIVOCATION',
      'SEQUENCE_NOT_INCREASING',
      'REGISTER_BACKWARDS',
      'accepted',
    ]);
    // The in-batch duplicate learns its leaf index once the batch is planned.
    expect(b.outcomes[1]!.readings[0]!.duplicateOf).toBe(0);
    const evidence = [];
    for await (const e of h.meters.evidence('mtr-A')) evidence.push(e);
    expect(evidence.map((e) => e.firstIndex)).toEqual([0]);
  });

  it('keeps the OCMF transaction and fiscal counters apart', async () => {
    const t = ocmfRecord(ocmfPayload(5));
    const f = ocmfRecord(ocmfPayload(3, { PG: 'F3' }));
    const b = await h.run([
      msg(meterReadingsTopic('OCMF-1'), t),
      msg(meterReadingsTopic('OCMF-1'), f),
    ]);
    // The counters are apart, the timeline of the register is one: F3 lies before T5.
    expect(codes(b)).toEqual(['accepted', 'INTERVAL_OUT_OF_ORDER']);
    const f2 = ocmfRecord(ocmfPayload(6, { PG: 'F3' }));
    const b2 = await h.run([msg(meterReadingsTopic('OCMF-1'), f2)]);
    expect(codes(b2)).toEqual(['accepted']);
    expect(b2.plan.items[0]!.meta.sequence).toBe(3);
  });
});

describe('when messages reach the wrong place or are refused whole', () => {
  it('quarantines the whole message with its topic, time and bytes', async () => {
    const payload = utf8('hello');
    const b = await h.run([msg('wattproof/v1/meters/mtr-A/receipts', payload, 42)]);
    expect(b.outcomes[0]).toEqual({
      status: 'rejected',
      reasonCode: 0x87,
      code: 'UNKNOWN_TOPIC',
      detail: 'UNKNOWN_TOPIC',
      quarantineId: 1,
      readings: [],
    });
    const page = await h.quarantine.list({ withPayload: true });
    expect(page.records).toEqual([
      {
        id: 1,
        code: 'UNKNOWN_TOPIC',
        class: 'UNKNOWN_TOPIC',
        message: 'not a readings topic',
        topic: 'wattproof/v1/meters/mtr-A/receipts',
        receivedAt: 42,
        payloadLength: 5,
        payload,
        tier: 'junk',
        source: '',
      },
    ]);
  });

  it('records the position of a refused reading inside a platform batch', async () => {
    await h.run([msg(P1, encodeCbor([signed(PLAT_1, reading('mtr-L1', 1)), utf8('junk')]))]);
    const page = await h.quarantine.list({ withPayload: true });
    expect(page.records[0]).toMatchObject({
      code: 'MALFORMED_COSE',
      readingIndex: 1,
      payloadLength: 4,
    });
    expect(page.records[0]!.payload).toEqual(utf8('junk'));
  });

  it('counts messages, readings and rejections in the metrics', async () => {
    await h.run([
      msg(A, signed(DEV_A, reading('mtr-A', 1))),
      msg(A, signed(DEV_A, reading('mtr-A', 1))),
      msg(A, utf8('x')),
      msg(P1, encodeCbor([signed(PLAT_1, reading('mtr-L1', 1)), utf8('y')])),
    ]);
    expect(h.metrics.messages.get({ outcome: 'accepted' })).toBe(1);
    expect(h.metrics.messages.get({ outcome: 'duplicate' })).toBe(1);
    expect(h.metrics.messages.get({ outcome: 'rejected' })).toBe(1);
    expect(h.metrics.messages.get({ outcome: 'mixed' })).toBe(1);
    expect(h.metrics.readings.get({ outcome: 'accepted' })).toBe(2);
    expect(h.metrics.rejections.get({ code: 'MALFORMED_COSE' })).toBe(2);
    const text = h.registry.render();
    expect(text).toContain('\nquarantine_records 2\n');
    expect(text).toContain('\ningest_batch_size_count 1\n');
    expect(text).toContain('\ningest_check_duration_seconds_count 1\n');
  });
});

describe('when the OCMF samples arrive on their meters topics', () => {
  it('accepts every valid sample once and refuses every invalid one as BAD_SIGNATURE', async () => {
    const s = await Harness.create({ signers: sampleSigners() });
    try {
      const messages = OCMF_SAMPLES.map((x) => {
        const p = JSON.parse(x.ocmf.slice(5, x.ocmf.lastIndexOf('|'))) as Record<string, string>;
        return msg(meterReadingsTopic(p.MS || p.GS || ''), x.ocmf);
      });
      const b = await s.run(messages);
      const got = b.outcomes.map((o) => o.readings[0]!.code ?? o.status);
      expect(got).toEqual(
        OCMF_SAMPLES.map((x, i) =>
          !x.valid
            ? 'BAD_SIGNATURE'
            : OCMF_SAMPLES.slice(0, i).some((y) => y.ocmf === x.ocmf)
              ? 'duplicate'
              : 'accepted',
        ),
      );
      expect(b.plan.items.map((i) => i.meta.meterId)).toEqual([
        '17619300',
        '000033022620',
        '000033022620',
        '1DZG0033016824',
        '1DZG0033016824',
      ]);
    } finally {
      await s.close();
    }
  });
});
