/**
 * A table of hostile and malformed messages: each one gets its expected reject code and a
 * quarantine record, the pipeline keeps working, and good readings in the same batches are
 * accepted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EntryKind } from '../../src/core/leaf/index.ts';
import type { InboundMessage } from '../../src/mqtt/transport.ts';
import { meterReadingsTopic } from '../../src/ingest/topics.ts';
import { DEV_A, DEV_C, msg, ocmfPayload, ocmfRecord, reading, signed } from './helpers/fixtures.ts';
import { A, HOSTILE_TABLE as TABLE, OCMF } from './helpers/hostile-table.ts';
import { Harness } from './helpers/harness.ts';

describe('when hostile messages arrive between good readings', () => {
  let h: Harness;
  let goodSeq = 0;
  const good = (): InboundMessage => {
    goodSeq++;
    return msg(meterReadingsTopic('mtr-C'), signed(DEV_C, reading('mtr-C', goodSeq)));
  };

  beforeAll(async () => {
    h = await Harness.create();
    const b = await h.run([
      msg(A, signed(DEV_A, reading('mtr-A', 10))),
      msg(OCMF, ocmfRecord(ocmfPayload(10))),
    ]);
    expect(b.plan.items).toHaveLength(2);
  });
  afterAll(async () => {
    await h.close();
  });

  it('has at least 25 rows', () => {
    expect(TABLE.length).toBeGreaterThanOrEqual(25);
  });

  it.each(TABLE)(
    'quarantines %s with its code and accepts the good readings around it',
    async (_name, hostile, expected) => {
      const before = h.quarantine.size;
      const b = await h.run([good(), ...hostile, good()]);
      const outcomes = b.outcomes.slice(1, -1);
      const got = outcomes.flatMap((o) =>
        o.readings.length === 0 ? [o.code] : o.readings.map((r) => r.code),
      );
      expect(got).toEqual(expected);
      for (const o of outcomes) {
        expect(o.status).toBe('rejected');
        expect(o.reasonCode).toBeGreaterThanOrEqual(0x80);
      }
      expect([b.outcomes[0]!.status, b.outcomes.at(-1)!.status]).toEqual(['accepted', 'accepted']);
      const flags = b.plan.items.filter((i) => i.kind === EntryKind.meterFlag);
      expect(b.plan.items.filter((i) => !flags.includes(i)).map((i) => i.meta.meterId)).toEqual([
        'mtr-C',
        'mtr-C',
      ]);
      // An equivocation also enters the log as a flag of its meter (docs/index.md §Meter flags).
      expect(flags.map((i) => i.meta.meterId)).toEqual(
        expected.filter((c) => c === 'EQUIVOCATION').map(() => 'mtr-A'),
      );
      expect(h.quarantine.size).toBe(before + expected.length);
      const stored = (await h.quarantine.list({ limit: expected.length })).records.map(
        (r) => r.class,
      );
      expect(stored.reverse()).toEqual(expected);
    },
  );

  it('still accepts readings afterwards, and counted every rejection', async () => {
    const b = await h.run([msg(A, signed(DEV_A, reading('mtr-A', 11))), good()]);
    expect(b.outcomes.map((o) => o.status)).toEqual(['accepted', 'accepted']);
    const total = TABLE.reduce((n, [, , codes]) => n + codes.length, 0);
    const counts = h.quarantine.counts();
    expect(Object.values(counts.rejectedByCode).reduce((a, n) => a + n, 0)).toBe(total);
    expect(counts.rejectedByCode.OVERSIZE).toBe(4);
    expect(h.metrics.rejections.get({ code: 'OVERSIZE' })).toBe(4);
    expect(h.meters.isFlagged('mtr-A')).toBe(true);
  });
});

describe('when all hostile messages arrive in one batch', () => {
  it('gives each its code and accepts the good readings in the batch', async () => {
    const h = await Harness.create();
    try {
      await h.run([
        msg(A, signed(DEV_A, reading('mtr-A', 10))),
        msg(OCMF, ocmfRecord(ocmfPayload(10))),
      ]);
      const messages: InboundMessage[] = [];
      TABLE.forEach(([, hostile], i) => {
        messages.push(msg(meterReadingsTopic('mtr-C'), signed(DEV_C, reading('mtr-C', i + 1))));
        messages.push(...hostile);
      });
      const b = await h.run(messages);
      const good = b.outcomes.filter((_, i) => i % 2 === 0);
      expect(good.every((o) => o.status === 'accepted')).toBe(true);
      const hostile = b.outcomes.filter((_, i) => i % 2 === 1);
      const got = hostile.map((o) =>
        o.readings.length === 0 ? [o.code] : o.readings.map((r) => r.code),
      );
      expect(got).toEqual(TABLE.map(([, , codes]) => codes));
      const flags = b.plan.items.filter((i) => i.kind === EntryKind.meterFlag);
      expect(b.plan.items.length - flags.length).toBe(TABLE.length);
      expect(flags).toHaveLength(
        TABLE.flatMap(([, , codes]) => codes).filter((c) => c === 'EQUIVOCATION').length,
      );
      expect(h.verifier.calls.at(-1)).toBeGreaterThan(TABLE.length);
    } finally {
      await h.close();
    }
  });
});
