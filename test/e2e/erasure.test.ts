/**
 * Right to erasure, end to end: a node takes readings over MQTT, the operator erases part of a
 * meter's period over HTTP, and then the bundle of the whole period still verifies offline,
 * listing those entries as erased and counting them; every other entry's inclusion proof still
 * verifies against the checkpoint published before the erasure; and no value left in the
 * node's LevelDB holds the erased entry bytes or salts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '../../src/core/bytes.ts';
import { verifyBundle } from '../../src/core/bundle/verify.ts';
import { leafHash, verifyInclusion } from '../../src/core/merkle/index.ts';
import { parseCheckpoint, splitNote } from '../../src/core/note/index.ts';
import { LevelStore } from '../../src/storage/level-store.ts';
import { tempDir } from '../helpers/tmp-dir.ts';
import {
  meterTopic,
  Publisher,
  startTestNode,
  TestSigner,
  waitFor,
  type TestNode,
} from './node-harness.ts';

const T0 = Math.floor(Date.now() / 1000 / 3600) * 3600 - 86_400;
const N = 12;

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(hay.buffer, hay.byteOffset, hay.length).includes(
    Buffer.from(needle.buffer, needle.byteOffset, needle.length),
  );
}

/** The entries of a C2SP tlog-tiles entry bundle: uint16 big-endian length, then the bytes. */
function bundleEntries(b: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o < b.length;) {
    const n = (b[o]! << 8) | b[o + 1]!;
    out.push(b.subarray(o + 2, o + 2 + n));
    o += 2 + n;
  }
  return out;
}

describe('when the operator erases part of a meter’s readings', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let t: TestNode;
  let pub: Publisher;
  let issuer: string;
  let operator: string;
  let before: { note: string; size: number; root: Uint8Array };
  const erasedSecrets: Uint8Array[] = [];
  let pubClosed = false;
  const device = new TestSigner('dev-erase', 'device', ['meter-erase']);
  const neighbour = new TestSigner('dev-keep', 'device', ['meter-keep']);

  const api = (path: string, token?: string, body?: object) =>
    fetch(`${t.node.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    dir = await tempDir();
    t = await startTestNode('embedded', { dir: dir.path });
    await device.register(t.node);
    await neighbour.register(t.node);
    issuer = (await t.node.tokens.createToken('issuer', 'auditor')).token;
    operator = (await t.node.tokens.createToken('operator', 'data protection')).token;
    pub = await Publisher.connect(t.brokerUrl, t.topicRoot);
    for (let seq = 1; seq <= N; seq++) {
      for (const d of [device, neighbour]) {
        const meter = d.meters[0]!;
        await pub.publish(meterTopic(t.topicRoot, meter), d.sign(d.reading(meter, seq, T0)));
      }
    }
    await waitFor(() => t.node.ingest.stats.accepted >= 2 * N, `${2 * N} readings`);
    await waitFor(async () => t.node.log.size >= 2 * N + 3, 'the readings in a checkpoint');
    const note = await (await api('/log/checkpoint')).text();
    const cp = parseCheckpoint(splitNote(note).text);
    before = { note, size: cp.size, root: cp.root };
  });
  afterAll(async () => {
    if (!pubClosed) await pub?.close();
    await t?.close();
    await dir?.remove();
  });

  // Readings 4..7 (interval starts T0 + 3·900 … T0 + 6·900).
  const from = T0 + 3 * 900;
  const to = T0 + 7 * 900;

  it('erases them over HTTP and records who asked', async () => {
    for await (const { index } of t.node.ledger.meterEntries('meter-erase', from, to)) {
      const r = await t.node.ledger.record(index);
      if (r === undefined || r.erased) throw new Error(`entry ${index} is not live`);
      erasedSecrets.push(r.bytes, r.salt);
    }
    expect(erasedSecrets).toHaveLength(8);
    expect((await api('/v1/erasures', issuer, { meterId: 'meter-erase', from, to })).status).toBe(
      403,
    );
    const res = await api('/v1/erasures', operator, { meterId: 'meter-erase', from, to });
    expect(res.status).toBe(201);
    const record = await res.json();
    expect(record).toMatchObject({ meterId: 'meter-erase', from, to, matched: 4, erased: 4 });
    expect(record.requestedBy.label).toBe('data protection');
    const listed = await (await api('/v1/erasures', operator)).json();
    expect(listed.erasures).toEqual([record]);
  });

  it('serves a bundle of the whole period that verifies, with those entries erased and counted', async () => {
    const res = await api('/v1/bundles', issuer, {
      meters: ['meter-erase'],
      from: T0,
      to: T0 + N * 900,
    });
    expect(res.status).toBe(200);
    const bundle = await res.json();
    const verdict = verifyBundle(bundle, { logVkey: t.node.vkey });
    if (!verdict.valid) throw new Error(`${verdict.code}: ${verdict.message}`);
    expect(verdict.summary.totals.erased).toBe(4);
    expect(verdict.summary.totals.readings).toBe(N - 4);
    expect(verdict.summary.totals.importWh).toBe((N - 4) * 500);
    const erasedEntries = bundle.entries.filter((e: { erased?: boolean }) => e.erased === true);
    expect(erasedEntries.map((e: { index: number }) => e.index)).toEqual(verdict.erased);
    expect(verdict.readings.map((r) => r.sequence)).toEqual([1, 2, 3, 8, 9, 10, 11, 12]);
    const text = JSON.stringify(bundle);
    for (const s of erasedSecrets) expect(text).not.toContain(toBase64(s));
  });

  it('keeps every other entry provable against the checkpoint published before the erasure', async () => {
    const after = await (await api('/log/checkpoint')).text();
    expect(after).toBe(before.note);
    const tile = new Uint8Array(
      await (await api(`/log/tile/entries/000.p/${before.size}`)).arrayBuffer(),
    );
    const leaves = bundleEntries(tile);
    expect(leaves).toHaveLength(before.size);
    for (let i = 0; i < before.size; i++) {
      const proof = await (await api(`/v1/proofs/inclusion?index=${i}&size=${before.size}`)).json();
      verifyInclusion(
        leafHash(leaves[i]!),
        i,
        before.size,
        proof.hashes.map((h: string) => fromBase64(h)),
        before.root,
      );
    }
  });

  it('lists them as erased to the readings route and leaves no value in LevelDB holding them', async () => {
    const page = await (
      await api(`/v1/meters/meter-erase/readings?from=${T0}&to=${T0 + N * 900}`, issuer)
    ).json();
    const erased = page.readings.filter((r: { erased: boolean }) => r.erased);
    expect(erased.map((r: { intervalStart: number }) => r.intervalStart)).toEqual([
      from,
      from + 900,
      from + 1800,
      from + 2700,
    ]);
    pubClosed = true;
    await pub.close();
    // Close the node (the harness's close afterwards finds nothing left open) to read its store.
    await t.node.close();
    const store = await LevelStore.open(`${dir.path}/log`);
    try {
      let values = 0;
      for await (const [, v] of store.range({
        gte: Uint8Array.of(0x00),
        lt: Uint8Array.of(0xff),
      })) {
        values++;
        for (const s of erasedSecrets) expect(contains(v, s)).toBe(false);
      }
      expect(values).toBeGreaterThan(2 * N);
    } finally {
      await store.close();
    }
  });
});
