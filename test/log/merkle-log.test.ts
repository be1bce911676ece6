import { chmod, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesEqual, utf8 } from '../../src/core/bytes.ts';
import { leafHash } from '../../src/core/merkle/hash.ts';
import { rootFromLeafHashes } from '../../src/core/merkle/tree.ts';
import { verifyConsistency, verifyInclusion } from '../../src/core/merkle/verify.ts';
import { parseCheckpoint } from '../../src/core/note/checkpoint.ts';
import { generateEd25519Key, parseVerifierKey } from '../../src/core/note/keys.ts';
import { openNote } from '../../src/core/note/note.ts';
import { decodeEntryBundle, decodeHashTile } from '../../src/core/tiles/tile.ts';
import { isWattproofError } from '../../src/core/errors.ts';
import { loadOrCreateLogKey } from '../../src/log/log-key.ts';
import { MAX_ENTRY_SIZE, MerkleLog } from '../../src/log/merkle-log.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

const ORIGIN = 'wattproof.test/log';
const entry = (i: number): Uint8Array => utf8(`leaf ${i}`.padEnd(20 + (i % 50), '.'));

describe('MerkleLog', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let log: MerkleLog;
  const open = async (): Promise<MerkleLog> => {
    const key = await loadOrCreateLogKey(`${tmp.path}/log.key`, ORIGIN);
    return MerkleLog.open({
      path: `${tmp.path}/db`,
      origin: ORIGIN,
      signer: key.signer,
      vkey: key.vkey,
    });
  };

  beforeEach(async () => {
    tmp = await tempDir();
    log = await open();
  });
  afterEach(async () => {
    await log.close();
    await tmp.remove();
  });

  describe('when new', () => {
    it('publishes a signed checkpoint of size 0 with the empty root', async () => {
      const note = new TextDecoder().decode(await log.checkpoint());
      const opened = openNote(note, [parseVerifierKey(log.vkey)]);
      const cp = parseCheckpoint(opened.text);
      expect(cp.origin).toBe(ORIGIN);
      expect(cp.size).toBe(0);
      expect(bytesEqual(cp.root, rootFromLeafHashes([]))).toBe(true);
    });
  });

  describe('when batches are appended', () => {
    it('grows to the RFC 9162 root of all entries and proves every leaf and every prefix', async () => {
      const all: Uint8Array[] = [];
      const roots = new Map<number, Uint8Array>();
      for (const n of [1, 2, 255, 1, 300, 700]) {
        const batch = Array.from({ length: n }, (_, k) => entry(all.length + k));
        const r = await log.append(batch);
        expect(r.first).toBe(all.length);
        all.push(...batch);
        expect(r.size).toBe(all.length);
        roots.set(r.size, r.root);
        expect(bytesEqual(r.root, rootFromLeafHashes(all.map(leafHash)))).toBe(true);
        const cp = parseCheckpoint(openNote(r.checkpoint, [parseVerifierKey(log.vkey)]).text);
        expect(cp.size).toBe(r.size);
      }
      const size = log.size;
      const root = log.root();
      for (let i = 0; i < size; i += 7) {
        const proof = await log.inclusionProof(i, size);
        expect(() => verifyInclusion(leafHash(all[i]!), i, size, proof, root)).not.toThrow();
      }
      for (const [m, rootM] of roots) {
        const proof = await log.consistencyProof(m, size);
        expect(() => verifyConsistency(m, size, proof, rootM, root)).not.toThrow();
      }
    });

    it('proves the newest leaves after every batch, as the right-edge tiles grow', async () => {
      const all: Uint8Array[] = [];
      for (const n of [1, 2, 3, 5, 60, 1, 128, 70, 255, 300, 7, 513, 1, 900, 2, 600]) {
        const batch = Array.from({ length: n }, (_, k) => entry(all.length + k));
        const r = await log.append(batch);
        all.push(...batch);
        const probes = new Set([0, r.first, r.size - 1, Math.floor(r.size / 2), r.first - 1]);
        for (const i of [...probes].filter((x) => x >= 0 && x < r.size)) {
          const proof = await log.inclusionProof(i, r.size);
          expect(() => verifyInclusion(leafHash(all[i]!), i, r.size, proof, r.root)).not.toThrow();
        }
      }
    });

    it('gives receipts the same proof as one array of hashes, at every size a batch makes', async () => {
      const all: Uint8Array[] = [];
      const flat = (hashes: Uint8Array[]): string =>
        hashes.map((h) => Buffer.from(h).toString('hex')).join('');
      for (const n of [1, 2, 5, 60, 128, 70, 255, 300, 7, 513, 1, 900, 2, 65_536 - 2_244]) {
        const batch = Array.from({ length: n }, (_, k) => entry(all.length + k));
        const r = await log.append(batch);
        all.push(...batch);
        const probes = new Set([0, 1, r.first, r.size - 1, Math.floor(r.size / 3), r.first - 1]);
        for (let i = r.first; i < r.size; i += Math.max(1, Math.floor(n / 9))) probes.add(i);
        for (const i of [...probes].filter((x) => x >= 0 && x < r.size)) {
          // Twice: once before the right-border node is cached, once after.
          for (let k = 0; k < 2; k++) {
            const path = await log.inclusionPath(i, r.size);
            const proof = flat(await log.inclusionProof(i, r.size));
            expect(Buffer.from(path).toString('hex'), `${i} of ${r.size}`).toBe(proof);
            // At once into the reused buffer: after the first read the border node is cached.
            const now = log.inclusionPathNow(i, r.size);
            if (k === 1) expect(now, `${i} of ${r.size} at once`).toBeDefined();
            if (now !== undefined) {
              expect(Buffer.from(now).toString('hex'), `${i} of ${r.size} at once`).toBe(proof);
            }
          }
        }
      }
      expect(all.length).toBe(65_536);
      // Every leaf of the last batch in order, as receipts go: each path reuses the one before.
      const size = all.length;
      for (let i = size - 2_244; i < size; i++) {
        const now = log.inclusionPathNow(i, size) ?? (await log.inclusionPath(i, size));
        expect(Buffer.from(now).toString('hex'), `${i} of ${size}`).toBe(
          flat(await log.inclusionProof(i, size)),
        );
      }
      await expect(log.inclusionPath(65_536, 65_536)).rejects.toSatisfy((e) =>
        isWattproofError(e, 'OUT_OF_RANGE'),
      );
    });

    it('serves tiles and entry bundles that match the entries, cut to the requested width', async () => {
      const all = Array.from({ length: 600 }, (_, i) => entry(i));
      await log.append(all.slice(0, 100));
      await log.append(all.slice(100));
      const t0 = decodeHashTile((await log.readHashTile(0, 0, 256))!);
      expect(t0.map((h, i) => bytesEqual(h, leafHash(all[i]!))).every(Boolean)).toBe(true);
      const partial = decodeHashTile((await log.readHashTile(0, 2, 88))!);
      expect(partial).toHaveLength(88);
      expect(bytesEqual(partial[87]!, leafHash(all[599]!))).toBe(true);
      expect(await log.readHashTile(0, 2, 89)).toBeUndefined();
      expect(await log.readHashTile(0, 3, 1)).toBeUndefined();
      const t1 = decodeHashTile((await log.readHashTile(1, 0, 2))!);
      expect(bytesEqual(t1[1]!, rootFromLeafHashes(all.slice(256, 512).map(leafHash)))).toBe(true);
      expect(await log.readHashTile(1, 0, 3)).toBeUndefined();
      const bundle = decodeEntryBundle((await log.readEntryBundle(1, 256))!);
      expect(bundle.every((e, k) => bytesEqual(e, all[256 + k]!))).toBe(true);
      expect(decodeEntryBundle((await log.readEntryBundle(2, 10))!)).toHaveLength(10);
      expect(await log.readEntryBundle(2, 89)).toBeUndefined();
    });

    it('stores each full tile with its interior nodes, across batch boundaries and restarts', async () => {
      const all = Array.from({ length: 700 }, (_, i) => entry(i));
      await log.append(all.slice(0, 100));
      await log.close();
      log = await open(); // the edge tile's interior is rebuilt from its hashes
      await log.append(all.slice(100, 300));
      await log.append(all.slice(300));
      const store = (
        log as unknown as { store: { tile(l: number, i: number): Promise<Uint8Array> } }
      ).store;
      for (const t of [0, 1]) {
        const bytes = await store.tile(0, t);
        expect(bytes.length).toBe((256 + 254) * 32);
        const leaves = all.slice(t * 256, t * 256 + 256).map(leafHash);
        let offset = 256;
        for (let h = 1; h < 8; h++) {
          const n = 2 ** (8 - h);
          for (let j = 0; j < n; j++) {
            const expected = rootFromLeafHashes(leaves.slice(j * 2 ** h, (j + 1) * 2 ** h));
            expect(
              bytesEqual(bytes.subarray((offset + j) * 32, (offset + j + 1) * 32), expected),
            ).toBe(true);
          }
          offset += n;
        }
        // The public tile is the 256 hashes only.
        expect((await log.readHashTile(0, t, 256))!.length).toBe(8192);
      }
      expect((await store.tile(0, 2)).length).toBe(188 * 32);
    });

    it('keeps its size, root, tiles and checkpoints across a reopen', async () => {
      await log.append(Array.from({ length: 1000 }, (_, i) => entry(i)));
      const root = log.root();
      const note = await log.checkpoint();
      await log.close();
      log = await open();
      expect(log.size).toBe(1000);
      expect(bytesEqual(log.root(), root)).toBe(true);
      expect(bytesEqual((await log.checkpoint())!, note!)).toBe(true);
      const r = await log.append([entry(1000)]);
      expect(
        bytesEqual(
          r.root,
          rootFromLeafHashes(Array.from({ length: 1001 }, (_, i) => leafHash(entry(i)))),
        ),
      ).toBe(true);
    });
  });

  describe('when batches are appended without waiting for each other', () => {
    it('commits them in order and publishes every size in turn', async () => {
      const sizes: number[] = [];
      log.onCheckpoint((cp) => sizes.push(cp.size));
      const batches = Array.from({ length: 20 }, (_, b) =>
        Array.from({ length: 1 + b * 7 }, (_, k) => entry(b * 1000 + k)),
      );
      const results = await Promise.all(batches.map((batch) => log.append(batch)));
      const all = batches.flat();
      let expected = 0;
      results.forEach((r, b) => {
        expect(r.first).toBe(expected);
        expected += batches[b]!.length;
        expect(r.size).toBe(expected);
      });
      expect(sizes).toEqual(results.map((r) => r.size));
      expect(bytesEqual(log.root(), rootFromLeafHashes(all.map(leafHash)))).toBe(true);
      expect((await log.entries(0, all.length)).every((e, i) => bytesEqual(e, all[i]!))).toBe(true);
    });

    it('refuses all further work once a commit fails, and loses nothing committed before it', async () => {
      await log.append([entry(0)]);
      const store = (log as unknown as { store: { commit: (...a: unknown[]) => Promise<void> } })
        .store;
      const real = store.commit.bind(store);
      let calls = 0;
      store.commit = async (...a: unknown[]) => {
        if (++calls === 1) throw new Error('disk full');
        return real(...a);
      };
      const failed = log.append([entry(1)]);
      const after = log.append([entry(2)]);
      await expect(failed).rejects.toThrow('disk full');
      await expect(after).rejects.toSatisfy((e) => isWattproofError(e, 'LOG_FAILED'));
      await expect(log.append([entry(3)])).rejects.toSatisfy((e) =>
        isWattproofError(e, 'LOG_FAILED'),
      );
      expect(log.size).toBe(1);
      await log.close();
      log = await open();
      expect(log.size).toBe(1);
      expect(bytesEqual(log.root(), rootFromLeafHashes([leafHash(entry(0))]))).toBe(true);
    });
  });

  describe('when entries are sequenced without being integrated', () => {
    it('integrates them at the next open', async () => {
      await log.append([entry(0), entry(1)]);
      const first = await log.sequence([entry(2), entry(3), entry(4)]);
      expect(first).toBe(2);
      expect(log.size).toBe(2);
      await log.close();
      log = await open();
      expect(log.size).toBe(5);
      expect(
        bytesEqual(log.root(), rootFromLeafHashes([0, 1, 2, 3, 4].map((i) => leafHash(entry(i))))),
      ).toBe(true);
    });

    it('integrates them with the next append, in index order', async () => {
      await log.sequence([entry(0), entry(1)]);
      expect(log.size).toBe(0);
      const r = await log.append([entry(2)]);
      expect(r.first).toBe(0);
      expect(r.size).toBe(3);
      expect(await log.integratePending()).toBeUndefined();
      expect(
        bytesEqual(log.root(), rootFromLeafHashes([0, 1, 2].map((i) => leafHash(entry(i))))),
      ).toBe(true);
    });
  });

  describe('when asked for what it cannot serve', () => {
    it('rejects an oversize entry, proofs beyond the tree and a closed log with codes', async () => {
      await expect(log.append([new Uint8Array(MAX_ENTRY_SIZE + 1)])).rejects.toSatisfy((e) =>
        isWattproofError(e, 'ENTRY_TOO_LARGE'),
      );
      expect(log.size).toBe(0);
      await log.append([entry(0), entry(1)]);
      await expect(log.inclusionProof(2, 2)).rejects.toSatisfy((e) =>
        isWattproofError(e, 'OUT_OF_RANGE'),
      );
      await expect(log.inclusionProof(0, 3)).rejects.toSatisfy((e) =>
        isWattproofError(e, 'OUT_OF_RANGE'),
      );
      await expect(log.consistencyProof(3, 2)).rejects.toSatisfy((e) =>
        isWattproofError(e, 'OUT_OF_RANGE'),
      );
      await expect(log.inclusionProof(Number.NaN, 2)).rejects.toSatisfy((e) =>
        isWattproofError(e, 'OUT_OF_RANGE'),
      );
      await log.close();
      await expect(log.append([entry(2)])).rejects.toSatisfy((e) =>
        isWattproofError(e, 'LOG_CLOSED'),
      );
      log = await open();
    });

    it('refuses a second process on the same database with STORE_LOCKED', async () => {
      const key = await loadOrCreateLogKey(`${tmp.path}/log.key`, ORIGIN);
      await expect(
        MerkleLog.open({
          path: `${tmp.path}/db`,
          origin: ORIGIN,
          signer: key.signer,
          vkey: key.vkey,
        }),
      ).rejects.toSatisfy((e) => isWattproofError(e, 'STORE_LOCKED'));
    });
  });
});

describe('the log key file', () => {
  it('is created with mode 0600 and reloaded with the same key', async () => {
    const tmp = await tempDir();
    try {
      const a = await loadOrCreateLogKey(`${tmp.path}/k`, 'o.example/a');
      const b = await loadOrCreateLogKey(`${tmp.path}/k`, 'o.example/a');
      expect(a.created).toBe(true);
      expect(b.created).toBe(false);
      expect(b.vkey).toBe(a.vkey);
      const { stat } = await import('node:fs/promises');
      expect((await stat(`${tmp.path}/k`)).mode & 0o777).toBe(0o600);
    } finally {
      await tmp.remove();
    }
  });

  it('is refused when others can read it, when it is garbage, or when it names another origin', async () => {
    const tmp = await tempDir();
    try {
      await loadOrCreateLogKey(`${tmp.path}/k`, 'o.example/a');
      await expect(loadOrCreateLogKey(`${tmp.path}/k`, 'o.example/b')).rejects.toSatisfy((e) =>
        isWattproofError(e, 'KEY_ORIGIN_MISMATCH'),
      );
      await chmod(`${tmp.path}/k`, 0o644);
      await expect(loadOrCreateLogKey(`${tmp.path}/k`, 'o.example/a')).rejects.toSatisfy((e) =>
        isWattproofError(e, 'KEY_FILE_EXPOSED'),
      );
      await writeFile(`${tmp.path}/g`, 'not a key\n', { mode: 0o600 });
      await expect(loadOrCreateLogKey(`${tmp.path}/g`, 'o.example/a')).rejects.toSatisfy((e) =>
        isWattproofError(e, 'KEY_FILE_INVALID'),
      );
      const { skey } = generateEd25519Key('o.example/a');
      await writeFile(`${tmp.path}/ok`, skey, { mode: 0o600 });
      expect((await loadOrCreateLogKey(`${tmp.path}/ok`, 'o.example/a')).created).toBe(false);
    } finally {
      await tmp.remove();
    }
  });
});
