import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateEd25519Key, parseVerifierKey } from '../../../src/core/note/keys.ts';
import { openNote } from '../../../src/core/note/note.ts';
import { MAX_REQUEST_BYTES, buildWitnessApp } from '../../../anchors/witness/server.ts';
import { LevelWitnessStateStore } from '../../../anchors/witness/state-store.ts';
import { Witness } from '../../../anchors/witness/witness.ts';
import { tempDir } from '../../helpers/tmp-dir.ts';
import { ToyLog, requestBody } from './helpers.ts';

const ORIGIN = 'wattproof.test/log';

describe('witness HTTP interface', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let store: LevelWitnessStateStore;
  let witness: Witness;
  let app: FastifyInstance;
  const logKey = generateEd25519Key(ORIGIN);
  const post = (payload: Uint8Array | string, contentType?: string) =>
    app.inject({
      method: 'POST',
      url: '/add-checkpoint',
      payload: typeof payload === 'string' ? payload : Buffer.from(payload),
      headers: contentType === undefined ? {} : { 'content-type': contentType },
    });

  beforeEach(async () => {
    tmp = await tempDir();
    store = await LevelWitnessStateStore.open(`${tmp.path}/state`);
    witness = new Witness({
      skey: generateEd25519Key('witness.test/w1').skey,
      logs: [logKey.vkey],
      store,
    });
    app = buildWitnessApp(witness, { now: () => 1_780_000_123 });
  });
  afterEach(async () => {
    await app.close();
    await store.close();
    await tmp.remove();
  });

  describe('when POST /add-checkpoint is called', () => {
    it('answers 200 with the cosignature line whatever the content type, or none', async () => {
      const log = new ToyLog(logKey.skey).grow(3);
      for (const [i, type] of [undefined, 'text/plain', 'application/octet-stream'].entries()) {
        const old = log.leaves.length;
        if (i > 0) log.grow(2);
        const res = await post(
          requestBody(i === 0 ? 0 : old, log.proof(i === 0 ? 0 : old), log.checkpoint()),
          type,
        );
        expect(res.statusCode, String(type)).toBe(200);
        const opened = openNote(`${log.checkpoint()}${res.body}`, [parseVerifierKey(witness.vkey)]);
        expect(opened.verified[0]?.timestamp).toBe(1_780_000_123);
      }
    });

    it('answers 409 with Content-Type text/x.tlog.size and the size in decimal', async () => {
      const log = new ToyLog(logKey.skey).grow(6);
      await post(requestBody(0, [], log.checkpoint()));
      log.grow(1);
      const res = await post(requestBody(2, log.proof(2), log.checkpoint()));
      expect(res.statusCode).toBe(409);
      expect(res.headers['content-type']).toBe('text/x.tlog.size');
      expect(res.body).toBe('6\n');
    });

    it('answers 400, 403, 404 and 422 on the wire', async () => {
      const log = new ToyLog(logKey.skey).grow(6);
      expect((await post('garbage')).statusCode).toBe(400);
      expect(
        (
          await post(
            requestBody(0, [], new ToyLog(generateEd25519Key(ORIGIN).skey).grow(1).checkpoint()),
          )
        ).statusCode,
      ).toBe(403);
      expect(
        (
          await post(
            requestBody(
              0,
              [],
              new ToyLog(generateEd25519Key('x.test/l').skey).grow(1).checkpoint(),
            ),
          )
        ).statusCode,
      ).toBe(404);
      await post(requestBody(0, [], log.checkpoint(4)));
      expect((await post(requestBody(4, log.proof(3), log.checkpoint()))).statusCode).toBe(422);
    });

    it('refuses a body above the size limit with 413', async () => {
      const res = await post('x'.repeat(MAX_REQUEST_BYTES + 1), 'text/plain');
      expect(res.statusCode).toBe(413);
    });
  });

  describe('when GET / is called', () => {
    it('describes the witness: name, cosigner vkey, logs and their sizes', async () => {
      const log = new ToyLog(logKey.skey).grow(4);
      await post(requestBody(0, [], log.checkpoint()));
      const res = await app.inject({ method: 'GET', url: '/' });
      expect(res.json()).toEqual({
        name: 'witness.test/w1',
        vkey: witness.vkey,
        logs: [{ origin: ORIGIN, size: 4 }],
      });
    });
  });
});
