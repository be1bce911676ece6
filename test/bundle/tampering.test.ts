/**
 * Hostile bundles: a byte flipped anywhere, and a table of named attacks, each of which must
 * fail with its own code. Run over a node's ledger (each meter's readings chained) and over an
 * unchained one (kinds 1 and 2, as a ledger without chains writes them).
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../../src/bundle/index.ts';
import { fromBase64, toBase64, toHex, utf8 } from '../../src/core/bytes.ts';
import {
  verifyBundle,
  verifyBundleAsync,
  type BundleErrorCode,
  type BundleJson,
  type ReadingSignatureCheck,
  type VerifyPolicy,
} from '../../src/core/bundle/index.ts';
import { CoseAlg, verifyWithAlg } from '../../src/core/cose/index.ts';
import { encodeChainLink, EntryKind } from '../../src/core/leaf/leaf.ts';
import {
  addSignatures,
  cosignatureV1Signer,
  cosignatureV1VkeyOf,
  ed25519Signer,
  formatCheckpoint,
  generateEd25519Key,
  parseCheckpoint,
  signNote,
  splitNote,
} from '../../src/core/note/index.ts';
import type { Reading } from '../../src/core/reading/index.ts';
import { TestSigner } from '../e2e/node-harness.ts';
import { appendReading, appendReadings, openFixture, register, type Fixture } from './fixture.ts';

const T0 = 1_767_225_600; // 2026-01-01T00:00Z
const PERIOD = { from: T0, to: T0 + 86_400 };

const witness = generateEd25519Key('witness.example/w1');
const stranger = generateEd25519Key('witness.example/stranger');

type Mutable = { -readonly [K in keyof BundleJson]: BundleJson[K] } & Record<string, unknown>;

function copy(b: BundleJson): Mutable {
  return JSON.parse(JSON.stringify(b)) as Mutable;
}

describe.each([{ chained: true }, { chained: false }])(
  'when a bundle is tampered with (chained readings: $chained)',
  ({ chained }) => {
    let f: Fixture;
    let policy: VerifyPolicy;
    const bundles: Record<string, BundleJson> = {};
    const dev = (id: string, meter: string) => new TestSigner(id, 'device', [meter]);

    async function bundleOf(meter: string): Promise<BundleJson> {
      return buildBundle({ ...f, meters: [meter], ...PERIOD });
    }

    beforeAll(async () => {
      f = await openFixture(undefined, { chained });
      const a = dev('dev-a', 'meter-a');
      const b = dev('dev-b', 'meter-b');
      const x = dev('dev-x', 'meter-x');
      const late = dev('dev-late', 'meter-late');
      const gone = dev('dev-gone', 'meter-gone');
      const s = dev('dev-s', 'meter-s');
      const e = dev('dev-e', 'meter-e');
      for (const signer of [a, b, x, gone, s, e]) await register(f, signer);
      for (let seq = 1; seq <= 6; seq++) {
        await appendReadings(f, a, [seq], T0);
        await appendReadings(f, b, [seq], T0);
        await appendReadings(f, e, [seq], T0);
      }
      // A signed reading whose energy was changed after signing (500 Wh → 900 Wh).
      const signed = x.sign(x.reading('meter-x', 1, T0));
      const at = signed.findIndex(
        (_, i) =>
          signed[i] === 0x07 &&
          signed[i + 1] === 0x19 &&
          signed[i + 2] === 0x01 &&
          signed[i + 3] === 0xf4,
      );
      expect(at).toBeGreaterThan(0);
      const altered = signed.slice();
      altered.set([0x03, 0x84], at + 2);
      await appendReading(f, altered);
      // A reading logged before its key was registered.
      await appendReadings(f, late, [1], T0);
      await register(f, late);
      // A reading logged after its key was revoked.
      await f.registry.revoke('dev-gone', 'key compromised');
      await appendReadings(f, gone, [1], T0);
      // A sequence number repeated with other bytes.
      await appendReadings(f, s, [1, 2], T0);
      await appendReadings(f, s, [2], T0, { energyWh: 501 });
      // A reading of a meter its signer is not registered for.
      await appendReading(f, a.sign(a.reading('meter-z', 1, T0)));

      for (const m of [
        'meter-a',
        'meter-b',
        'meter-x',
        'meter-late',
        'meter-gone',
        'meter-s',
        'meter-z',
      ]) {
        bundles[m] = await bundleOf(m);
      }
      policy = {
        logVkey: f.log.vkey,
        witnessVkeys: [cosignatureV1VkeyOf(witness.skey)],
        minWitnesses: 1,
      };
      // The honest bundle carries the trusted witness's cosignature.
      bundles.cosigned = {
        ...bundles['meter-a']!,
        checkpoint: addSignatures(bundles['meter-a']!.checkpoint, [
          cosignatureV1Signer(witness.skey),
        ]),
      };
    });
    afterAll(async () => {
      await f?.close();
    });

    function expectCode(b: unknown, code: BundleErrorCode, p: VerifyPolicy = policy): void {
      const v = verifyBundle(JSON.stringify(b), p);
      expect(v.valid ? 'valid' : v.code).toBe(code);
    }

    it('accepts the honest bundle, cosigned by the trusted witness', () => {
      const v = verifyBundle(JSON.stringify(bundles.cosigned), policy);
      if (!v.valid) throw new Error(`${v.code}: ${v.message}`);
      expect(v.witnesses).toEqual(['witness.example/w1']);
      expect(v.summary.totals.importWh).toBe(3000);
    });

    it('never accepts the bundle with one byte of its JSON changed', () => {
      const bytes = utf8(JSON.stringify(bundles.cosigned));
      fc.assert(
        fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), (pos, x) => {
          const b = bytes.slice();
          b[pos]! ^= x;
          const v = verifyBundle(b, policy);
          // Refused by a check, never by the verifier failing on hostile input.
          expect(v.valid ? 'valid' : v.code).not.toMatch(/^(valid|VERIFIER_ERROR)$/);
        }),
        { numRuns: 600 },
      );
    });

    it('never accepts the bundle with one byte of a base64 field changed', () => {
      const honest = bundles.cosigned!;
      const fields: { get: (b: Mutable) => string; set: (b: Mutable, v: string) => void }[] = [];
      honest.entries.forEach((entry, i) => {
        for (const k of ['salt', 'bytes', ...('link' in entry ? ['link' as const] : [])]) {
          fields.push({
            get: (b) => (b.entries[i] as unknown as Record<string, string>)[k]!,
            set: (b, v) => ((b.entries[i] as unknown as Record<string, string>)[k] = v),
          });
        }
      });
      honest.registry.forEach((_, i) => {
        for (const k of ['salt', 'bytes'] as const) {
          fields.push({
            get: (b) => (b.registry[i] as unknown as Record<string, string>)[k]!,
            set: (b, v) => ((b.registry[i] as unknown as Record<string, string>)[k] = v),
          });
        }
      });
      honest.proof.hashes.forEach((_, i) => {
        fields.push({
          get: (b) => b.proof.hashes[i]!,
          set: (b, v) => ((b.proof.hashes as string[])[i] = v),
        });
      });
      fc.assert(
        fc.property(
          fc.nat(fields.length - 1),
          fc.nat(),
          fc.integer({ min: 1, max: 255 }),
          (which, pos, x) => {
            const b = copy(honest);
            const field = fields[which]!;
            const raw = fromBase64(field.get(b));
            raw[pos % raw.length]! ^= x;
            field.set(b, toBase64(raw));
            const v = verifyBundle(JSON.stringify(b), policy);
            expect(v.valid ? 'valid' : v.code).not.toMatch(/^(valid|VERIFIER_ERROR)$/);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('rejects swapped readings (PROOF_MISMATCH) and readings out of order (INDEX_ORDER)', () => {
      const b = copy(bundles.cosigned!);
      const e = b.entries as unknown as { index: number }[];
      [e[1], e[2]] = [
        { ...e[2]!, index: e[1]!.index },
        { ...e[1]!, index: e[2]!.index },
      ];
      expectCode(b, 'PROOF_MISMATCH');
      const c = copy(bundles.cosigned!);
      const ce = c.entries as unknown[];
      [ce[1], ce[2]] = [ce[2], ce[1]];
      expectCode(c, 'INDEX_ORDER');
    });

    it('rejects a reading dropped from the middle (PROOF_MISMATCH)', () => {
      const b = copy(bundles.cosigned!);
      (b.entries as unknown[]).splice(2, 1);
      expectCode(b, 'PROOF_MISMATCH');
    });

    it('rejects a reading whose Wh were altered inside the signed bytes (BAD_READING_SIGNATURE)', () => {
      const v = verifyBundle(JSON.stringify(bundles['meter-x']), { logVkey: f.log.vkey });
      expect(v.valid ? 'valid' : [v.code, v.index]).toEqual([
        'BAD_READING_SIGNATURE',
        bundles['meter-x']!.entries[0]!.index,
      ]);
    });

    it('rejects a proof hash of another index (PROOF_MISMATCH)', () => {
      const b = copy(bundles.cosigned!);
      (b.proof.hashes as string[])[0] = bundles['meter-b']!.proof.hashes[0]!;
      expect(b.proof.hashes[0]).not.toBe(bundles.cosigned!.proof.hashes[0]);
      expectCode(b, 'PROOF_MISMATCH');
    });

    it('rejects the checkpoint of another log (BAD_CHECKPOINT)', () => {
      const b = copy(bundles.cosigned!);
      const cp = parseCheckpoint(splitNote(b.checkpoint).text);
      const other = generateEd25519Key('other.example/log');
      b.checkpoint = signNote(formatCheckpoint({ ...cp, origin: 'other.example/log' }), [
        ed25519Signer(other.skey),
      ]);
      expectCode(b, 'BAD_CHECKPOINT');
      // Trusting the other log instead does not help: the bundle names this log.
      expectCode(b, 'WRONG_LOG', { logVkey: other.vkey });
    });

    it('rejects a cosignature of an unknown witness when one is required (TOO_FEW_WITNESSES)', () => {
      const b = copy(bundles['meter-a']!);
      b.checkpoint = addSignatures(b.checkpoint, [cosignatureV1Signer(stranger.skey)]);
      expectCode(b, 'TOO_FEW_WITNESSES');
      expect(verifyBundle(JSON.stringify(b), { ...policy, minWitnesses: 0 }).valid).toBe(true);
    });

    it('rejects a reading logged before its key was registered (KEY_NOT_REGISTERED)', () => {
      expectCode(bundles['meter-late'], 'KEY_NOT_REGISTERED', { logVkey: f.log.vkey });
    });

    it('rejects a reading logged after its key was revoked (KEY_REVOKED)', () => {
      expectCode(bundles['meter-gone'], 'KEY_REVOKED', { logVkey: f.log.vkey });
    });

    it('rejects a reading of a meter its signer is not registered for (METER_NOT_AUTHORIZED)', () => {
      expectCode(bundles['meter-z'], 'METER_NOT_AUTHORIZED', { logVkey: f.log.vkey });
    });

    it('rejects a repeated sequence number (SEQUENCE_BROKEN)', () => {
      expectCode(bundles['meter-s'], 'SEQUENCE_BROKEN', { logVkey: f.log.vkey });
    });

    it('rejects a changed summary, request or registry entry', () => {
      const s = copy(bundles.cosigned!);
      (s.summary.totals as { importWh: number }).importWh += 1;
      expectCode(s, 'SUMMARY_MISMATCH');
      const r = copy(bundles.cosigned!);
      r.request = { ...r.request, from: r.request.from + 1 };
      expectCode(r, 'OUTSIDE_REQUEST');
      const g = copy(bundles.cosigned!);
      (g.registry as unknown[]).splice(1, 1);
      expectCode(g, 'PROOF_MISMATCH');
      const u = copy(bundles.cosigned!);
      u.extra = 1;
      expectCode(u, 'MALFORMED_BUNDLE');
    });

    it('accepts a bundle with erased readings listed as erased, and counts them', async () => {
      const before = await bundleOf('meter-e');
      // Readings 3 and 4 of meter-e (interval starts T0 + 2×900 and T0 + 3×900).
      const erasure = await f.ledger.erase({
        meterId: 'meter-e',
        from: T0 + 2 * 900,
        to: T0 + 4 * 900,
        requestedBy: { tokenId: 't-1', label: 'test operator' },
      });
      expect(erasure.erased).toBe(2);
      const b = await bundleOf('meter-e');
      const v = verifyBundle(JSON.stringify(b), { logVkey: f.log.vkey });
      if (!v.valid) throw new Error(`${v.code}: ${v.message}`);
      expect(v.erased).toEqual([b.entries[2]!.index, b.entries[3]!.index]);
      expect(v.summary.totals).toMatchObject({ readings: 4, erased: 2, importWh: 2000 });
      expect(v.summary.meters[0]!.sequenceGaps).toEqual([{ scope: '', from: 3, to: 4 }]);
      // Claiming the readings are all there still fails.
      expectCode({ ...b, summary: before.summary }, 'SUMMARY_MISMATCH', { logVkey: f.log.vkey });
      // So does presenting an erased entry as another meter's: where the next reading links
      // to it, the chain no longer meets; where the multiproof covers it, its meter is not one
      // the request names.
      if (chained) {
        const c = copy(b);
        (c.entries[3] as unknown as { meter: string }).meter = 'meter-a';
        expectCode(c, 'PROOF_MISMATCH', { logVkey: f.log.vkey });
      }
      const other = copy(b);
      (other.entries[2] as unknown as { meter: string }).meter = 'meter-a';
      const v2 = verifyBundle(JSON.stringify(other), { logVkey: f.log.vkey });
      expect(v2.valid ? 'valid' : [v2.code, v2.index]).toEqual([
        'OUTSIDE_REQUEST',
        b.entries[2]!.index,
      ]);
      // Naming a requested meter is fine: the bundle of both meters still verifies.
      const both = await buildBundle({ ...f, meters: ['meter-e', 'meter-a'], ...PERIOD });
      expect(verifyBundle(JSON.stringify(both), { logVkey: f.log.vkey }).valid).toBe(true);
    });

    if (chained) {
      it('carries one explicit link per run of a meter, and a multiproof of its last reading only', () => {
        const b = bundles.cosigned!;
        expect(b.entries.filter((e) => 'link' in e).map((e) => e.index)).toEqual([
          b.entries[0]!.index,
        ]);
        const unlinked = copy(b);
        delete (unlinked.entries[0] as { link?: string }).link;
        expectCode(unlinked, 'BROKEN_CHAIN');
      });

      it('rejects a link that points forward, names another leaf hash, or is not 40 bytes', () => {
        const e = bundles.cosigned!.entries;
        const forward = copy(bundles.cosigned!);
        (forward.entries[0] as { link?: string }).link = toBase64(
          encodeChainLink({ index: e[0]!.index + 1, leafHash: new Uint8Array(32).fill(7) }),
        );
        expectCode(forward, 'BROKEN_CHAIN');
        const otherHash = copy(bundles.cosigned!);
        (otherHash.entries[3] as { link?: string }).link = toBase64(
          encodeChainLink({ index: e[2]!.index, leafHash: new Uint8Array(32).fill(7) }),
        );
        expectCode(otherHash, 'BROKEN_CHAIN');
        const short = copy(bundles.cosigned!);
        (short.entries[0] as { link?: string }).link = toBase64(new Uint8Array(39));
        expectCode(short, 'MALFORMED_BUNDLE');
        const onRegistry = copy(bundles.cosigned!);
        (onRegistry.registry[1] as { link?: string }).link = (e[0] as { link: string }).link;
        expectCode(onRegistry, 'MALFORMED_BUNDLE');
      });
    }
  },
);

/** An OCMF record of `meterId` reading both registers (Wh) at each point, signed with `key`. */
function ocmfRecord(
  meterId: string,
  pagination: number,
  points: readonly { t: number; importWh: number; exportWh: number }[],
  key: KeyObject,
): Uint8Array {
  const time = (t: number): string =>
    new Date(t * 1000).toISOString().replace('.', ',').replace('Z', '+0000 S');
  const rd = points.flatMap((p, i) => {
    const tx = i === 0 ? 'B' : i === points.length - 1 ? 'E' : 'T';
    return [
      { TM: time(p.t), TX: tx, RV: p.importWh / 1000, RI: '1-0:1.8.0', RU: 'kWh', ST: 'G' },
      { TM: time(p.t), TX: tx, RV: p.exportWh / 1000, RI: '1-0:2.8.0', RU: 'kWh', ST: 'G' },
    ];
  });
  const payload = JSON.stringify({
    FV: '1.0',
    GI: 'WATTPROOF_TEST',
    GS: meterId,
    GV: '1.0',
    PG: `T${pagination}`,
    MV: 'Wattproof',
    MS: meterId,
    IS: false,
    RD: rd,
  });
  const sd = toHex(new Uint8Array(sign('sha256', utf8(payload), { key, dsaEncoding: 'der' })));
  return utf8(`OCMF|${payload}|${JSON.stringify({ SA: 'ECDSA-secp256r1-SHA256', SD: sd })}`);
}

describe.each([{ chained: true }, { chained: false }])(
  'when a log holds readings that count energy twice (chained readings: $chained)',
  ({ chained }) => {
    const Q = 900;
    let f: Fixture;
    let policy: VerifyPolicy;
    const dev = (id: string, meter: string) => new TestSigner(id, 'device', [meter]);
    /** Leaf index of each appended reading, by meter and sequence. */
    const leaf = new Map<string, number>();

    async function put(s: TestSigner, seq: number, over: Partial<Reading>): Promise<void> {
      const meter = s.meters[0]!;
      leaf.set(`${meter}/${seq}`, await appendReading(f, s.sign(s.reading(meter, seq, T0, over))));
    }

    /** Quarter hour q (0-based) from T0. */
    function quarter(q: number, registerWh: number, energyWh = 110): Partial<Reading> {
      return { intervalStart: T0 + q * Q, intervalEnd: T0 + (q + 1) * Q, registerWh, energyWh };
    }

    function verdictOf(meters: string[]) {
      return buildBundle({ ...f, meters, ...PERIOD }).then((b) => ({
        b,
        v: verifyBundle(JSON.stringify(b), policy),
      }));
    }

    async function appendOcmf(bytes: Uint8Array, meterId: string): Promise<number> {
      const r = await f.ledger.append([
        { kind: EntryKind.readingOcmf, bytes, meta: { receivedAt: 0, meterId, intervalStart: T0 } },
      ]);
      return r.entries[0]!.index;
    }

    beforeAll(async () => {
      f = await openFixture(undefined, { chained });
      policy = { logVkey: f.log.vkey };
      const o = dev('dev-o', 'meter-o');
      const m = dev('dev-m', 'meter-m');
      const g = dev('dev-g', 'meter-g');
      const k = dev('dev-k', 'meter-k');
      const c = dev('dev-c', 'meter-c');
      const p = dev('dev-p', 'meter-p');
      const forger = dev('dev-f', 'meter-f');
      for (const s of [o, m, g, k, c, p, forger]) await register(f, s);
      // Issue 17's scenario: Q1–Q4 with sequences 1000–1003, then Q2–Q5 with 2000–2003 and
      // a higher register, all validly signed and in the log.
      for (let q = 0; q < 4; q++) await put(o, 1000 + q, quarter(q, 10_000 + (q + 1) * 110));
      for (let q = 1; q < 5; q++) await put(o, 2000 + q - 1, quarter(q, 20_000 + q * 110));
      // The same the other way round: Q2–Q5 first, then Q1–Q4.
      for (let q = 1; q < 5; q++) await put(p, 1000 + q - 1, quarter(q, 20_000 + q * 110));
      for (let q = 0; q < 4; q++) await put(p, 2000 + q, quarter(q, 30_000 + (q + 1) * 110));
      // An overlapping reading whose signature was broken after signing.
      await put(forger, 1, quarter(0, 10_500, 500));
      const meterF = forger.meters[0]!;
      const forged = forger.sign(forger.reading(meterF, 2, T0, quarter(0, 11_000, 500)));
      forged[forged.length - 1]! ^= 1;
      leaf.set(`${meterF}/2`, await appendReading(f, forged));
      // The register moves 700 Wh over a contiguous 500-Wh interval.
      await put(m, 1, quarter(0, 10_500, 500));
      await put(m, 2, quarter(1, 11_200, 500));
      // After a gap of one quarter, 500 Wh while the register moved 400 Wh.
      await put(g, 1, quarter(0, 10_500, 500));
      await put(g, 3, quarter(2, 10_900, 500));
      // The register goes back.
      await put(k, 1, quarter(0, 10_500, 500));
      await put(k, 3, quarter(2, 10_000, 0));
      // Import and export of one meter over the same quarter hours: two channels, honest.
      for (let q = 0; q < 4; q++) {
        await put(c, 2 * q + 1, { ...quarter(q, 50_000 + (q + 1) * 300, 300), obis: '1-0:1.8.0' });
        await put(c, 2 * q + 2, { ...quarter(q, 9_000 + (q + 1) * 200, 200), obis: '1-0:2.8.0' });
      }
      // An OCMF charger with import and export registers, two contiguous records.
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      await f.registry.register({
        signerId: 'OCMF-TEST-1',
        mode: 'device',
        keyType: 'OCMF',
        publicKey: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
        meters: ['OCMF-TEST-1'],
        ratedCapacityW: 22_000,
      });
      const records = [
        ocmfRecord(
          'OCMF-TEST-1',
          1,
          [
            { t: T0, importWh: 1_000, exportWh: 500 },
            { t: T0 + Q, importWh: 1_200, exportWh: 650 },
          ],
          privateKey,
        ),
        ocmfRecord(
          'OCMF-TEST-1',
          2,
          [
            { t: T0 + Q, importWh: 1_200, exportWh: 650 },
            { t: T0 + 2 * Q, importWh: 1_500, exportWh: 700 },
          ],
          privateKey,
        ),
      ];
      // A record of another charger whose import register decreases inside it, signed.
      const second = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      await f.registry.register({
        signerId: 'OCMF-TEST-2',
        mode: 'device',
        keyType: 'OCMF',
        publicKey: new Uint8Array(second.publicKey.export({ type: 'spki', format: 'der' })),
        meters: ['OCMF-TEST-2'],
        ratedCapacityW: 22_000,
      });
      const backwards = ocmfRecord(
        'OCMF-TEST-2',
        1,
        [
          { t: T0, importWh: 1_000, exportWh: 0 },
          { t: T0 + Q, importWh: 900, exportWh: 0 },
        ],
        second.privateKey,
      );
      leaf.set('OCMF-TEST-2/1', await appendOcmf(backwards, 'OCMF-TEST-2'));
      for (const bytes of records) {
        await appendOcmf(bytes, 'OCMF-TEST-1');
      }
    });
    afterAll(async () => {
      await f?.close();
    });

    it('refuses the overlapping readings with INTERVAL_OVERLAP, naming both entries', async () => {
      const { v } = await verdictOf(['meter-o']);
      if (v.valid) throw new Error('an overlapping bundle verified');
      expect([v.code, v.index]).toEqual(['INTERVAL_OVERLAP', leaf.get('meter-o/2000')]);
      expect(v.error.evidence).toEqual({
        meter: 'meter-o',
        obis: '1-0:1.8.0',
        entries: [
          {
            index: leaf.get('meter-o/1001'),
            intervalStart: T0 + Q,
            intervalEnd: T0 + 2 * Q,
            registerMilliWh: 10_220_000,
            energyMilliWh: 110_000,
          },
          {
            index: leaf.get('meter-o/2000'),
            intervalStart: T0 + Q,
            intervalEnd: T0 + 2 * Q,
            registerMilliWh: 20_110_000,
            energyMilliWh: 110_000,
          },
        ],
      });
      expect(v.message).toContain(`overlaps entry ${leaf.get('meter-o/1001')}`);
    });

    it('names the later entry of the log, whichever run came first', async () => {
      const { v } = await verdictOf(['meter-p']);
      if (v.valid) throw new Error('an overlapping bundle verified');
      expect([v.code, v.index]).toEqual(['INTERVAL_OVERLAP', leaf.get('meter-p/2001')]);
      expect(
        (v.error.evidence as { entries: { index: number }[] }).entries.map((e) => e.index),
      ).toEqual([leaf.get('meter-p/1000'), leaf.get('meter-p/2001')]);
    });

    it('refuses a register that disagrees with a contiguous interval (REGISTER_MISMATCH)', async () => {
      const { v } = await verdictOf(['meter-m']);
      expect(v.valid ? 'valid' : [v.code, v.index]).toEqual([
        'REGISTER_MISMATCH',
        leaf.get('meter-m/2'),
      ]);
    });

    it('refuses more energy than the register moved after a gap (ENERGY_EXCEEDS_REGISTER)', async () => {
      const { v } = await verdictOf(['meter-g']);
      expect(v.valid ? 'valid' : [v.code, v.index]).toEqual([
        'ENERGY_EXCEEDS_REGISTER',
        leaf.get('meter-g/3'),
      ]);
    });

    it('refuses a register that goes back (REGISTER_BACKWARDS)', async () => {
      const { v } = await verdictOf(['meter-k']);
      expect(v.valid ? 'valid' : [v.code, v.index]).toEqual([
        'REGISTER_BACKWARDS',
        leaf.get('meter-k/3'),
      ]);
    });

    it('reports an overlap only after the signatures: a forged one is BAD_READING_SIGNATURE', async () => {
      const { b, v } = await verdictOf(['meter-f']);
      expect(v.valid ? 'valid' : [v.code, v.index]).toEqual([
        'BAD_READING_SIGNATURE',
        leaf.get('meter-f/2'),
      ]);
      // The asynchronous verifier runs the timeline while the signatures are still being
      // checked; its verdict is the same.
      const slow = async (jobs: readonly ReadingSignatureCheck[]): Promise<boolean[]> => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return jobs.map((j) => {
          try {
            const alg = j.keyType === 'Ed25519' ? CoseAlg.EdDSA : CoseAlg.ES256;
            return verifyWithAlg(alg, j.signature, j.message, j.publicKey);
          } catch {
            return false;
          }
        });
      };
      const late = await verifyBundleAsync(JSON.stringify(b), policy, slow);
      expect(late.valid ? 'valid' : [late.code, late.index]).toEqual([
        'BAD_READING_SIGNATURE',
        leaf.get('meter-f/2'),
      ]);
    });

    it('refuses an OCMF record whose register decreases inside it (REGISTER_BACKWARDS)', async () => {
      const { v } = await verdictOf(['OCMF-TEST-2']);
      expect(v.valid ? 'valid' : [v.code, v.index]).toEqual([
        'REGISTER_BACKWARDS',
        leaf.get('OCMF-TEST-2/1'),
      ]);
    });

    it('verifies readings of one meter on two channels over the same intervals', async () => {
      const { v } = await verdictOf(['meter-c']);
      if (!v.valid) throw new Error(`${v.code}: ${v.message}`);
      expect(v.readings.map((r) => r.channels.map((ch) => ch.obis))).toEqual(
        Array.from({ length: 4 }, () => [['1-0:1.8.0'], ['1-0:2.8.0']]).flat(),
      );
      expect(v.summary.meters[0]).toMatchObject({
        importWh: 1_200,
        exportWh: 800,
        hours: [{ start: T0, importWh: 1_200, exportWh: 800 }],
      });
    });

    it('verifies an honest OCMF bundle with both registers of each record in the summary', async () => {
      const { v } = await verdictOf(['OCMF-TEST-1']);
      if (!v.valid) throw new Error(`${v.code}: ${v.message}`);
      expect(v.readings.map((r) => r.channels)).toEqual([
        [
          {
            obis: '1-0:1.8.0',
            intervalStart: T0,
            intervalEnd: T0 + Q,
            registerMilliWh: 1_200_000,
            energyMilliWh: 200_000,
          },
          {
            obis: '1-0:2.8.0',
            intervalStart: T0,
            intervalEnd: T0 + Q,
            registerMilliWh: 650_000,
            energyMilliWh: 150_000,
          },
        ],
        [
          {
            obis: '1-0:1.8.0',
            intervalStart: T0 + Q,
            intervalEnd: T0 + 2 * Q,
            registerMilliWh: 1_500_000,
            energyMilliWh: 300_000,
          },
          {
            obis: '1-0:2.8.0',
            intervalStart: T0 + Q,
            intervalEnd: T0 + 2 * Q,
            registerMilliWh: 700_000,
            energyMilliWh: 50_000,
          },
        ],
      ]);
      expect(v.summary.meters[0]).toMatchObject({
        readings: 2,
        importWh: 500,
        exportWh: 200,
        hours: [{ start: T0, importWh: 500, exportWh: 200 }],
      });
    });
  },
);
