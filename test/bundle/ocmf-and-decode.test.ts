/**
 * OCMF records in a bundle, and the core's reading figures against the ingest node's decoder:
 * the verifier must compute the same meter, sequence, interval and energy from the bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../../src/bundle/index.ts';
import { utf8 } from '../../src/core/bytes.ts';
import { readingFigures, verifyBundle } from '../../src/core/bundle/index.ts';
import { EntryKind } from '../../src/core/leaf/leaf.ts';
import { parseOcmfPublicKey } from '../../src/core/ocmf/index.ts';
import { decodeReadingBytes } from '../../src/ingest/decode.ts';
import samples from '../vectors/ocmf-samples.json' with { type: 'json' };
import { TestSigner } from '../e2e/node-harness.ts';
import { openFixture, type Fixture } from './fixture.ts';

const records = samples as { ocmf: string; publicKey: string; valid: boolean }[];
const valid = [...new Map(records.filter((r) => r.valid).map((r) => [r.ocmf, r])).values()];

function serialOf(o: string): string {
  const p = JSON.parse(o.slice(5, o.lastIndexOf('|'))) as Record<string, string>;
  return p.MS || p.GS || '';
}

describe('when the core takes the figures of a reading', () => {
  it('agrees with the ingest decoder on OCMF records and COSE readings', () => {
    const s = new TestSigner('dev-1', 'device', ['meter-1']);
    const inputs: [number, Uint8Array][] = [
      ...records.map((r): [number, Uint8Array] => [EntryKind.readingOcmf, utf8(r.ocmf)]),
      [EntryKind.readingCose, s.sign(s.reading('meter-1', 3, 1_767_225_600))],
      [EntryKind.readingCose, s.sign(s.reading('meter-1', 4, 1_767_225_600, { energyWh: 0 }))],
    ];
    for (const [kind, bytes] of inputs) {
      const node = decodeReadingBytes(bytes);
      if (!node.ok) throw new Error(node.rejection.message);
      const c = node.candidate;
      const f = readingFigures(kind, bytes, 0);
      expect(f).toMatchObject({
        meterId: c.reading.meterId,
        signerId: c.signerId,
        keyType: c.keyType,
        sequence: c.reading.sequence,
        sequenceScope: c.reading.sequenceScope,
        intervalStart: c.reading.intervalStart,
        intervalEnd: c.reading.intervalEnd,
        channels: c.reading.channels,
        quality: c.reading.quality,
      });
      expect(f.signedContent).toEqual(c.message);
      expect(f.fault?.code).toBe(c.fault?.code);
    }
  });
});

describe('when a bundle holds OCMF records', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await openFixture();
    for (const r of new Map(valid.map((v) => [serialOf(v.ocmf), v])).values()) {
      await f.registry.register({
        signerId: serialOf(r.ocmf),
        mode: 'device',
        keyType: 'OCMF',
        publicKey: parseOcmfPublicKey(r.publicKey).spki,
        meters: [serialOf(r.ocmf)],
        ratedCapacityW: 22_000,
      });
    }
    for (const r of valid) {
      const bytes = utf8(r.ocmf);
      const fig = readingFigures(EntryKind.readingOcmf, bytes, 0);
      await f.ledger.append([
        {
          kind: EntryKind.readingOcmf,
          bytes,
          meta: { receivedAt: 0, meterId: fig.meterId, intervalStart: fig.intervalStart },
        },
      ]);
    }
  });
  afterAll(async () => {
    await f?.close();
  });

  it('verifies each meter bundle under the registered OCMF keys', async () => {
    const meters = [...new Set(valid.map((v) => serialOf(v.ocmf)))];
    expect(meters.length).toBeGreaterThan(1);
    for (const m of meters) {
      const bundle = await buildBundle({ ...f, meters: [m], from: 0, to: 2_000_000_000 });
      const v = verifyBundle(JSON.stringify(bundle), { logVkey: f.log.vkey });
      if (!v.valid) throw new Error(`${m}: ${v.code}: ${v.message}`);
      expect(v.readings.length).toBe(valid.filter((r) => serialOf(r.ocmf) === m).length);
      const s = v.summary.meters[0]!;
      const channels = v.readings.flatMap((r) => r.channels);
      expect(s.importWh + s.exportWh).toBe(
        channels.reduce((sum, c) => sum + c.energyMilliWh, 0) / 1000,
      );
    }
  });
});
