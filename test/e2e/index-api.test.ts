/**
 * The verifiable index end to end: readings in over MQTT, an epoch cut, then everything an
 * issuer abroad gets over HTTP checks against the epoch's map root alone — the epoch entry
 * against the signed checkpoint, the signer's registrations, a meter's (absent) flags and a
 * meter-day's readings, whose values are recomputed from the leaf indices of the readings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toHex } from '../../src/core/bytes.ts';
import { EntryKind, encodeLeaf } from '../../src/core/leaf/index.ts';
import {
  decodeIndexEpoch,
  indexValue,
  meterFlagsIndexKey,
  readingsIndexKey,
  signerIndexKey,
  utcHourOf,
} from '../../src/core/ledger-index/index.ts';
import { leafHash, verifyInclusion } from '../../src/core/merkle/index.ts';
import { parseCheckpoint, splitNote } from '../../src/core/note/index.ts';
import { verifyLookup, verifyPrefixEntries } from '../../src/core/vmap/index.ts';
import {
  meterTopic,
  Publisher,
  startTestNode,
  TestSigner,
  waitFor,
  type TestNode,
} from './node-harness.ts';

// A day of readings that starts at 00:00 UTC, 15-minute intervals: 8 readings, 2 hours.
const T0 = Math.floor(Date.now() / 1000 / 86_400) * 86_400 - 2 * 86_400;
const N = 8;

describe('when an issuer asks the index for proofs', () => {
  let t: TestNode;
  let pub: Publisher;
  let issuer: string;
  const device = new TestSigner('dev-index', 'device', ['meter-index']);
  const get = (path: string, token?: string) =>
    fetch(`${t.node.url}${path}`, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });

  beforeAll(async () => {
    t = await startTestNode('embedded');
    await device.register(t.node);
    issuer = (await t.node.tokens.createToken('issuer', 'index reader')).token;
    pub = await Publisher.connect(t.brokerUrl, t.topicRoot);
    for (let seq = 1; seq <= N; seq++) {
      await pub.publish(
        meterTopic(t.topicRoot, 'meter-index'),
        device.sign(device.reading('meter-index', seq, T0)),
      );
    }
    await waitFor(() => t.node.ingest.stats.accepted >= N, `${N} readings`);
  });
  afterAll(async () => {
    await pub?.close();
    await t?.close();
  });

  it('answers 404 before the first epoch', async () => {
    const res = await get('/v1/index/epoch');
    expect(res.status).toBe(404);
  });

  it('serves the epoch entry, which checks against the signed checkpoint', async () => {
    const cut = (await t.node.indexer!.cut())!;
    await waitFor(() => t.node.log.size > cut.index, 'the epoch entry in a checkpoint');
    const res = await get('/v1/index/epoch');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ epoch: cut.epoch, logSize: cut.logSize, index: cut.index });
    const bytes = fromBase64(body.bytes as string);
    const epoch = decodeIndexEpoch(bytes);
    expect(toHex(epoch.mapRoot)).toBe(toHex(fromBase64(body.mapRoot as string)));
    expect(epoch.logSize).toBe(t.node.log.size - 1);
    const leaf = encodeLeaf(EntryKind.indexEpoch, fromBase64(body.salt as string), bytes);
    const note = await (await get('/log/checkpoint')).text();
    const cp = parseCheckpoint(splitNote(note).text);
    const proof = (await (
      await get(`/v1/proofs/inclusion?index=${cut.index}&size=${cp.size}`)
    ).json()) as { hashes: string[] };
    expect(() =>
      verifyInclusion(leafHash(leaf), cut.index, cp.size, proof.hashes.map(fromBase64), cp.root),
    ).not.toThrow();
  });

  it('proves the signer’s registration and a meter without flags against the root', async () => {
    const root = t.node.indexer!.latest!.mapRoot;
    const res = await get('/v1/index/signers/dev-index', issuer);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { key: string; value: string; proof: string };
    const key = signerIndexKey('dev-index');
    expect(toHex(fromBase64(body.key))).toBe(toHex(key));
    const registration = t.node.registry.get('dev-index')!.registeredAt;
    expect(toHex(fromBase64(body.value))).toBe(toHex(indexValue([registration])));
    expect(() =>
      verifyLookup(root, key, fromBase64(body.value), fromBase64(body.proof)),
    ).not.toThrow();

    const flags = (await (await get('/v1/index/meters/meter-index/flags', issuer)).json()) as {
      value: string | null;
      proof: string;
    };
    expect(flags.value).toBeNull();
    expect(
      verifyLookup(root, meterFlagsIndexKey('meter-index'), undefined, fromBase64(flags.proof))
        .value,
    ).toBeUndefined();
  });

  it('proves every reading of the day, hour by hour, from the readings’ leaf indices', async () => {
    const root = t.node.indexer!.latest!.mapRoot;
    const day = new Date(T0 * 1000).toISOString().slice(0, 10);
    const res = await get(
      `/v1/index/meters/meter-index/readings?obis=1-0:1.8.0&period=${day}`,
      issuer,
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      prefix: string;
      hash: string;
      proof: string;
      hours: { hour: string; value: string }[];
    };
    const indices: number[] = [];
    for await (const e of t.node.ledger.meterEntries('meter-index', T0, T0 + 86_400)) {
      indices.push(e.index);
    }
    expect(indices).toHaveLength(N);
    // 4 readings an hour: hours 00 and 01 of the day.
    expect(body.hours.map((h) => h.hour)).toEqual([`${day}T00`, `${day}T01`]);
    const entries = [0, 1].map((h) => ({
      key: readingsIndexKey('meter-index', '1-0:1.8.0', utcHourOf(T0 + h * 3600)),
      value: indexValue(indices.slice(4 * h, 4 * h + 4)),
    }));
    expect(body.hours.map((h) => toHex(fromBase64(h.value)))).toEqual(
      entries.map((e) => toHex(e.value)),
    );
    const verified = verifyPrefixEntries(
      root,
      fromBase64(body.prefix),
      entries,
      fromBase64(body.proof),
    );
    expect(toHex(verified.hash)).toBe(toHex(fromBase64(body.hash)));
    // A reading left out changes the subtree: the proof no longer holds.
    const short = [{ ...entries[0]!, value: indexValue(indices.slice(0, 3)) }, entries[1]!];
    expect(() =>
      verifyPrefixEntries(root, fromBase64(body.prefix), short, fromBase64(body.proof)),
    ).toThrow();
    // The next day has none: an absence proof (the empty-map hash).
    const next = new Date((T0 + 86_400) * 1000).toISOString().slice(0, 10);
    const empty = (await (
      await get(`/v1/index/meters/meter-index/readings?obis=1-0:1.8.0&period=${next}`, issuer)
    ).json()) as { prefix: string; proof: string; hours: unknown[] };
    expect(empty.hours).toEqual([]);
    expect(() =>
      verifyPrefixEntries(root, fromBase64(empty.prefix), [], fromBase64(empty.proof)),
    ).not.toThrow();
  });

  it('refuses requests without an issuer token, and malformed periods and registers', async () => {
    expect((await get('/v1/index/signers/dev-index')).status).toBe(401);
    const operator = (await t.node.tokens.createToken('operator', 'not an issuer')).token;
    expect((await get('/v1/index/signers/dev-index', operator)).status).toBe(403);
    // The export is the operator's: no token 401, an issuer 403, the operator a page of entries.
    expect((await get('/v1/export/entries')).status).toBe(401);
    expect((await get('/v1/export/entries', issuer)).status).toBe(403);
    const page = (await (await get('/v1/export/entries?limit=2', operator)).json()) as {
      entries: { index: number }[];
      next: number;
    };
    expect(page.entries.map((e) => e.index)).toEqual([0, 1]);
    expect(page.next).toBe(2);
    const bad = async (q: string) => {
      const res = await get(`/v1/index/meters/meter-index/readings?${q}`, issuer);
      return [res.status, ((await res.json()) as { error: { code: string } }).error.code];
    };
    expect(await bad('obis=1-0:1.8.0&period=2026-13')).toEqual([400, 'INVALID_KEY_PART']);
    expect(await bad('obis=1-0:1.8.0&period=26')).toEqual([400, 'INVALID_REQUEST']);
    expect(await bad('obis=1-0:01.8.0&period=2026')).toEqual([400, 'INVALID_KEY_PART']);
    expect(await bad('period=2026')).toEqual([400, 'INVALID_REQUEST']);
  });
});
