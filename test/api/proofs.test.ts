import { fastify, type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, utf8 } from '../../src/core/bytes.ts';
import { leafHash } from '../../src/core/merkle/hash.ts';
import { rootFromLeafHashes } from '../../src/core/merkle/tree.ts';
import { verifyConsistency, verifyInclusion } from '../../src/core/merkle/verify.ts';
import { installErrorHandling } from '../../src/api/errors.ts';
import { proofRoutes } from '../../src/api/routes/proofs.ts';
import { loadOrCreateLogKey } from '../../src/log/log-key.ts';
import { MerkleLog } from '../../src/log/merkle-log.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

describe('the proof routes', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let log: MerkleLog;
  let app: FastifyInstance;
  const entries = Array.from({ length: 300 }, (_, i) => utf8(`entry ${i}`));
  const hashes = entries.map(leafHash);

  beforeAll(async () => {
    tmp = await tempDir();
    const key = await loadOrCreateLogKey(`${tmp.path}/log.key`, 'wattproof.test/proofs');
    log = await MerkleLog.open({
      path: `${tmp.path}/db`,
      origin: 'wattproof.test/proofs',
      signer: key.signer,
      vkey: key.vkey,
    });
    await log.append(entries.slice(0, 100));
    await log.append(entries.slice(100));
    app = fastify();
    installErrorHandling(app);
    await app.register(proofRoutes, { prefix: '/v1', log });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await log.close();
    await tmp.remove();
  });

  it('serves inclusion proofs that verify, at the published size by default', async () => {
    for (const [index, size] of [
      [0, 300],
      [137, 300],
      [99, 100],
      [299, undefined],
    ] as const) {
      const res = await app.inject({
        url: `/v1/proofs/inclusion?index=${index}${size === undefined ? '' : `&size=${size}`}`,
      });
      expect(res.statusCode).toBe(200);
      const body = res.json() as { index: number; treeSize: number; hashes: string[] };
      expect(body.treeSize).toBe(size ?? 300);
      const n = body.treeSize;
      expect(() =>
        verifyInclusion(
          hashes[index]!,
          index,
          n,
          body.hashes.map(fromBase64),
          rootFromLeafHashes(hashes.slice(0, n)),
        ),
      ).not.toThrow();
    }
  });

  it('serves consistency proofs that verify', async () => {
    const res = await app.inject({ url: '/v1/proofs/consistency?from=100&to=300' });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { hashes: string[] };
    expect(() =>
      verifyConsistency(
        100,
        300,
        body.hashes.map(fromBase64),
        rootFromLeafHashes(hashes.slice(0, 100)),
        rootFromLeafHashes(hashes),
      ),
    ).not.toThrow();
    const dflt = await app.inject({ url: '/v1/proofs/consistency?from=0' });
    expect(dflt.json()).toEqual({ from: 0, to: 300, hashes: [] });
  });

  it('answers 404 beyond the tree and 400 for malformed parameters', async () => {
    for (const url of [
      '/v1/proofs/inclusion?index=300',
      '/v1/proofs/inclusion?index=0&size=301',
      '/v1/proofs/consistency?from=1&to=400',
      '/v1/proofs/consistency?from=301',
    ]) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect((res.json() as { error: { code: string } }).error.code).toBe('OUT_OF_RANGE');
    }
    for (const url of [
      '/v1/proofs/inclusion',
      '/v1/proofs/inclusion?index=-1',
      '/v1/proofs/inclusion?index=abc',
      '/v1/proofs/inclusion?index=1.5',
      '/v1/proofs/consistency?to=3',
    ]) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(400);
    }
  });
});
