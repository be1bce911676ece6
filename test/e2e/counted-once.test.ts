/**
 * A watt-hour is counted once, end to end (docs/formats.md "Energy counted once"): a meter signs
 * Q1–Q4 (sequences 1000–1003), then Q2–Q5 again (sequences 2000–2003, a higher register). Through
 * the real Mosquitto and through the embedded broker, the second run is refused, the readings
 * route lists each quarter hour once, and the bundle's certificate records count the hour once.
 */
import { p256 } from '@noble/curves/nist.js';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../../src/core/bytes.ts';
import { CborTag, encodeCbor } from '../../src/core/cbor/index.ts';
import { CoseAlg, decodeCoseSign1 } from '../../src/core/cose/index.ts';
import { signReading } from '../../src/core/reading/index.ts';
import { verifyBundle } from '../../src/core/bundle/verify.ts';
import { certify, bundleSha256 } from '../../src/core/certify/index.ts';
import {
  meterTopic,
  Publisher,
  startTestNode,
  TestSigner,
  waitFor,
  type BrokerKind,
  type TestNode,
} from './node-harness.ts';

const T0 = Math.floor(Date.now() / 1000 / 3600) * 3600 - 86_400;
const Q = 900;

describe.each<BrokerKind>(['mosquitto', 'embedded'])(
  'when a meter sends a second run over quarter hours it already sent, through %s',
  (broker) => {
    let t: TestNode;
    let pub: Publisher;
    let issuer: string;
    let operator: string;
    const device = new TestSigner('dev-twice', 'device', ['meter-twice']);
    const quarter = (q: number, sequence: number, registerWh: number): Uint8Array =>
      device.sign(
        device.reading('meter-twice', sequence, T0, {
          intervalStart: T0 + (q - 1) * Q,
          intervalEnd: T0 + q * Q,
          registerWh,
          energyWh: 110,
        }),
      );

    beforeAll(async () => {
      t = await startTestNode(broker);
      await device.register(t.node);
      issuer = (await t.node.tokens.createToken('issuer', 'test issuer')).token;
      operator = (await t.node.tokens.createToken('operator', 'test operator')).token;
      pub = await Publisher.connect(t.brokerUrl, t.topicRoot);
      const topic = meterTopic(t.topicRoot, 'meter-twice');
      for (let i = 0; i < 4; i++)
        await pub.publish(topic, quarter(1 + i, 1000 + i, 10_110 + 110 * i));
      await waitFor(() => t.node.ingest.stats.accepted >= 4, 'the first run');
      for (let i = 0; i < 4; i++)
        await pub.publish(topic, quarter(2 + i, 2000 + i, 20_110 + 110 * i));
      await waitFor(() => t.node.ingest.stats.rejected >= 4, 'the second run');
    });
    afterAll(async () => {
      await pub?.close();
      await t?.close();
    });

    const get = (path: string, token: string) =>
      fetch(`${t.node.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

    it('refuses the second run, with each refusal quarantined under its precise code', async () => {
      expect(t.node.log.size).toBeGreaterThanOrEqual(5); // registration and operator entries too
      expect(t.node.ingest.stats.accepted).toBe(4);
      const res = await get('/v1/quarantine?limit=10', operator);
      expect(res.status).toBe(200);
      const { records } = (await res.json()) as {
        records: { code: string; class: string; evidence?: { collidesWith?: number } }[];
      };
      expect(records.map((r) => r.code).reverse()).toEqual([
        'INTERVAL_OVERLAP',
        'INTERVAL_OVERLAP',
        'INTERVAL_OVERLAP',
        'REGISTER_MISMATCH',
      ]);
      const overlaps = records.filter((r) => r.code === 'INTERVAL_OVERLAP');
      const named = overlaps.map((r) => r.evidence?.collidesWith);
      expect(named.every((i) => typeof i === 'number')).toBe(true);
      expect(new Set(named).size).toBe(3);
      const byCode = await get('/v1/quarantine?code=INTERVAL_OVERLAP', operator);
      expect(((await byCode.json()) as { records: unknown[] }).records).toHaveLength(3);
    });

    it('lists each quarter hour once', async () => {
      const res = await get(`/v1/meters/meter-twice/readings?from=${T0}&to=${T0 + 6 * Q}`, issuer);
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        readings: {
          sequence: number;
          intervalStart: number;
          channels: { energyMilliWh: number }[];
        }[];
      };
      expect(body.readings.map((r) => r.sequence)).toEqual([1000, 1001, 1002, 1003]);
      expect(body.readings.map((r) => r.intervalStart)).toEqual(
        [0, 1, 2, 3].map((q) => T0 + q * Q),
      );
    });

    it("takes a relay's malleated ES256 copy, before or after the original, as a duplicate", async () => {
      const key = new Uint8Array(randomBytes(32));
      await t.node.registry.register({
        signerId: 'dev-es256',
        mode: 'device',
        keyType: 'P-256',
        publicKey: p256.getPublicKey(key, false),
        meters: ['meter-es256'],
        ratedCapacityW: 10_000,
      });
      const sign = (sequence: number): Uint8Array =>
        signReading(
          {
            meterId: 'meter-es256',
            sequence,
            intervalStart: T0 + (sequence - 1) * Q,
            intervalEnd: T0 + sequence * Q,
            obis: '1-0:1.8.0',
            registerWh: 1000 + 100 * sequence,
            energyWh: 100,
            quality: 1,
          },
          { alg: CoseAlg.ES256, kid: utf8('dev-es256'), issuer: 'dev-es256', privateKey: key },
        );
      // s → n − s: a second valid signature over the same content (SEC 1 §4.1.4).
      const malleate = (bytes: Uint8Array): Uint8Array => {
        const s1 = decodeCoseSign1(bytes);
        const n = p256.Point.CURVE().n;
        const sv = BigInt(`0x${toHex(s1.signature.subarray(32))}`);
        const sig = new Uint8Array(64);
        sig.set(s1.signature.subarray(0, 32), 0);
        sig.set(fromHex((n - sv).toString(16).padStart(64, '0')), 32);
        return encodeCbor(new CborTag(18, [s1.protectedBytes, new Map(), s1.payload, sig]));
      };
      const topic = meterTopic(t.topicRoot, 'meter-es256');
      const first = sign(1);
      const second = sign(2);
      const before = { ...t.node.ingest.stats };
      await pub.publish(topic, first);
      await pub.publish(topic, malleate(first)); // after the original
      await pub.publish(topic, malleate(second)); // before the original
      await pub.publish(topic, second);
      await waitFor(
        () => t.node.ingest.stats.duplicates >= before.duplicates + 2,
        'the two duplicates',
      );
      expect(t.node.ingest.stats.accepted - before.accepted).toBe(2);
      expect(t.node.ingest.stats.rejected - before.rejected).toBe(0);
      const metrics = await (await fetch(`${t.node.url}/metrics`)).text();
      expect(metrics).toMatch(/^(wattproof_)?meters_flagged 0$/m);
    });

    it('gives a bundle whose certificate records count the hour once', async () => {
      const res = await fetch(`${t.node.url}/v1/bundles`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${issuer}` },
        body: JSON.stringify({ meters: ['meter-twice'], from: T0, to: T0 + 2 * 3600 }),
      });
      expect(res.status).toBe(200);
      const text = await res.text();
      const verdict = verifyBundle(text, { logVkey: t.node.vkey });
      if (!verdict.valid) throw new Error(`${verdict.code}: ${verdict.message}`);
      const c = certify(verdict, { evidenceSha256: bundleSha256(utf8(text)) });
      expect(c.granularCertificates.map((r) => r.bundleQuantity)).toEqual([440]);
      expect(verdict.summary.totals.importWh).toBe(440);
    });
  },
);
