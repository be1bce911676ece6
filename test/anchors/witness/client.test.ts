import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateEd25519Key, parseVerifierKey } from '../../../src/core/note/keys.ts';
import { cosignatureV1VkeyOf } from '../../../src/core/note/cosignature.ts';
import { openNote } from '../../../src/core/note/note.ts';
import { submitCheckpoint, type FetchLike } from '../../../anchors/witness/client.ts';
import { WitnessClientError } from '../../../anchors/witness/errors.ts';
import { buildWitnessApp } from '../../../anchors/witness/server.ts';
import { LevelWitnessStateStore } from '../../../anchors/witness/state-store.ts';
import { Witness } from '../../../anchors/witness/witness.ts';
import { WitnessSet } from '../../../anchors/witness/witness-set.ts';
import { tempDir } from '../../helpers/tmp-dir.ts';
import { ToyLog, injectFetch } from './helpers.ts';

const ORIGIN = 'wattproof.test/log';
const logKey = generateEd25519Key(ORIGIN);

interface Running {
  witness: Witness;
  app: FastifyInstance;
  store: LevelWitnessStateStore;
  fetch: FetchLike;
  url: string;
}

async function clientError(p: Promise<unknown>): Promise<WitnessClientError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof WitnessClientError) return e;
    throw e;
  }
  throw new Error('expected a WitnessClientError');
}

describe('witness client', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let running: Running[];
  const start = async (n: number): Promise<Running> => {
    const store = await LevelWitnessStateStore.open(`${tmp.path}/w${n}`);
    const witness = new Witness({
      skey: generateEd25519Key(`witness.test/w${n}`).skey,
      logs: [logKey.vkey],
      store,
    });
    const app = buildWitnessApp(witness);
    const r = { witness, app, store, fetch: injectFetch(app), url: `http://w${n}.test/` };
    running.push(r);
    return r;
  };

  beforeEach(async () => {
    tmp = await tempDir();
    running = [];
  });
  afterEach(async () => {
    for (const r of running) {
      await r.app.close();
      await r.store.close();
    }
    await tmp.remove();
  });

  describe('when submitting one checkpoint', () => {
    it('returns the cosignature line verified against the witness vkey', async () => {
      const w = await start(1);
      const log = new ToyLog(logKey.skey).grow(5);
      const cosig = await submitCheckpoint({
        witnessUrl: w.url,
        witnessVkey: w.witness.vkey,
        signedCheckpoint: log.checkpoint(),
        oldSize: 0,
        consistencyProof: [],
        fetch: w.fetch,
      });
      expect(cosig.name).toBe('witness.test/w1');
      expect(Math.abs(cosig.timestamp - Date.now() / 1000)).toBeLessThan(60);
      const opened = openNote(`${log.checkpoint()}${cosig.line}\n`, [
        parseVerifierKey(w.witness.vkey),
      ]);
      expect(opened.verified).toHaveLength(1);
    });

    it('reports CONFLICT with the witness size, INCONSISTENT, FORBIDDEN, UNKNOWN_LOG and BAD_REQUEST', async () => {
      const w = await start(1);
      const log = new ToyLog(logKey.skey).grow(8);
      const base = { witnessUrl: w.url, witnessVkey: w.witness.vkey, fetch: w.fetch };
      await submitCheckpoint({
        ...base,
        signedCheckpoint: log.checkpoint(),
        oldSize: 0,
        consistencyProof: [],
      });
      log.grow(3);
      const conflict = await clientError(
        submitCheckpoint({
          ...base,
          signedCheckpoint: log.checkpoint(),
          oldSize: 4,
          consistencyProof: log.proof(4),
        }),
      );
      expect(conflict.code).toBe('CONFLICT');
      expect(conflict.witnessSize).toBe(8);
      const bad = await clientError(
        submitCheckpoint({
          ...base,
          signedCheckpoint: log.checkpoint(),
          oldSize: 8,
          consistencyProof: log.proof(7),
        }),
      );
      expect(bad.code).toBe('INCONSISTENT');
      const impostor = new ToyLog(generateEd25519Key(ORIGIN).skey).grow(2);
      expect(
        (
          await clientError(
            submitCheckpoint({
              ...base,
              signedCheckpoint: impostor.checkpoint(),
              oldSize: 0,
              consistencyProof: [],
            }),
          )
        ).code,
      ).toBe('FORBIDDEN');
      const unknown = new ToyLog(generateEd25519Key('x.test/l').skey).grow(2);
      expect(
        (
          await clientError(
            submitCheckpoint({
              ...base,
              signedCheckpoint: unknown.checkpoint(),
              oldSize: 0,
              consistencyProof: [],
            }),
          )
        ).code,
      ).toBe('UNKNOWN_LOG');
      expect(
        (
          await clientError(
            submitCheckpoint({
              ...base,
              signedCheckpoint: log.checkpoint(),
              oldSize: 12,
              consistencyProof: [],
            }),
          )
        ).code,
      ).toBe('BAD_REQUEST');
    });

    it('reports BAD_COSIGNATURE when the 200 answer is signed by another key', async () => {
      const w = await start(1);
      const log = new ToyLog(logKey.skey).grow(2);
      const other = cosignatureV1VkeyOf(generateEd25519Key('witness.test/w1').skey);
      const err = await clientError(
        submitCheckpoint({
          witnessUrl: w.url,
          witnessVkey: other,
          signedCheckpoint: log.checkpoint(),
          oldSize: 0,
          consistencyProof: [],
          fetch: w.fetch,
        }),
      );
      expect(err.code).toBe('BAD_COSIGNATURE');
    });

    it('reports UNREACHABLE, TIMEOUT and UNEXPECTED_STATUS', async () => {
      const log = new ToyLog(logKey.skey).grow(2);
      const vkey = cosignatureV1VkeyOf(generateEd25519Key('witness.test/w9').skey);
      const base = {
        witnessUrl: 'http://w.test',
        witnessVkey: vkey,
        signedCheckpoint: log.checkpoint(),
        oldSize: 0,
        consistencyProof: [],
      };
      const refused: FetchLike = () => Promise.reject(new TypeError('fetch failed'));
      expect((await clientError(submitCheckpoint({ ...base, fetch: refused }))).code).toBe(
        'UNREACHABLE',
      );
      const hang: FetchLike = (_url, init) =>
        new Promise((_resolve, reject) =>
          init.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
        );
      expect(
        (await clientError(submitCheckpoint({ ...base, fetch: hang, timeoutMs: 50 }))).code,
      ).toBe('TIMEOUT');
      const broken: FetchLike = async () => new Response('oops', { status: 503 });
      expect((await clientError(submitCheckpoint({ ...base, fetch: broken }))).code).toBe(
        'UNEXPECTED_STATUS',
      );
    });
  });

  describe('when a WitnessSet gathers cosignatures', () => {
    it('learns each witness size from a 409, sends the right proof and merges every cosignature', async () => {
      const ws = [await start(1), await start(2)];
      const log = new ToyLog(logKey.skey).grow(10);
      // Witness 1 already saw size 10 through someone else.
      await submitCheckpoint({
        witnessUrl: ws[0]!.url,
        witnessVkey: ws[0]!.witness.vkey,
        signedCheckpoint: log.checkpoint(),
        oldSize: 0,
        consistencyProof: [],
        fetch: ws[0]!.fetch,
      });
      log.grow(5);
      const byUrl = new Map(ws.map((w) => [new URL(w.url).host, w.fetch]));
      const set = new WitnessSet({
        witnesses: ws.map((w) => ({ url: w.url, vkey: w.witness.vkey })),
        proof: async (a, b) => log.proof(a, b),
        fetch: (url, init) => byUrl.get(new URL(url).host)!(url, init),
      });
      const result = await set.submit(log.checkpoint(), 5000);
      expect(result.cosigners.sort()).toEqual(['witness.test/w1', 'witness.test/w2']);
      const opened = openNote(
        result.note,
        [logKey.vkey, ...ws.map((w) => w.witness.vkey)].map(parseVerifierKey),
      );
      expect(opened.verified).toHaveLength(3);
      expect(set.health().map((h) => h.lastSize)).toEqual([15, 15]);
    });

    it('does not wait for a dead witness, retries it with back-off and picks it up when it recovers', async () => {
      const ws = [await start(1), await start(2)];
      let down = true;
      let deadCalls = 0;
      const set = new WitnessSet({
        witnesses: ws.map((w) => ({ url: w.url, vkey: w.witness.vkey })),
        proof: async (a, b) => log.proof(a, b),
        fetch: (url, init) => {
          if (url.includes('w2.test')) {
            deadCalls++;
            if (down) return Promise.reject(new TypeError('connect ECONNREFUSED'));
            return ws[1]!.fetch(url, init);
          }
          return ws[0]!.fetch(url, init);
        },
        initialBackoffMs: 20,
        maxBackoffMs: 40,
      });
      const log = new ToyLog(logKey.skey).grow(3);
      const t0 = Date.now();
      const first = await set.submit(log.checkpoint(), 2000);
      expect(Date.now() - t0).toBeLessThan(1000);
      expect(first.cosigners).toEqual(['witness.test/w1']);
      await new Promise((r) => setTimeout(r, 200));
      expect(deadCalls).toBeGreaterThan(2);
      expect(set.health()[1]).toMatchObject({ lastError: 'UNREACHABLE' });
      down = false;
      await new Promise((r) => setTimeout(r, 150));
      expect(set.latest()?.cosigners.sort()).toEqual(['witness.test/w1', 'witness.test/w2']);
      log.grow(4);
      const second = await set.submit(log.checkpoint(), 2000);
      expect(second.cosigners.sort()).toEqual(['witness.test/w1', 'witness.test/w2']);
      expect(set.health().map((h) => h.consecutiveFailures)).toEqual([0, 0]);
      set.close();
    });

    it('never sends a witness an older checkpoint than one it was given already', async () => {
      const w = await start(1);
      const seen: string[] = [];
      const set = new WitnessSet({
        witnesses: [{ url: w.url, vkey: w.witness.vkey }],
        proof: async (a, b) => log.proof(a, b),
        fetch: (url, init) => {
          seen.push(String(init.body).split('\n')[0]!);
          return w.fetch(url, init);
        },
      });
      const log = new ToyLog(logKey.skey).grow(9);
      const newer = await set.submit(log.checkpoint(9), 2000);
      const older = await set.submit(log.checkpoint(4), 2000);
      expect(newer.cosigners).toEqual(['witness.test/w1']);
      expect(older.cosigners).toEqual([]);
      expect(seen).toEqual(['old 0']);
      expect(set.latest()?.note).toBe(newer.note);
    });
  });
});
