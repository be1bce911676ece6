/**
 * Crash safety of ingest through the real Mosquitto: a publisher sends 20,000 QoS 1 readings
 * while the node is killed with SIGKILL several times and restarted. Afterwards every reading
 * the broker acknowledged is in the log exactly once, and the log is consistent with every
 * checkpoint it published before the kills.
 *
 * The broker is a Mosquitto of the test's own, configured as docs/mqtt.md recommends for a
 * node's broker: with Mosquitto's default `max_queued_messages` (1000) the broker drops what it
 * queued beyond that for an offline session while still acknowledging the publisher, so a
 * node restart of a few seconds at this rate would lose readings before they reach the node.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createPublicKey } from 'node:crypto';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { bytesEqual, toBase64, utf8 } from '../../src/core/bytes.ts';
import { decodeChainLink, EntryKind } from '../../src/core/leaf/leaf.ts';
import { leafHash } from '../../src/core/merkle/hash.ts';
import { rootFromLeafHashes } from '../../src/core/merkle/tree.ts';
import { verifyConsistency } from '../../src/core/merkle/verify.ts';
import { parseCheckpoint } from '../../src/core/note/checkpoint.ts';
import { parseVerifierKey } from '../../src/core/note/keys.ts';
import { openNote } from '../../src/core/note/note.ts';
import { meterReadingsTopic } from '../../src/ingest/topics.ts';
import { LedgerIndexer } from '../../src/indexer/index.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { loadOrCreateLogKey } from '../../src/log/log-key.ts';
import { MerkleLog } from '../../src/log/merkle-log.ts';
import { LevelStore } from '../../src/storage/level-store.ts';
import { ed25519KeyObject, fastReadingSigner } from '../../simulator/load/fast-signer.ts';
import { tempDir } from '../helpers/tmp-dir.ts';
import { freePort } from '../helpers/free-port.ts';
import { MOSQUITTO_BIN, startMosquitto } from '../helpers/mosquitto.ts';
import { waitFor } from './node-harness.ts';

const METERS = 20;
const PER_METER = 1000;
const RATE = 350; // readings per second
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

describe('when the node is killed with SIGKILL while readings stream in through Mosquitto', () => {
  const test = MOSQUITTO_BIN === undefined ? it.skip : it;
  const skipped = MOSQUITTO_BIN === undefined ? ' (skipped: mosquitto is not installed)' : '';
  test(`keeps every acknowledged reading exactly once, each meter chained unbroken and its timeline whole (${METERS * PER_METER} readings)${skipped}`, async () => {
    const tmp = await tempDir();
    const broker = await startMosquitto(tmp.path, [
      'max_queued_messages 100000000',
      'max_queued_bytes 4000000000',
      'max_inflight_messages 0',
    ]);
    const MOSQUITTO_URL = broker.url;
    const run = randomBytes(4).toString('hex');
    const root = `crash-${run}/wattproof/v1`;
    const clientId = `wattproof-crash-${run}`;
    const httpPort = await freePort();
    const base = `http://127.0.0.1:${httpPort}`;
    const args = [
      '--import',
      'tsx',
      MAIN,
      'start',
      '--data-dir',
      tmp.path,
      '--http-port',
      String(httpPort),
      '--topic-root',
      root,
      '--mqtt-url',
      MOSQUITTO_URL,
      '--mqtt-client-id',
      clientId,
      // Many epochs, cut by count and by time, so that kills land around them.
      '--index-epoch',
      '1',
      '--index-epoch-entries',
      '2000',
    ];
    let child: ChildProcess | undefined;
    const startChild = async (): Promise<void> => {
      child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
      await waitFor(
        async () => (await fetch(`${base}/v1/log`).catch(() => undefined))?.ok === true,
        'the node',
        20_000,
      );
    };
    const checkpoints = new Set<string>();
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const res = await fetch(`${base}/log/checkpoint`).catch(() => undefined);
        if (res?.ok) checkpoints.add(await res.text());
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    try {
      await startChild();
      const vkey = ((await (await fetch(`${base}/v1/log`)).json()) as { vkey: string }).vkey;
      const token = (await readFile(`${tmp.path}/operator.token`, 'utf8')).trim();
      const meters = Array.from({ length: METERS }, (_, m) => {
        const meterId = `crash-${m}`;
        const seed = new Uint8Array(randomBytes(32));
        const x = createPublicKey(ed25519KeyObject(seed)).export({ format: 'jwk' }).x!;
        return {
          meterId,
          sign: fastReadingSigner(seed, utf8(meterId), meterId),
          publicKey: Buffer.from(x, 'base64url'),
        };
      });
      for (const m of meters) {
        const res = await fetch(`${base}/v1/registry/signers`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            signerId: m.meterId,
            mode: 'device',
            keyType: 'Ed25519',
            publicKey: toBase64(m.publicKey),
            meters: [m.meterId],
            ratedCapacityW: 10_000,
          }),
        });
        expect(res.status).toBe(201);
      }

      const t0 = Math.floor(Date.now() / 1000) - PER_METER * 900 - 3600;
      const acked = new Set<string>();
      const pub = await mqtt.connectAsync(MOSQUITTO_URL, {
        protocolVersion: 4,
        clean: true,
        reconnectPeriod: 0,
      });
      let kills = 0;
      let publishing = true;
      const killer = (async () => {
        while (publishing) {
          await new Promise((r) => setTimeout(r, 4000 + Math.random() * 5000));
          if (!publishing) break;
          child!.kill('SIGKILL');
          await new Promise((r) => child!.once('exit', r));
          kills++;
          await startChild();
        }
      })();
      const started = performance.now();
      for (let i = 0; i < METERS * PER_METER; i++) {
        const wait = started + (i / RATE) * 1000 - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const m = meters[i % METERS]!;
        const seq = Math.floor(i / METERS) + 1;
        const bytes = m.sign({
          meterId: m.meterId,
          sequence: seq,
          intervalStart: t0 + (seq - 1) * 900,
          intervalEnd: t0 + seq * 900,
          obis: '1-0:1.8.0',
          registerWh: seq * 400,
          energyWh: 400,
          quality: 1,
        });
        pub.publish(meterReadingsTopic(m.meterId, root), Buffer.from(bytes), { qos: 1 }, (err) => {
          if (!err) acked.add(`${m.meterId}/${seq}`);
        });
      }
      publishing = false;
      await killer;
      await waitFor(
        () => acked.size === METERS * PER_METER,
        'the broker to acknowledge every reading',
        30_000,
      );
      await pub.endAsync();
      expect(kills).toBeGreaterThanOrEqual(5);

      // Wait until the node has everything, then stop it cleanly and read its database.
      const expectedSize = 1 + METERS + METERS * PER_METER; // operator declaration, registrations, readings
      // The log also holds the index's epoch entries: the log size read first, the epoch count
      // (which only grows) after it, so the difference never overstates the readings.
      await waitFor(
        async () => {
          const size = ((await (await fetch(`${base}/v1/log`)).json()) as { size: number }).size;
          const metrics = await (await fetch(`${base}/metrics`)).text();
          const epochs = Number(/^index_epoch (\d+)$/m.exec(metrics)?.[1] ?? 0);
          return size - epochs >= expectedSize;
        },
        'every reading in the log',
        60_000,
      );
      // Timelines survived the kills: redeliveries were duplicates, nothing was refused; and
      // after one more SIGKILL a reading over the last quarter hour of a meter is an overlap.
      const quarantined = async (code?: string): Promise<number> => {
        const q = code === undefined ? '' : `&code=${code}`;
        const res = await fetch(`${base}/v1/quarantine?limit=1000${q}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return ((await res.json()) as { records: unknown[] }).records.length;
      };
      expect(await quarantined()).toBe(0);
      child!.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
      await startChild();
      const late = await mqtt.connectAsync(MOSQUITTO_URL, {
        protocolVersion: 4,
        clean: true,
        reconnectPeriod: 0,
      });
      for (const m of meters.slice(0, 3)) {
        const bytes = m.sign({
          meterId: m.meterId,
          sequence: PER_METER + 1,
          intervalStart: t0 + (PER_METER - 1) * 900 + 300,
          intervalEnd: t0 + PER_METER * 900 + 300,
          obis: '1-0:1.8.0',
          registerWh: (PER_METER + 1) * 400,
          energyWh: 400,
          quality: 1,
        });
        await late.publishAsync(meterReadingsTopic(m.meterId, root), Buffer.from(bytes), {
          qos: 1,
        });
      }
      await late.endAsync();
      await waitFor(
        async () => (await quarantined('INTERVAL_OVERLAP')) === 3,
        'three overlaps refused after the kill',
        20_000,
      );
      polling = false;
      await poll;
      child!.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));

      const store = await LevelStore.open(`${tmp.path}/log`);
      const key = await loadOrCreateLogKey(`${tmp.path}/log.key`, 'wattproof.example/local');
      const log = await MerkleLog.open({
        store,
        origin: 'wattproof.example/local',
        signer: key.signer,
        vkey: key.vkey,
      });
      const ledger = new Ledger(log, store);
      try {
        let epochEntries = 0;
        for await (const { record } of ledger.records(0, log.size)) {
          if (record.kind === EntryKind.indexEpoch) epochEntries++;
        }
        expect(log.size - epochEntries).toBe(expectedSize);
        // Epochs were cut across the kills, and the index rebuilds from the log to every root
        // they recorded (open checks each one and refuses a mismatch).
        expect(epochEntries).toBeGreaterThan(1);
        const indexer = await LedgerIndexer.open(await Ledger.open(log, store));
        expect(indexer.latest?.epoch).toBe(epochEntries);
        indexer.close();
        const seen = new Map<string, number>();
        // Each meter's chain survived the kills: every reading links to the one before it.
        const heads = new Map<string, { index: number; leafHash: Uint8Array }>();
        let brokenLinks = 0;
        for (let i = 0; i < log.size; i++) {
          const r = await ledger.record(i);
          if (
            r &&
            !r.erased &&
            r.meta.meterId?.startsWith('crash-') &&
            r.meta.sequence !== undefined
          ) {
            const k = `${r.meta.meterId}/${r.meta.sequence}`;
            seen.set(k, (seen.get(k) ?? 0) + 1);
            const link = decodeChainLink(r.link!);
            const head = heads.get(r.meta.meterId);
            const linksBack =
              head === undefined
                ? link === undefined
                : link !== undefined &&
                  link.index === head.index &&
                  bytesEqual(link.leafHash, head.leafHash);
            if (!linksBack) brokenLinks++;
            heads.set(r.meta.meterId, { index: i, leafHash: leafHash(await log.entry(i)) });
          }
        }
        for (const k of acked) expect(seen.get(k), k).toBe(1);
        expect(seen.size).toBe(acked.size);
        expect(brokenLinks).toBe(0);

        const root = rootFromLeafHashes((await log.entries(0, log.size)).map(leafHash));
        expect(bytesEqual(root, log.publishedRoot())).toBe(true);
        const verifier = parseVerifierKey(vkey);
        expect(checkpoints.size).toBeGreaterThan(kills);
        for (const note of checkpoints) {
          const cp = parseCheckpoint(openNote(note, [verifier]).text);
          const proof = await log.consistencyProof(cp.size, log.size);
          expect(() => verifyConsistency(cp.size, log.size, proof, cp.root, root)).not.toThrow();
        }
      } finally {
        await log.close();
        await store.close();
      }
    } finally {
      polling = false;
      child?.kill('SIGKILL');
      await broker.close();
      await tmp.remove();
    }
  }, 240_000);
});
