import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isWattproofError } from '../../src/core/errors.ts';
import { meterStateKey } from '../../src/ingest/ingest-keys.ts';
import { IngestPipeline } from '../../src/ingest/pipeline.ts';
import { meterReadingsTopic } from '../../src/ingest/topics.ts';
import type { SignatureCheck } from '../../src/core/signature/index.ts';
import { DEV_A, DEV_C, msg, reading, signed } from './helpers/fixtures.ts';
import { Harness } from './helpers/harness.ts';
import { verifyOne } from './helpers/noble-verifier.ts';

const A = meterReadingsTopic('mtr-A');
const C = meterReadingsTopic('mtr-C');

let h: Harness;
beforeEach(async () => {
  h = await Harness.create();
});
afterEach(async () => {
  await h.close();
});

describe('when check is called again before the previous batch is committed', () => {
  it('stages batches in call order even when the later signatures finish first', async () => {
    const one = signed(DEV_A, reading('mtr-A', 1));
    h.verifier.delays.push(60, 0);
    const order: number[] = [];
    const first = h.pipeline.check([msg(A, one)]).then((b) => (order.push(1), b));
    const second = h.pipeline
      .check([msg(A, one), msg(A, signed(DEV_A, reading('mtr-A', 2)))])
      .then((b) => (order.push(2), b));
    const [b1, b2] = await Promise.all([first, second]);
    expect(order).toEqual([1, 2]);
    expect(b1.outcomes[0]!.status).toBe('accepted');
    expect(b2.outcomes.map((o) => o.status)).toEqual(['duplicate', 'accepted']);
    // Batch 1 was planned before batch 2 was settled: the duplicate names its leaf at once.
    expect(b2.outcomes[0]!.readings[0]!.duplicateOf).toBe(0);
    const committing = h.plan(b1);
    await h.plan(b2);
    await committing;
    expect(h.entries.map((e) => e.meta.sequence)).toEqual([1, 2]);
  });

  it('lets a pipelined batch see an equivocation against a staged entry', async () => {
    const b1 = h.pipeline.check([msg(A, signed(DEV_A, reading('mtr-A', 1)))]);
    const b2 = h.pipeline.check([msg(A, signed(DEV_A, reading('mtr-A', 1, { quality: 0 })))]);
    const [x, y] = await Promise.all([b1, b2]);
    expect(y.outcomes[0]!.code).toBe('EQUIVOCATION');
    await h.plan(x);
    await h.plan(y);
    const evidence = [];
    for await (const e of h.meters.evidence('mtr-A')) evidence.push(e);
    expect(evidence.map((e) => e.firstIndex)).toEqual([0]);
  });

  it('returns each batch planned, its leaf indices following the batch before', async () => {
    const [b1, b2] = await Promise.all([
      h.pipeline.check([msg(A, signed(DEV_A, reading('mtr-A', 1)))]),
      h.pipeline.check([
        msg(A, signed(DEV_A, reading('mtr-A', 2))),
        msg(A, signed(DEV_A, reading('mtr-A', 3))),
      ]),
    ]);
    expect(b1.plan.entries.map((e) => e.index)).toEqual([0]);
    expect(b2.plan.entries.map((e) => e.index)).toEqual([1, 2]);
    expect(b2.plan.ticket).toBe(b1.plan.ticket + 1);
    await h.plan(b1);
    await h.plan(b2);
    expect(h.entries).toHaveLength(3);
    expect(h.meters.findSequence('mtr-A', '', 3)?.index).toBe(2);
  });

  it('keeps working after a verifier failure, with nothing of that batch staged', async () => {
    let fail = true;
    const pipeline = new IngestPipeline({
      signers: h.directory,
      verifier: {
        verifyBatch: async (checks: readonly SignatureCheck[]) => {
          if (fail) throw new Error('worker died');
          return checks.map(verifyOne);
        },
        close: async () => {},
      },
      quarantine: h.quarantine,
      meters: h.meters,
      planner: h.planner,
    });
    const bytes = signed(DEV_A, reading('mtr-A', 1));
    await expect(pipeline.check([msg(A, bytes)])).rejects.toThrow('worker died');
    fail = false;
    const b = await pipeline.check([msg(A, bytes)]);
    expect(b.outcomes[0]!.status).toBe('accepted');
  });

  it('fails when the verifier returns the wrong number of verdicts', async () => {
    const pipeline = new IngestPipeline({
      signers: h.directory,
      verifier: { verifyBatch: async () => [true, true], close: async () => {} },
      quarantine: h.quarantine,
      meters: h.meters,
      planner: h.planner,
    });
    const e = await pipeline.check([msg(A, signed(DEV_A, reading('mtr-A', 1)))]).catch((x) => x);
    expect(isWattproofError(e, 'VERIFIER_FAILED')).toBe(true);
  });

  it('stops for good when its own state cannot be read', async () => {
    await h.store.commit(
      [{ type: 'put', key: meterStateKey('mtr-C'), value: Uint8Array.of(0xff) }],
      true,
    );
    const e = await h.pipeline.check([msg(C, signed(DEV_C, reading('mtr-C', 1)))]).catch((x) => x);
    expect(isWattproofError(e, 'PIPELINE_FAILED')).toBe(true);
    const later = await h.pipeline
      .check([msg(A, signed(DEV_A, reading('mtr-A', 1)))])
      .catch((x) => x);
    expect(isWattproofError(later, 'PIPELINE_FAILED')).toBe(true);
  });
});
