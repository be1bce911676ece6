/**
 * Bundles that prove what they leave out (docs/bundle.md §Index): readings in over MQTT, a
 * bundle out over HTTP with the index section, verified offline; and bundles a dishonest builder
 * makes self-consistent in every other way — a reading left out, a second reading hidden on the
 * export channel, a revocation left out — each refused with its index code; a flagged meter is
 * named in the verdict; a bundle without the section still verifies and says it proves no absence.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle, type Verdict } from '../../src/core/bundle/verify.ts';
import type { Ledger } from '../../src/ledger/index.ts';
import type { Registry } from '../../src/registry/index.ts';
import { buildBundle } from '../../src/bundle/index.ts';
import {
  meterTopic,
  Publisher,
  startTestNode,
  TestSigner,
  waitFor,
  type TestNode,
} from './node-harness.ts';

// Two whole hours of a day long past, 15-minute readings.
const T0 = Math.floor(Date.now() / 1000 / 86_400) * 86_400 - 3 * 86_400;
const N = 8;

describe('when a bundle carries the index section', () => {
  let t: TestNode;
  let pub: Publisher;
  let issuer: string;
  const device = new TestSigner('dev-idx', 'device', ['meter-idx']);
  const flagged = new TestSigner('dev-flag', 'device', ['meter-flag']);
  const revoked = new TestSigner('dev-gone', 'device', ['meter-gone']);

  const post = async (meters: string[], from: number, to: number): Promise<unknown> => {
    // An epoch that reflects every reading so far (the harness cuts none by itself).
    await t.node.indexer!.cut();
    await waitFor(() => t.node.log.publishedSize() === t.node.log.size, 'the epoch published');
    const res = await fetch(`${t.node.url}/v1/bundles`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${issuer}` },
      body: JSON.stringify({ meters, from, to }),
    });
    expect(res.status).toBe(200);
    return res.json();
  };
  const verify = (bundle: unknown): Verdict => verifyBundle(bundle, { logVkey: t.node.vkey });
  const codeOf = (v: Verdict): string => (v.valid ? 'valid' : v.code);

  beforeAll(async () => {
    t = await startTestNode('embedded');
    for (const d of [device, flagged, revoked]) await d.register(t.node);
    issuer = (await t.node.tokens.createToken('issuer', 'index test')).token;
    pub = await Publisher.connect(t.brokerUrl, t.topicRoot);
    for (let seq = 1; seq <= N; seq++) {
      for (const d of [device, flagged, revoked]) {
        const m = d.meters[0]!;
        await pub.publish(meterTopic(t.topicRoot, m), d.sign(d.reading(m, seq, T0)));
      }
    }
    // The device also sends one export reading in the first hour.
    await pub.publish(
      meterTopic(t.topicRoot, 'meter-idx'),
      device.sign(
        device.reading('meter-idx', N + 1, T0, {
          obis: '1-0:2.8.0',
          intervalStart: T0,
          intervalEnd: T0 + 900,
          registerWh: 900,
          energyWh: 100,
        }),
      ),
    );
    // meter-flag signs other content for a sequence it already used: equivocation.
    await pub.publish(
      meterTopic(t.topicRoot, 'meter-flag'),
      flagged.sign(flagged.reading('meter-flag', 3, T0, { energyWh: 499, registerWh: 11_499 })),
    );
    await waitFor(() => t.node.ingest.stats.accepted >= 3 * N + 1, 'the readings');
    await waitFor(async () => t.node.quarantine.size >= 1, 'the equivocation');
    // Revoked after its readings: they stay valid, but the revocation is part of the record.
    await t.node.registry.revoke('dev-gone', 'meter replaced');
  });
  afterAll(async () => {
    await pub?.close();
    await t?.close();
  });

  it('verifies offline, proving every reading of each whole hour and the signers complete', async () => {
    const bundle = (await post(['meter-idx'], T0, T0 + 2 * 3600)) as { index?: unknown };
    expect(bundle.index).toBeDefined();
    const v = verify(bundle);
    if (!v.valid) throw new Error(`${v.code}: ${v.message}`);
    const day = new Date(T0 * 1000).toISOString().slice(0, 10);
    expect(v.index).toMatchObject({
      signers: ['dev-idx'],
      flagged: [],
      complete: [
        { meter: 'meter-idx', obis: '1-0:1.8.0', periods: [`${day}T00`, `${day}T01`] },
        { meter: 'meter-idx', obis: '1-0:2.8.0', periods: [`${day}T00`, `${day}T01`] },
      ],
    });
    expect(v.index!.logSize).toBeGreaterThan(Math.max(...v.readings.map((r) => r.index)));
  });

  it('refuses a bundle that leaves out a reading, or hides the export one', async () => {
    const all: number[] = [];
    for await (const e of t.node.ledger.meterEntries('meter-idx', T0, T0 + 2 * 3600)) {
      all.push(e.index);
    }
    expect(all).toHaveLength(N + 1);
    for (const hidden of [all[2]!, all[N]!]) {
      const bundle = await buildBundle({
        ledger: withoutEntry(t.node.ledger, hidden),
        log: t.node.log,
        registry: t.node.registry,
        index: t.node.indexer!,
        meters: ['meter-idx'],
        from: T0,
        to: T0 + 2 * 3600,
      });
      expect(bundle.index).toBeDefined();
      expect(codeOf(verify(bundle))).toBe('INDEX_READINGS_INCOMPLETE');
    }
  });

  it('refuses a bundle that leaves out its signer’s revocation', async () => {
    await t.node.indexer!.cut();
    const honest = await post(['meter-gone'], T0, T0 + 2 * 3600);
    expect(codeOf(verify(honest))).toBe('valid');
    const bundle = await buildBundle({
      ledger: t.node.ledger,
      log: t.node.log,
      registry: withoutRevocation(t.node.registry, 'dev-gone'),
      index: t.node.indexer!,
      meters: ['meter-gone'],
      from: T0,
      to: T0 + 2 * 3600,
    });
    expect(bundle.registry.length).toBe((honest as { registry: unknown[] }).registry.length - 1);
    expect(codeOf(verify(bundle))).toBe('INDEX_REGISTRY_INCOMPLETE');
  });

  it('names a flagged meter in the verdict', async () => {
    const v = verify(await post(['meter-flag'], T0, T0 + 2 * 3600));
    if (!v.valid) throw new Error(`${v.code}: ${v.message}`);
    expect(v.index!.flagged).toHaveLength(1);
    expect(v.index!.flagged[0]!.meter).toBe('meter-flag');
  });

  it('still verifies a bundle without the section, whose verdict proves no absence', async () => {
    const bundle = (await post(['meter-idx'], T0, T0 + 2 * 3600)) as Record<string, unknown>;
    delete bundle.index;
    const v = verify(bundle);
    expect(v.valid && v.index).toBeUndefined();
    expect(v.valid).toBe(true);
  });

  it('refuses a section that lacks a period of the request', async () => {
    const bundle = (await post(['meter-idx'], T0, T0 + 2 * 3600)) as {
      index: { meters: { channels: { blocks: unknown[] }[] }[] };
    };
    bundle.index.meters[0]!.channels[0]!.blocks.pop();
    expect(codeOf(verify(bundle))).toBe('INDEX_SECTION_MISSING');
  });

  // Last: it erases a reading of meter-idx.
  it('proves a whole day in one block, hour 0 and an erased reading included', async () => {
    const erasure = await t.node.ledger.erase({
      meterId: 'meter-idx',
      from: T0 + 900,
      to: T0 + 2 * 900,
      requestedBy: { tokenId: 't-1', label: 'test operator' },
    });
    expect(erasure.erased).toBe(1);
    const bundle = (await post(['meter-idx'], T0, T0 + 86_400)) as {
      entries: { erased: boolean; indexKeys?: string[] }[];
    };
    const v = verify(bundle);
    if (!v.valid) throw new Error(`${v.code}: ${v.message}`);
    const day = new Date(T0 * 1000).toISOString().slice(0, 10);
    expect(v.index!.complete).toEqual([
      { meter: 'meter-idx', obis: '1-0:1.8.0', periods: [day] },
      { meter: 'meter-idx', obis: '1-0:2.8.0', periods: [day] },
    ]);
    expect(v.erased).toHaveLength(1);
    // The erased entry's keys are what lets the day's hour 0 verify: without them it is short.
    const erased = bundle.entries.find((e) => e.erased)!;
    expect(erased.indexKeys).toHaveLength(1);
    delete erased.indexKeys;
    expect(codeOf(verify(bundle))).toBe('INDEX_READINGS_INCOMPLETE');
  });
});

/** The ledger as a builder sees it, with one entry left out of the meter index. */
function withoutEntry(ledger: Ledger, hidden: number): Ledger {
  return new Proxy(ledger, {
    get(target, p, receiver) {
      if (p === 'meterEntries') {
        return async function* (...args: Parameters<Ledger['meterEntries']>) {
          for await (const e of target.meterEntries(...args)) if (e.index !== hidden) yield e;
        };
      }
      const v = Reflect.get(target, p, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** The registry as a builder sees it, with a signer's revocation left out. */
function withoutRevocation(registry: Registry, signerId: string): Registry {
  return new Proxy(registry, {
    get(target, p, receiver) {
      if (p === 'get') {
        return (id: string) => {
          const s = target.get(id);
          if (s === undefined || id !== signerId) return s;
          const { revokedAt: _gone, ...rest } = s;
          return rest;
        };
      }
      const v = Reflect.get(target, p, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
