/**
 * Readings in over MQTT, entries in the log, receipts out — through the real Mosquitto and
 * through the embedded broker: devices that sign their own readings, a collection platform that
 * signs for legacy meters, a platform that relays device-signed readings, and the OCMF fixtures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesEqual, utf8 } from '../../src/core/bytes.ts';
import {
  checkDisclosure,
  decodeChainLink,
  entryBytesOf,
  EntryKind,
} from '../../src/core/leaf/leaf.ts';
import { leafHash } from '../../src/core/merkle/hash.ts';
import { verifyInclusion } from '../../src/core/merkle/verify.ts';
import { parseOcmfPublicKey } from '../../src/core/ocmf/index.ts';
import {
  decodeReceiptMessage,
  verifyReceiptMessage,
} from '../../src/core/receipt/receipt-message.ts';
import type { EntryRecord } from '../../src/ledger/entry-record.ts';
import samples from '../vectors/ocmf-samples.json' with { type: 'json' };
import {
  meterTopic,
  platformBatch,
  platformTopic,
  Publisher,
  startTestNode,
  TestSigner,
  waitFor,
  type BrokerKind,
  type TestNode,
} from './node-harness.ts';

const T0 = Math.floor(Date.now() / 1000) - 86_400;

async function liveRecords(
  t: TestNode,
): Promise<(EntryRecord & { erased: false; index: number })[]> {
  const out = [];
  for (let i = 0; i < t.node.log.size; i++) {
    const r = await t.node.ledger.record(i);
    if (r && !r.erased) out.push({ ...r, index: i });
  }
  return out;
}

describe.each<BrokerKind>(['mosquitto', 'embedded'])(
  'when readings arrive through %s',
  (broker) => {
    let t: TestNode;
    let pub: Publisher;
    const devices = [1, 2, 3].map((n) => new TestSigner(`dev-${n}`, 'device', [`meter-${n}`]));
    const platform = new TestSigner('plat-1', 'platform', ['legacy-1', 'legacy-2']);
    const relayed = new TestSigner('dev-r', 'device', ['meter-r']);

    beforeAll(async () => {
      t = await startTestNode(broker);
      for (const s of [...devices, platform, relayed]) await s.register(t.node);
      pub = await Publisher.connect(t.brokerUrl, t.topicRoot);
    });
    afterAll(async () => {
      await pub?.close();
      await t?.close();
    });

    it('appends device-signed readings and sends each meter a receipt it can verify', async () => {
      const before = t.node.log.size;
      const sent = new Map<string, Uint8Array>();
      for (let seq = 1; seq <= 4; seq++) {
        for (const d of devices) {
          const bytes = d.sign(d.reading(d.meters[0]!, seq, T0));
          sent.set(`${d.meters[0]}/${seq}`, bytes);
          await pub.publish(meterTopic(t.topicRoot, d.meters[0]!), bytes);
        }
      }
      await waitFor(() => t.node.log.size >= before + 12, '12 entries');
      await waitFor(() => pub.receipts.length >= 12, '12 receipts');
      for (const r of pub.receipts.slice(0, 12)) {
        const meter = r.topic.split('/').at(-2)!;
        const { message } = verifyReceiptMessage(
          r.payload,
          sent.get(`${meter}/${decodeSeq(r.payload)}`)!,
          t.node.vkey,
        );
        expect(message.meterId).toBe(meter);
      }
      const recs = (await liveRecords(t)).filter((r) => r.meta.meterId?.startsWith('meter-'));
      expect(recs).toHaveLength(12);
      const previous = new Map<string, { index: number; leaf: Uint8Array }>();
      for (const r of recs.sort((x, y) => x.index - y.index)) {
        expect(r.meta.trustMode).toBe('device');
        expect(r.kind).toBe(EntryKind.readingCoseChained);
        expect(bytesEqual(r.bytes, sent.get(`${r.meta.meterId}/${r.meta.sequence}`)!)).toBe(true);
        // The public leaf commits to the link and the exact bytes, and is provably in the log.
        const leaf = await t.node.log.entry(r.index);
        checkDisclosure(leaf, r.salt, entryBytesOf(r.kind, r.bytes, r.link));
        // Each reading links to its meter's previous one (docs/log-format.md §Chained readings).
        const link = decodeChainLink(r.link!);
        const prev = previous.get(r.meta.meterId!);
        if (prev === undefined) expect(link).toBeUndefined();
        else expect(link).toEqual({ index: prev.index, leafHash: leafHash(prev.leaf) });
        previous.set(r.meta.meterId!, { index: r.index, leaf });
        const proof = await t.node.log.inclusionProof(r.index, t.node.log.size);
        verifyInclusion(
          leafHash(leaf),
          r.index,
          t.node.log.size,
          proof,
          t.node.log.publishedRoot(),
        );
      }
    });

    it('records platform-signed readings of legacy meters with trust mode platform', async () => {
      const batch = [1, 2].flatMap((seq) =>
        platform.meters.map((m) => platform.sign(platform.reading(m, seq, T0))),
      );
      await pub.publish(platformTopic(t.topicRoot, 'plat-1'), platformBatch(batch));
      await waitFor(
        async () =>
          (await liveRecords(t)).filter((r) => r.meta.trustMode === 'platform').length === 4,
        '4 platform entries',
      );
      const recs = (await liveRecords(t)).filter((r) => r.meta.trustMode === 'platform');
      expect(recs.map((r) => r.meta.signerId)).toEqual(['plat-1', 'plat-1', 'plat-1', 'plat-1']);
      expect(new Set(recs.map((r) => r.meta.meterId))).toEqual(new Set(['legacy-1', 'legacy-2']));
      // Each reading stays separately signed: one entry per reading, not per message.
      expect(new Set(recs.map((r) => r.index)).size).toBe(4);
    });

    it('keeps device trust for device-signed readings a platform relays unchanged', async () => {
      const bytes = [1, 2, 3].map((seq) => relayed.sign(relayed.reading('meter-r', seq, T0)));
      await pub.publish(platformTopic(t.topicRoot, 'plat-1'), platformBatch(bytes));
      await waitFor(
        async () => (await liveRecords(t)).filter((r) => r.meta.meterId === 'meter-r').length === 3,
        'relayed entries',
      );
      const recs = (await liveRecords(t)).filter((r) => r.meta.meterId === 'meter-r');
      for (const r of recs) {
        expect(r.meta.trustMode).toBe('device');
        expect(r.meta.signerId).toBe('dev-r');
        expect(bytes.some((b) => bytesEqual(b, r.bytes))).toBe(true);
      }
    });

    it('accepts the valid OCMF fixtures and quarantines the tampered ones as BAD_SIGNATURE', async () => {
      const records = samples as { ocmf: string; publicKey: string; valid: boolean }[];
      const serialOf = (o: string): string => {
        const p = JSON.parse(o.slice(5, o.lastIndexOf('|'))) as Record<string, string>;
        return p.MS || p.GS || '';
      };
      for (const s of new Map(records.map((r) => [serialOf(r.ocmf), r])).values()) {
        await t.node.registry.register({
          signerId: serialOf(s.ocmf),
          mode: 'device',
          keyType: 'OCMF',
          publicKey: parseOcmfPublicKey(s.publicKey).spki,
          meters: [serialOf(s.ocmf)],
          ratedCapacityW: 22_000,
        });
      }
      const badBefore = t.node.quarantine.counts().rejectedByCode.BAD_SIGNATURE ?? 0;
      const dupBefore = t.node.ingest.stats.duplicates;
      for (const s of records)
        await pub.publish(meterTopic(t.topicRoot, serialOf(s.ocmf)), utf8(s.ocmf));
      // The fixtures hold 6 valid records, two of them the same bytes (ebee T29 in two files):
      // 5 entries and 1 idempotent duplicate; the 2 tampered records fail their signature.
      const unique = [...new Set(records.filter((r) => r.valid).map((r) => r.ocmf))];
      const ocmfEntries = async () =>
        (await liveRecords(t)).filter((r) => r.kind === EntryKind.readingOcmfChained);
      await waitFor(async () => (await ocmfEntries()).length === unique.length, 'the OCMF entries');
      await waitFor(
        () => (t.node.quarantine.counts().rejectedByCode.BAD_SIGNATURE ?? 0) === badBefore + 2,
        '2 BAD_SIGNATURE',
      );
      await waitFor(() => t.node.ingest.stats.duplicates === dupBefore + 1, 'the duplicate');
      const entries = await ocmfEntries();
      for (const o of unique)
        expect(entries.filter((e) => bytesEqual(e.bytes, utf8(o)))).toHaveLength(1);
      for (const e of entries) expect(e.meta.trustMode).toBe('device');
    });
  },
);

function decodeSeq(payload: Uint8Array): number {
  return decodeReceiptMessage(payload).sequence;
}
