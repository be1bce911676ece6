import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { concatBytes, toBase64, utf8 } from '../../../src/core/bytes.ts';
import { parseCheckpoint } from '../../../src/core/note/checkpoint.ts';
import { cosignatureV1VkeyOf } from '../../../src/core/note/cosignature.ts';
import {
  ed25519Signer,
  generateEd25519Key,
  parseVerifierKey,
} from '../../../src/core/note/keys.ts';
import { openNote, signNote, splitNote } from '../../../src/core/note/note.ts';
import { WitnessError } from '../../../anchors/witness/errors.ts';
import { LevelWitnessStateStore } from '../../../anchors/witness/state-store.ts';
import {
  TLOG_SIZE_CONTENT_TYPE,
  Witness,
  type WitnessRefusal,
} from '../../../anchors/witness/witness.ts';
import vectors from '../../vectors/notes-cosignature.json' with { type: 'json' };
import { tempDir } from '../../helpers/tmp-dir.ts';
import { ToyLog, requestBody } from './helpers.ts';

const ORIGIN = 'wattproof.test/log';
const NOW = 1_780_000_000;

describe('Witness (c2sp.org/tlog-witness add-checkpoint)', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let store: LevelWitnessStateStore;
  let witness: Witness;
  let refusals: WitnessRefusal[];
  const logKey = generateEd25519Key(ORIGIN);
  const witnessKey = generateEd25519Key('witness.test/w1');

  const open = async (): Promise<Witness> => {
    store = await LevelWitnessStateStore.open(`${tmp.path}/state`);
    return new Witness({
      skey: witnessKey.skey,
      logs: [logKey.vkey],
      store,
      onRefusal: (r) => refusals.push(r),
    });
  };
  const add = (oldSize: number, proof: Uint8Array[], note: string, now = NOW) =>
    witness.addCheckpoint(requestBody(oldSize, proof, note), now);

  beforeEach(async () => {
    tmp = await tempDir();
    refusals = [];
    witness = await open();
  });
  afterEach(async () => {
    await store.close();
    await tmp.remove();
  });

  describe('when a log submits its first checkpoint from old 0', () => {
    it('answers 200 with a tlog-cosignature/v1 line that verifies with the witness vkey', async () => {
      const log = new ToyLog(logKey.skey).grow(5);
      const note = log.checkpoint();
      const res = await add(0, [], note);
      expect(res.status).toBe(200);
      expect(res.body).toMatch(/^— witness\.test\/w1 [A-Za-z0-9+/=]+\n$/);
      expect(witness.vkey).toBe(cosignatureV1VkeyOf(witnessKey.skey));
      const cosigned = `${note}${res.body}`;
      const opened = openNote(cosigned, [parseVerifierKey(witness.vkey)]);
      expect(opened.verified).toEqual([
        { name: 'witness.test/w1', keyId: parseVerifierKey(witness.vkey).keyId, timestamp: NOW },
      ]);
      const both = openNote(cosigned, [
        parseVerifierKey(logKey.vkey),
        parseVerifierKey(witness.vkey),
      ]);
      expect(both.verified).toHaveLength(2);
      expect(await store.get(ORIGIN)).toMatchObject({
        size: 5,
        root: log.root(),
        checkpoint: note,
      });
    });

    it('does not let the plain Ed25519 vkey of the witness key verify the cosignature', async () => {
      const note = new ToyLog(logKey.skey).grow(3).checkpoint();
      const res = await add(0, [], note);
      const plain = parseVerifierKey(witnessKey.vkey);
      expect(() => openNote(`${splitNote(note).text}\n${res.body}`, [plain])).toThrow(
        /no signature from a known key/,
      );
    });

    it('cosigns a checkpoint of size 0 with the empty root and refuses any other root at size 0', async () => {
      const log = new ToyLog(logKey.skey);
      expect((await add(0, [], log.checkpoint(0))).status).toBe(200);
      const other = new ToyLog(logKey.skey).grow(1);
      const text = `${ORIGIN}\n0\n${toBase64(other.root())}\n`;
      const forged = signNote(text, [ed25519Signer(logKey.skey)]);
      const res = await add(0, [], forged);
      expect(res.status).toBe(409);
      expect(res.code).toBe('ROOT_CONFLICT');
    });
  });

  describe('when the log grows', () => {
    it('accepts a valid RFC 6962 consistency proof from the stored size, again and again', async () => {
      const log = new ToyLog(logKey.skey).grow(5);
      expect((await add(0, [], log.checkpoint())).status).toBe(200);
      for (const n of [1, 6, 17, 100]) {
        const old = log.leaves.length;
        log.grow(n);
        const res = await add(old, log.proof(old), log.checkpoint());
        expect(res.status, `${old} → ${log.leaves.length}`).toBe(200);
      }
      expect((await store.get(ORIGIN))?.size).toBe(129);
    });

    it('cosigns the same checkpoint again (old = size, same root, empty proof)', async () => {
      const log = new ToyLog(logKey.skey).grow(7);
      await add(0, [], log.checkpoint());
      const res = await add(7, [], log.checkpoint(), NOW + 5);
      expect(res.status).toBe(200);
      expect(
        openNote(`${log.checkpoint()}${res.body}`, [parseVerifierKey(witness.vkey)]).verified[0]
          ?.timestamp,
      ).toBe(NOW + 5);
    });

    it('ignores signatures from unknown keys beside the log signature', async () => {
      const stranger = generateEd25519Key('stranger.test/key');
      const log = new ToyLog(logKey.skey).grow(4);
      expect((await add(0, [], log.checkpoint(4, [stranger.skey]))).status).toBe(200);
    });
  });

  describe('when old is not the latest cosigned size', () => {
    it('answers 409 text/x.tlog.size with the witness size, for a new log and for a known one', async () => {
      const log = new ToyLog(logKey.skey).grow(10);
      const fresh = await add(4, log.proof(4), log.checkpoint());
      expect(fresh).toMatchObject({
        status: 409,
        contentType: TLOG_SIZE_CONTENT_TYPE,
        body: '0\n',
      });
      await add(0, [], log.checkpoint(6));
      const stale = await add(4, log.proof(4), log.checkpoint());
      expect(stale).toMatchObject({
        status: 409,
        contentType: TLOG_SIZE_CONTENT_TYPE,
        body: '6\n',
      });
      expect(refusals.map((r) => r.code)).toEqual(['OLD_SIZE_MISMATCH', 'OLD_SIZE_MISMATCH']);
    });

    it('answers 409 to a checkpoint smaller than the stored one (sizes never go backwards)', async () => {
      const log = new ToyLog(logKey.skey).grow(10);
      await add(0, [], log.checkpoint());
      const res = await add(0, [], log.checkpoint(3));
      expect(res).toMatchObject({ status: 409, body: '10\n' });
      expect((await store.get(ORIGIN))?.size).toBe(10);
    });
  });

  describe('when the consistency proof fails', () => {
    it('answers 422 for a tampered hash, a short proof and a proof of another tree', async () => {
      const log = new ToyLog(logKey.skey).grow(13);
      await add(0, [], log.checkpoint());
      log.grow(20);
      const good = log.proof(13);
      const tampered = good.map((h, i) =>
        i === 1 ? concatBytes(h.subarray(0, 31), Uint8Array.of(h[31]! ^ 1)) : h,
      );
      expect((await add(13, tampered, log.checkpoint())).status).toBe(422);
      expect((await add(13, good.slice(1), log.checkpoint())).status).toBe(422);
      expect((await add(13, log.proof(12), log.checkpoint())).status).toBe(422);
      expect(refusals.every((r) => r.code === 'INCONSISTENT_PROOF')).toBe(true);
      expect((await store.get(ORIGIN))?.size).toBe(13);
      expect((await add(13, good, log.checkpoint())).status).toBe(200);
    });
  });

  describe('when the checkpoint is not signed by a trusted log key', () => {
    it('answers 403 for a checkpoint signed only by another key under the same origin', async () => {
      const impostor = generateEd25519Key(ORIGIN);
      const res = await add(0, [], new ToyLog(impostor.skey).grow(3).checkpoint());
      expect(res).toMatchObject({ status: 403, code: 'UNTRUSTED_SIGNATURE' });
      expect(await store.get(ORIGIN)).toBeUndefined();
    });

    it('answers 403 for a log signature that does not verify', async () => {
      const note = new ToyLog(logKey.skey).grow(3).checkpoint();
      const lines = note.split('\n');
      const text = `${lines[0]}\n4\n${lines[2]}\n`;
      const res = await add(0, [], `${text}\n${lines[4]}\n`);
      expect(res.status).toBe(403);
    });
  });

  describe('when the origin is unknown', () => {
    it('answers 404 as the spec requires', async () => {
      const other = generateEd25519Key('other.test/log');
      const res = await add(0, [], new ToyLog(other.skey).grow(2).checkpoint());
      expect(res).toMatchObject({ status: 404, code: 'UNKNOWN_ORIGIN' });
    });
  });

  describe('when the request is malformed', () => {
    const cp = (): string => new ToyLog(logKey.skey).grow(8).checkpoint();
    const h = toBase64(new Uint8Array(32));
    const cases: [string, () => Uint8Array][] = [
      ['no empty line', () => utf8(`old 0\n${cp().split('\n\n')[0]}`)],
      ['a non-canonical old size', () => utf8(`old 00\n\n${cp()}`)],
      ['a negative old size', () => utf8(`old -1\n\n${cp()}`)],
      ['no old line', () => utf8(`${h}\n\n${cp()}`)],
      ['old and size separated by two spaces', () => utf8(`old  0\n\n${cp()}`)],
      ['a proof line that is not base64', () => utf8(`old 3\n***\n\n${cp()}`)],
      ['a proof hash of 31 bytes', () => utf8(`old 3\n${toBase64(new Uint8Array(31))}\n\n${cp()}`)],
      ['64 proof lines', () => utf8(`old 3\n${`${h}\n`.repeat(64)}\n${cp()}`)],
      ['a proof with old 0', () => utf8(`old 0\n${h}\n\n${cp()}`)],
      ['old above the checkpoint size', () => utf8(`old 9\n\n${cp()}`)],
      ['no checkpoint', () => utf8('old 0\n\n')],
      ['an unsigned checkpoint', () => utf8(`old 0\n\n${cp().split('\n\n')[0]}\n`)],
      [
        'a note that is not a checkpoint',
        () => utf8(`old 0\n\n${cp().replace('\n8\n', '\neight\n')}`),
      ],
      ['invalid UTF-8', () => concatBytes(utf8('old 0\n\n'), Uint8Array.of(0xff, 0xfe))],
    ];
    for (const [what, body] of cases) {
      it(`answers 400 for ${what}`, async () => {
        const res = await witness.addCheckpoint(body(), NOW);
        expect(res.status).toBe(400);
        expect(res.code).toBe('MALFORMED_REQUEST');
        expect(await store.get(ORIGIN)).toBeUndefined();
      });
    }
  });

  describe('when the log forks (same key, another history)', () => {
    it('refuses the fork at the same size (409) and at a larger size (422), before and after a restart', async () => {
      const honest = new ToyLog(logKey.skey, 'honest').grow(8);
      const fork = new ToyLog(logKey.skey, 'fork').grow(8);
      expect((await add(0, [], honest.checkpoint())).status).toBe(200);
      const sameSize = await add(8, [], fork.checkpoint());
      expect(sameSize).toMatchObject({ status: 409, code: 'ROOT_CONFLICT', body: '8\n' });
      fork.grow(4);
      expect((await add(8, fork.proof(8), fork.checkpoint())).status).toBe(422);

      await store.close();
      witness = await open();
      expect((await add(8, [], fork.checkpoint(8))).status).toBe(409);
      expect((await add(8, fork.proof(8), fork.checkpoint())).status).toBe(422);
      honest.grow(4);
      expect((await add(8, honest.proof(8), honest.checkpoint())).status).toBe(200);
      expect((await store.get(ORIGIN))?.root).toEqual(honest.root());
      expect(refusals.filter((r) => r.code === 'ROOT_CONFLICT')).toHaveLength(2);
      expect(refusals[0]?.checkpoint).toBe(fork.checkpoint(8));
    });
  });

  describe('when two requests for one log race', () => {
    it('serialises them: one is cosigned, the other gets 409 with the new size, nothing rolls back', async () => {
      const log = new ToyLog(logKey.skey).grow(9);
      const [a, b] = await Promise.all([
        add(0, [], log.checkpoint(9)),
        add(0, [], log.checkpoint(5)),
      ]);
      expect(a.status).toBe(200);
      expect(b).toMatchObject({ status: 409, body: '9\n' });
      expect((await store.get(ORIGIN))?.size).toBe(9);
    });
  });

  describe('when configured', () => {
    it('rejects a malformed log vkey and a cosigner (0x04) vkey as a log key with BAD_CONFIG', () => {
      for (const logs of [['not a vkey'], [cosignatureV1VkeyOf(logKey.skey)]]) {
        let err: unknown;
        try {
          new Witness({ skey: witnessKey.skey, logs, store });
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(WitnessError);
        expect((err as WitnessError).code).toBe('BAD_CONFIG');
      }
    });
  });
});

describe('when the witness key is the published test key of section E', () => {
  // test/core/note/cosignature.test.ts checks the vector itself with the core; here the witness
  // must produce that very cosignature line from the log-signed checkpoint.
  const cc = vectors.cosignedCheckpoint;
  it('returns the published cosignature line byte for byte', async () => {
    const tmp = await tempDir();
    const store = await LevelWitnessStateStore.open(`${tmp.path}/state`);
    try {
      const witness = new Witness({ skey: cc.knownSkey, logs: [cc.logVkey], store });
      expect(witness.vkey).toBe(cc.knownCosignerVkey);
      const lines = cc.signedNote.split('\n');
      const logSigned = `${cc.body}\n${lines[4]}\n`;
      const res = await witness.addCheckpoint(requestBody(0, [], logSigned), cc.timestamp);
      expect(res.status).toBe(200);
      expect(res.body).toBe(`${lines[5]}\n`);
      expect(`${logSigned}${res.body}`).toBe(cc.signedNote);
      const opened = openNote(cc.signedNote, [
        parseVerifierKey(cc.logVkey),
        parseVerifierKey(cc.knownCosignerVkey),
      ]);
      expect(opened.verified.map((v) => v.timestamp)).toEqual([undefined, cc.timestamp]);
      expect(parseCheckpoint(opened.text).size).toBe(8);
    } finally {
      await store.close();
      await tmp.remove();
    }
  });
});
