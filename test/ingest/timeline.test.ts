/**
 * Energy counted once (docs/formats.md "Energy counted once"): one timeline per meter and
 * channel whoever signs, registers that agree with interval energy, and a reading identified by
 * its signed content, so that a relay's re-signed or re-encoded copy is a duplicate.
 */
import { p256 } from '@noble/curves/nist.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromHex, toBase64, toHex } from '../../src/core/bytes.ts';
import { CborTag, encodeCbor } from '../../src/core/cbor/index.ts';
import { decodeCoseSign1 } from '../../src/core/cose/index.ts';
import type { CheckedBatch } from '../../src/ingest/checked-batch.ts';
import { meterReadingsTopic, platformReadingsTopic } from '../../src/ingest/topics.ts';
import {
  DEV_A,
  DEV_B,
  DEV_L1,
  msg,
  ocmfPayload,
  ocmfRecord,
  PLAT_1,
  reading,
  signed,
  T0,
} from './helpers/fixtures.ts';
import { Harness } from './helpers/harness.ts';

const A = meterReadingsTopic('mtr-A');
const B = meterReadingsTopic('mtr-B');
const L1 = meterReadingsTopic('mtr-L1');
const P1 = platformReadingsTopic('plat-1');
const OCMF = meterReadingsTopic('OCMF-1');
const Q = 900;

/** Quarter hour `q` (1-based) of the day at T0 with the given sequence and register at its end. */
function quarter(meterId: string, q: number, sequence: number, registerWh: number, energyWh = 110) {
  return reading(meterId, sequence, {
    intervalStart: T0 + (q - 1) * Q,
    intervalEnd: T0 + q * Q,
    registerWh,
    energyWh,
  });
}

function codes(b: CheckedBatch): string[] {
  return b.outcomes.flatMap((o) => o.readings.map((r) => r.code ?? r.status));
}

/** The same COSE_Sign1 with ES256 s replaced by n − s: a second valid signature (SEC 1 §4.1.4). */
function malleated(bytes: Uint8Array): Uint8Array {
  const s1 = decodeCoseSign1(bytes);
  const n = p256.Point.CURVE().n;
  const r = s1.signature.subarray(0, 32);
  const s = BigInt(`0x${toHex(s1.signature.subarray(32))}`);
  const flipped = fromHex((n - s).toString(16).padStart(64, '0'));
  const sig = new Uint8Array(64);
  sig.set(r, 0);
  sig.set(flipped, 32);
  return encodeCbor(new CborTag(18, [s1.protectedBytes, new Map(), s1.payload, sig]));
}

/** The same OCMF record with SD written in base64 instead of hex (the section is not signed). */
function reencoded(record: string): string {
  const at = record.lastIndexOf('|');
  const sd = (JSON.parse(record.slice(at + 1)) as { SD: string }).SD;
  return `${record.slice(0, at)}|{"SE":"base64","SD":"${toBase64(fromHex(sd))}"}`;
}

let h: Harness;
beforeEach(async () => {
  h = await Harness.create();
});
afterEach(async () => {
  await h.close();
});

describe('when a meter signs a second run over hours it already reported', () => {
  it('refuses every overlapping reading and names the entry each collides with', async () => {
    // Q1–Q4, sequences 1000–1003, 110 Wh each from a register at 10,000 Wh.
    const first = [1, 2, 3, 4].map((q, i) =>
      msg(A, signed(DEV_A, quarter('mtr-A', q, 1000 + i, 10_000 + 110 * (i + 1)))),
    );
    const b1 = await h.run(first);
    expect(codes(b1)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
    // Q2–Q5 again, sequences 2000–2003, with a higher register.
    const second = [2, 3, 4, 5].map((q, i) =>
      msg(A, signed(DEV_A, quarter('mtr-A', q, 2000 + i, 20_000 + 110 * (i + 1)))),
    );
    const b2 = await h.run(second);
    expect(codes(b2)).toEqual([
      'INTERVAL_OVERLAP',
      'INTERVAL_OVERLAP',
      'INTERVAL_OVERLAP',
      'REGISTER_MISMATCH',
    ]);
    // Each names the reading it collides with: Q2, Q3, Q4 (leaves 1–3); Q5 follows Q4 (leaf 3).
    expect(b2.outcomes.map((o) => o.readings[0]!.collidesWith)).toEqual([1, 2, 3, 3]);
    expect(b2.plan.items).toHaveLength(0);
    const records = (await h.quarantine.list({ code: 'INTERVAL_OVERLAP' })).records;
    expect(records).toHaveLength(3);
    expect(records.map((r) => r.evidence?.collidesWith)).toEqual([3, 2, 1]);
    // The honest continuation still goes in: Q5 at 10,440 + 110.
    const b3 = await h.run([msg(A, signed(DEV_A, quarter('mtr-A', 5, 2004, 10_550)))]);
    expect(codes(b3)).toEqual(['accepted']);
  });

  it('refuses an overlap inside one batch, naming the entry staged before it', async () => {
    const b = await h.run([
      msg(A, signed(DEV_A, quarter('mtr-A', 1, 1, 10_110))),
      msg(A, signed(DEV_A, quarter('mtr-A', 2, 2, 10_220))),
      msg(
        A,
        signed(
          DEV_A,
          reading('mtr-A', 3, {
            intervalStart: T0 + Q + 300,
            intervalEnd: T0 + 3 * Q,
            registerWh: 10_330,
          }),
        ),
      ),
    ]);
    expect(codes(b)).toEqual(['accepted', 'accepted', 'INTERVAL_OVERLAP']);
    expect(b.outcomes[2]!.readings[0]!.collidesWith).toBe(1);
    const [rec] = (await h.quarantine.list({ code: 'INTERVAL_OVERLAP' })).records;
    expect(rec!.evidence).toEqual({ collidesWith: 1 });
    expect(rec!.class).toBe('INTERVAL_OVERLAP');
  });

  it('refuses a platform-signed reading over a device-signed one, and the reverse', async () => {
    const dev = await h.run([
      msg(L1, signed(DEV_L1, quarter('mtr-L1', 1, 1, 5_110))),
      msg(L1, signed(DEV_L1, quarter('mtr-L1', 2, 2, 5_220))),
    ]);
    expect(codes(dev)).toEqual(['accepted', 'accepted']);
    const plat = await h.run([
      msg(
        P1,
        encodeCbor([
          signed(PLAT_1, quarter('mtr-L1', 2, 3, 5_220)),
          signed(PLAT_1, quarter('mtr-L1', 3, 4, 5_330)),
        ]),
      ),
    ]);
    expect(codes(plat)).toEqual(['INTERVAL_OVERLAP', 'accepted']);
    const again = await h.run([msg(L1, signed(DEV_L1, quarter('mtr-L1', 3, 5, 5_330)))]);
    expect(codes(again)).toEqual(['INTERVAL_OVERLAP']);
  });

  it('keeps channels apart: export and import each have their own timeline', async () => {
    const b = await h.run([
      msg(A, signed(DEV_A, quarter('mtr-A', 1, 1, 10_110))),
      msg(
        A,
        signed(
          DEV_A,
          reading('mtr-A', 2, {
            intervalStart: T0,
            intervalEnd: T0 + Q,
            obis: '1-0:2.8.0',
            registerWh: 700,
            energyWh: 50,
          }),
        ),
      ),
      msg(
        A,
        signed(
          DEV_A,
          reading('mtr-A', 3, {
            intervalStart: T0,
            intervalEnd: T0 + Q,
            obis: '1-0:2.8.0',
            registerWh: 750,
            energyWh: 50,
          }),
        ),
      ),
    ]);
    expect(codes(b)).toEqual(['accepted', 'accepted', 'INTERVAL_OVERLAP']);
  });
});

describe('when registers and interval energy disagree', () => {
  it('refuses a contiguous reading whose register moved otherwise than its energy', async () => {
    await h.run([msg(A, signed(DEV_A, quarter('mtr-A', 1, 1, 10_110)))]);
    const b = await h.run([
      msg(A, signed(DEV_A, quarter('mtr-A', 2, 2, 10_221))),
      msg(A, signed(DEV_A, quarter('mtr-A', 2, 3, 10_219))),
      msg(A, signed(DEV_A, quarter('mtr-A', 2, 4, 10_220))),
    ]);
    expect(codes(b)).toEqual(['REGISTER_MISMATCH', 'REGISTER_MISMATCH', 'accepted']);
  });

  it('lets energy after a gap be at most the register progress', async () => {
    await h.run([msg(A, signed(DEV_A, quarter('mtr-A', 1, 1, 10_110)))]);
    const b = await h.run([
      // Q3 after a gap: the register moved 219 Wh, the interval claims 220.
      msg(A, signed(DEV_A, quarter('mtr-A', 3, 2, 10_329, 220))),
      // With 110 Wh of the progress in Q3 the rest went to the gap: fine.
      msg(A, signed(DEV_A, quarter('mtr-A', 3, 3, 10_330))),
    ]);
    expect(codes(b)).toEqual(['ENERGY_EXCEEDS_REGISTER', 'accepted']);
  });

  it('refuses a reading lying before the head of its timeline', async () => {
    await h.run([msg(A, signed(DEV_A, quarter('mtr-A', 5, 5, 10_550)))]);
    const b = await h.run([msg(A, signed(DEV_A, quarter('mtr-A', 2, 6, 10_660)))]);
    expect(codes(b)).toEqual(['INTERVAL_OUT_OF_ORDER']);
    expect(b.outcomes[0]!.readings[0]!.collidesWith).toBe(0);
  });

  it('checks the signature before a register that falls inside an OCMF record', async () => {
    const over = {
      RD: [
        {
          TM: '2026-01-01T00:00:00,000+0000 S',
          TX: 'B',
          RV: 2,
          RI: '1-b:1.8.0',
          RU: 'kWh',
          ST: 'G',
        },
        { TM: '2026-01-01T00:15:00,000+0000 S', TX: 'E', RV: 1 },
      ],
    };
    const good = ocmfRecord(ocmfPayload(1, over));
    const forged = ocmfRecord(ocmfPayload(2, over), new Uint8Array(32).fill(7));
    const b = await h.run([msg(OCMF, good), msg(OCMF, forged)]);
    expect(codes(b)).toEqual(['REGISTER_BACKWARDS', 'BAD_SIGNATURE']);
    const [forgedRec, goodRec] = (await h.quarantine.list()).records;
    expect(goodRec!.code).toBe('REGISTER_FALLS_IN_RECORD');
    expect(forgedRec!.code).toBe('BAD_SIGNATURE');
  });
});

describe('when a relay changes the signature bytes of a reading', () => {
  it('takes a malleated ES256 copy after the original as a duplicate, with no flag', async () => {
    const original = signed(DEV_B, reading('mtr-B', 1));
    const copy = malleated(original);
    expect(toHex(copy)).not.toBe(toHex(original));
    const b = await h.run([msg(B, original), msg(B, copy)]);
    expect(codes(b)).toEqual(['accepted', 'duplicate']);
    expect(b.outcomes[1]!.readings[0]!.duplicateOf).toBe(0);
    const later = await h.run([msg(B, copy)]);
    expect(codes(later)).toEqual(['duplicate']);
    expect(h.meters.isFlagged('mtr-B')).toBe(false);
    expect(h.quarantine.size).toBe(0);
  });

  it('keeps the first of a malleated copy and the original whichever comes first', async () => {
    const original = signed(DEV_B, reading('mtr-B', 1));
    const b1 = await h.run([msg(B, malleated(original))]);
    expect(codes(b1)).toEqual(['accepted']);
    const b2 = await h.run([msg(B, original)]);
    expect(codes(b2)).toEqual(['duplicate']);
    expect(b2.outcomes[0]!.readings[0]!.duplicateOf).toBe(0);
    expect(h.meters.isFlagged('mtr-B')).toBe(false);
  });

  it('takes an OCMF record with its signature re-encoded as a duplicate, before or after', async () => {
    const rec1 = ocmfRecord(ocmfPayload(1));
    const rec2 = ocmfRecord(ocmfPayload(2));
    const b = await h.run([
      msg(OCMF, rec1),
      msg(OCMF, reencoded(rec1)),
      msg(OCMF, reencoded(rec2)),
    ]);
    expect(codes(b)).toEqual(['accepted', 'duplicate', 'accepted']);
    const later = await h.run([
      msg(OCMF, rec2),
      msg(
        OCMF,
        rec2.replace(/"SD":"([0-9A-F]+)"/, (_m, hex: string) => `"SD":"${hex.toLowerCase()}"`),
      ),
    ]);
    expect(codes(later)).toEqual(['duplicate', 'duplicate']);
    expect(h.meters.isFlagged('OCMF-1')).toBe(false);
  });

  it('still flags other signed content under the same sequence as equivocation', async () => {
    await h.run([msg(B, signed(DEV_B, reading('mtr-B', 1)))]);
    const b = await h.run([msg(B, signed(DEV_B, reading('mtr-B', 1, { quality: 3 })))]);
    expect(codes(b)).toEqual(['EQUIVOCATION']);
    expect(h.meters.isFlagged('mtr-B')).toBe(true);
  });
});

describe('when the node restarts', () => {
  it('keeps every timeline: an overlap after a reopen is refused, naming its entry', async () => {
    await h.run([
      msg(A, signed(DEV_A, quarter('mtr-A', 1, 1, 10_110))),
      msg(A, signed(DEV_A, quarter('mtr-A', 2, 2, 10_220))),
    ]);
    await h.reopen();
    const b = await h.run([
      msg(A, signed(DEV_A, quarter('mtr-A', 2, 3, 10_330))),
      msg(A, signed(DEV_A, quarter('mtr-A', 3, 4, 10_330))),
    ]);
    expect(codes(b)).toEqual(['INTERVAL_OVERLAP', 'accepted']);
    expect(b.outcomes[0]!.readings[0]!.collidesWith).toBe(1);
    await h.reopen();
    const c = await h.run([msg(A, signed(DEV_A, quarter('mtr-A', 3, 5, 10_440)))]);
    expect(codes(c)).toEqual(['INTERVAL_OVERLAP']);
    expect(c.outcomes[0]!.readings[0]!.collidesWith).toBe(2);
  });

  it('recognises a malleated copy of a reading committed before the reopen', async () => {
    const original = signed(DEV_B, reading('mtr-B', 1));
    await h.run([msg(B, original)]);
    await h.reopen();
    expect(codes(await h.run([msg(B, malleated(original))]))).toEqual(['duplicate']);
  });
});
