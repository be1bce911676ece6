/**
 * OCMF as devices write it, through the ingest pipeline: every validly signed record of the
 * device fixtures (test/vectors/ocmf-devices.json) that maps to ledger readings is accepted under
 * its meter's key, a record with import and export registers keeps both channels, and a
 * charger's run of consecutive records passes the timeline rules as one meter's readings.
 */
import { describe, expect, it } from 'vitest';
import { readingFigures } from '../../src/core/bundle/reading-figures.ts';
import { utf8 } from '../../src/core/bytes.ts';
import { ocmfFigures, parseOcmf, parseOcmfPublicKey } from '../../src/core/ocmf/index.ts';
import { meterReadingsTopic } from '../../src/ingest/topics.ts';
import type { SignerRecord } from '../../src/registry/signer.ts';
import devices from '../vectors/ocmf-devices.json' with { type: 'json' };
import { msg } from './helpers/fixtures.ts';
import { Harness } from './helpers/harness.ts';

interface Fixture {
  readonly name: string;
  readonly valid: boolean | null;
  readonly publicKey?: string;
  readonly ocmf: string;
}

const FIXTURES = devices as readonly Fixture[];

/** The meter a record names and whether the core maps it to ledger readings. */
function mapped(f: Fixture): { meterId: string; channels: number } | undefined {
  try {
    const figures = ocmfFigures(parseOcmf(utf8(f.ocmf)));
    return { meterId: figures.meterId, channels: figures.channels.length };
  } catch {
    return undefined;
  }
}

function signerOf(f: Fixture, meterId: string): SignerRecord {
  return {
    signerId: meterId,
    mode: 'device',
    keyType: 'OCMF',
    publicKey: parseOcmfPublicKey(f.publicKey!).spki,
    meters: [meterId],
    ratedCapacityW: 400_000,
    registeredAt: 0,
  };
}

const ACCEPTABLE = FIXTURES.filter((f) => f.valid === true && mapped(f) !== undefined);

describe('when a meter sends the records of the device fixtures', () => {
  it('has a good number of validly signed, mappable records to try', () => {
    expect(ACCEPTABLE.length).toBeGreaterThanOrEqual(30);
  });

  it.each(ACCEPTABLE.map((f) => [f.name, f] as const))('accepts %s', async (_name, f) => {
    const { meterId } = mapped(f)!;
    const h = await Harness.create({ signers: [signerOf(f, meterId)] });
    try {
      const b = await h.run([msg(meterReadingsTopic(meterId), f.ocmf)]);
      expect(b.outcomes[0]!.readings.map((r) => r.code ?? r.status)).toEqual(['accepted']);
    } finally {
      await h.close();
    }
  });

  it('keeps both the import and the export register of the VW DC charger record', async () => {
    const f = FIXTURES.find((x) => x.name === 'lem-dcbm-vw-t144')!;
    const { meterId } = mapped(f)!;
    const h = await Harness.create({ signers: [signerOf(f, meterId)] });
    try {
      const b = await h.run([msg(meterReadingsTopic(meterId), f.ocmf)]);
      const item = b.plan.items[0]!;
      const channels = readingFigures(item.kind, item.bytes, 0).channels;
      expect(channels.map((c) => [c.obis, c.energyMilliWh, c.registerMilliWh])).toEqual([
        ['1-0:1.8.0', 1_101_000, 58_685_000],
        ['1-0:2.8.0', 0, 4_405_000],
      ]);
    } finally {
      await h.close();
    }
  });

  it("refuses a charger's records whose clock was never set once they leave its timeline", async () => {
    // These KEBA records carry times of January 1970 (no clock), jumping back and forth: the
    // ledger cannot order them in time, so only those that move its timeline forward go in.
    const run = FIXTURES.filter((x) => /^keba-measurements-(0\d|1\d)$/.test(x.name));
    expect(run).toHaveLength(20);
    const { meterId } = mapped(run[0]!)!;
    const h = await Harness.create({ signers: [signerOf(run[0]!, meterId)] });
    try {
      const b = await h.run(run.map((f) => msg(meterReadingsTopic(meterId), f.ocmf)));
      const codes = b.outcomes.map((o) => o.readings[0]!.code ?? o.readings[0]!.status);
      expect(codes[0]).toBe('accepted');
      const timeline = new Set(['INTERVAL_OVERLAP', 'INTERVAL_OUT_OF_ORDER']);
      expect(codes.every((c) => c === 'accepted' || timeline.has(c))).toBe(true);
      // What went in is one timeline: intervals in order, never overlapping.
      const spans = b.plan.items.map((i, n) => readingFigures(i.kind, i.bytes, n).channels[0]!);
      for (let i = 1; i < spans.length; i++) {
        expect(spans[i]!.intervalStart).toBeGreaterThanOrEqual(spans[i - 1]!.intervalEnd);
      }
      expect(codes.filter((c) => c === 'accepted')).toHaveLength(spans.length);
    } finally {
      await h.close();
    }
  });
});
