import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatBytes, fromUtf8 } from '../../../src/core/bytes.ts';
import { leafHash } from '../../../src/core/merkle/hash.ts';
import { buildApp } from '../../../src/api/app.ts';
import type { LogReadModel } from '../../../src/log/read-model.ts';
import { bundleOf, memoryLog, ORIGIN, perfectRoot, testEntry } from '../memory-log.ts';

const SIZE = 70_000; // C2SP tlog-tiles' example: 273 full level-0 tiles + .p/112, level 1 full + .p/17, level 2 .p/1
const IMMUTABLE = 'public, max-age=31536000, immutable';

function leafHashes(from: number, to: number): Uint8Array[] {
  return Array.from({ length: to - from }, (_, i) => leafHash(testEntry(from + i)));
}

function bytesOf(res: { rawPayload: Buffer }): Uint8Array {
  return new Uint8Array(res.rawPayload);
}

let log: ReturnType<typeof memoryLog>;
let app: FastifyInstance;

beforeAll(async () => {
  log = memoryLog(SIZE);
  app = await buildApp({ log });
});
afterAll(async () => {
  await app.close();
});

describe('when the checkpoint is requested', () => {
  it('serves the signed note as text/plain; charset=utf-8, not cached', async () => {
    const res = await app.inject({ method: 'GET', url: '/log/checkpoint' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(bytesOf(res)).toEqual(await log.checkpoint());
    expect(res.body.split('\n').slice(0, 2)).toEqual([ORIGIN, String(SIZE)]);
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await app.inject({ method: 'HEAD', url: '/log/checkpoint' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(Number(res.headers['content-length'])).toBe((await log.checkpoint())!.length);
    expect(res.rawPayload.length).toBe(0);
  });

  it('ignores a query string', async () => {
    const res = await app.inject({ method: 'GET', url: '/log/checkpoint?size=1' });
    expect(res.statusCode).toBe(200);
    expect(bytesOf(res)).toEqual(await log.checkpoint());
  });
});

describe('when the log has no checkpoint yet', () => {
  it('answers 404 JSON, not cached, for the checkpoint and every tile', async () => {
    const empty = await buildApp({ log: memoryLog(0) });
    try {
      for (const url of ['/log/checkpoint', '/log/tile/0/000.p/1', '/log/tile/entries/000.p/1']) {
        const res = await empty.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(404);
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
      }
      const info = await empty.inject({ method: 'GET', url: '/v1/log' });
      expect(info.json()).toMatchObject({ size: 0 });
    } finally {
      await empty.close();
    }
  });
});

describe('when a hash tile is requested', () => {
  it('serves a full level-0 tile: 256 leaf hashes, octet-stream, immutable', async () => {
    const res = await app.inject({ method: 'GET', url: '/log/tile/0/000' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['cache-control']).toBe(IMMUTABLE);
    expect(res.rawPayload.length).toBe(8192);
    expect(bytesOf(res)).toEqual(concatBytes(...leafHashes(0, 256)));
  });

  it('serves full tile 272 and the partial tile 273.p/112 at the right of level 0', async () => {
    const full = await app.inject({ method: 'GET', url: '/log/tile/0/272' });
    expect(bytesOf(full)).toEqual(concatBytes(...leafHashes(272 * 256, 273 * 256)));
    const res = await app.inject({ method: 'GET', url: '/log/tile/0/273.p/112' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['cache-control']).toBe(IMMUTABLE);
    expect(bytesOf(res)).toEqual(concatBytes(...leafHashes(273 * 256, SIZE)));
  });

  it('serves level 1 and 2 tiles whose hashes are roots of full tiles below', async () => {
    const l1 = await app.inject({ method: 'GET', url: '/log/tile/1/000' });
    expect(l1.statusCode).toBe(200);
    expect(l1.rawPayload.length).toBe(8192);
    expect(bytesOf(l1).subarray(0, 32)).toEqual(perfectRoot(leafHashes(0, 256)));
    expect(bytesOf(l1).subarray(255 * 32)).toEqual(perfectRoot(leafHashes(255 * 256, 256 * 256)));
    const l1p = await app.inject({ method: 'GET', url: '/log/tile/1/001.p/17' });
    expect(l1p.statusCode).toBe(200);
    expect(bytesOf(l1p).subarray(16 * 32)).toEqual(perfectRoot(leafHashes(272 * 256, 273 * 256)));
    const l2p = await app.inject({ method: 'GET', url: '/log/tile/2/000.p/1' });
    expect(l2p.statusCode).toBe(200);
    expect(bytesOf(l2p)).toEqual(perfectRoot(leafHashes(0, 65_536)));
  });

  it('serves exactly W hashes at .p/W of a tile that has grown past W', async () => {
    const res = await app.inject({ method: 'GET', url: '/log/tile/0/000.p/5' });
    expect(res.statusCode).toBe(200);
    expect(bytesOf(res)).toEqual(concatBytes(...leafHashes(0, 5)));
  });

  it('serves exactly W hashes even when the read model returns a wider tile', async () => {
    const wide: LogReadModel = {
      ...log,
      readHashTile: (l, n) => log.readHashTile(l, n, l === 0 && n === 273 ? 112 : 256),
    };
    const other = await buildApp({ log: wide });
    try {
      const res = await other.inject({ method: 'GET', url: '/log/tile/0/273.p/3' });
      expect(bytesOf(res)).toEqual(concatBytes(...leafHashes(273 * 256, 273 * 256 + 3)));
    } finally {
      await other.close();
    }
  });

  it('does not serve tiles the read model holds beyond the published size', async () => {
    const ahead = await buildApp({ log: { ...log, publishedSize: () => 272 * 256 + 10 } });
    try {
      const get = async (url: string) => (await ahead.inject({ method: 'GET', url })).statusCode;
      for (const url of ['/log/tile/0/272.p/11', '/log/tile/0/273.p/1', '/log/tile/1/001.p/17']) {
        expect(await get(url), url).toBe(404);
      }
      expect(await get('/log/tile/entries/272.p/11')).toBe(404);
      expect(await get('/log/tile/0/272.p/10')).toBe(200);
      expect(await get('/log/tile/1/001.p/16')).toBe(200);
    } finally {
      await ahead.close();
    }
  });

  it.each([
    ['the full tile where only a partial exists', '/log/tile/0/273'],
    ['a partial width larger than the current one', '/log/tile/0/273.p/113'],
    ['the full level-1 tile that is still partial', '/log/tile/1/001'],
    ['a level-1 partial width larger than the current one', '/log/tile/1/001.p/18'],
    ['a tile beyond the tree', '/log/tile/0/274.p/1'],
    ['a tile far beyond the tree', '/log/tile/0/x001/x000/000'],
    ['a level above the tree', '/log/tile/3/000.p/1'],
    ['the top level', '/log/tile/63/000.p/1'],
  ])('answers 404 for %s', async (_what, url) => {
    const res = await app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it.each([
    'tile/0/1234',
    'tile/0/x001',
    'tile/0/001.p/0',
    'tile/0/001.p/256',
    'tile/-1/000',
    'tile/entries/x000/001',
    'tile/00/000',
    'tile/64/000',
    'tile/0/000.p/01',
    'tile/0/000/',
    'tile/0%2F000',
    'tile/0/%30%30%30',
    'tile/0/000%00',
    'tile/entries/000.p/256',
  ])('rejects the malformed path %s with 400 MALFORMED_PATH', async (path) => {
    const res = await app.inject({ method: 'GET', url: `/log/${path}` });
    expect(res.statusCode).toBe(400);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toMatchObject({ error: { code: 'MALFORMED_PATH' } });
  });
});

describe('when an entry bundle is requested', () => {
  it('serves a full bundle of 256 length-prefixed entries, immutable', async () => {
    const res = await app.inject({ method: 'GET', url: '/log/tile/entries/000' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['cache-control']).toBe(IMMUTABLE);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers.vary).toBe('Accept-Encoding');
    const expected = bundleOf(Array.from({ length: 256 }, (_, i) => testEntry(i)));
    expect(bytesOf(res)).toEqual(expected);
  });

  it('serves the partial bundle 273.p/112 and a prefix .p/W of a full one', async () => {
    const partial = await app.inject({ method: 'GET', url: '/log/tile/entries/273.p/112' });
    expect(partial.statusCode).toBe(200);
    expect(bytesOf(partial)).toEqual(bundleOf(log.entries.slice(273 * 256)));
    const prefix = await app.inject({ method: 'GET', url: '/log/tile/entries/001.p/3' });
    expect(bytesOf(prefix)).toEqual(bundleOf(log.entries.slice(256, 259)));
  });

  it('gzips the bundle when the client accepts gzip', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/log/tile/entries/000',
      headers: { 'accept-encoding': 'gzip, identity' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers.vary).toBe('Accept-Encoding');
    expect(new Uint8Array(gunzipSync(res.rawPayload))).toEqual(bundleOf(log.entries.slice(0, 256)));
  });

  it('does not gzip when gzip is refused with q=0', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/log/tile/entries/000',
      headers: { 'accept-encoding': 'gzip;q=0, *' },
    });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(bytesOf(res)).toEqual(bundleOf(log.entries.slice(0, 256)));
  });

  it.each([
    ['the full bundle where only a partial exists', '/log/tile/entries/273'],
    ['a partial width larger than the current one', '/log/tile/entries/273.p/113'],
    ['a bundle beyond the tree', '/log/tile/entries/274.p/1'],
  ])('answers 404 for %s', async (_what, url) => {
    const res = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it.each([
    'tile/entries/x000/001',
    'tile/entries/1',
    'tile/entries/000.p/0',
    'tile/entries/000.p',
    'tile/entries',
  ])('rejects the malformed path %s with 400', async (path) => {
    const res = await app.inject({ method: 'GET', url: `/log/${path}` });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'MALFORMED_PATH' } });
  });
});

describe('when requests are hostile', () => {
  it('rejects a very long tile path with 400 and a precise message', async () => {
    const res = await app.inject({ method: 'GET', url: `/log/tile/0/${'x001/'.repeat(2000)}000` });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: {
        code: 'INVALID_REQUEST',
        message: 'params/* must NOT have more than 128 characters',
      },
    });
  });

  it('answers a bad percent-encoding with 400 JSON', async () => {
    const res = await app.inject({ method: 'GET', url: '/log/tile/0/%ZZ' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'INVALID_REQUEST' } });
  });

  it('does not echo a very long bad URL in full', async () => {
    const res = await app.inject({ method: 'GET', url: `/log/tile/%ZZ${'a'.repeat(5000)}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message.length).toBeLessThan(600);
  });

  it('serves a tile regardless of a query string', async () => {
    const res = await app.inject({ method: 'GET', url: '/log/tile/0/000.p/2?x=../../etc&y=%2F' });
    expect(res.statusCode).toBe(200);
    expect(bytesOf(res)).toEqual(concatBytes(...leafHashes(0, 2)));
  });

  it('answers HEAD on a tile with its length and no body', async () => {
    const res = await app.inject({ method: 'HEAD', url: '/log/tile/0/000' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe('8192');
    expect(res.rawPayload.length).toBe(0);
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const)(
    'answers %s with 404 JSON',
    async (method) => {
      for (const url of ['/log/checkpoint', '/log/tile/0/000', '/v1/log']) {
        const res = await app.inject({
          method,
          url,
          payload: method === 'OPTIONS' ? undefined : { a: 1 },
        });
        expect(res.statusCode, `${method} ${url}`).toBe(404);
        expect(res.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
      }
    },
  );

  it('never answers 5xx to any path under /log/', async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        'tile',
        'entries',
        '0',
        '1',
        '63',
        '64',
        '000',
        '273',
        'x001',
        '.p',
        '..',
        '.',
        '',
        '%2F',
        '%00',
      ),
      fc.stringMatching(/^[x0-9.p%/A-Za-z-]{0,12}$/),
      fc.string({ maxLength: 8 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { maxLength: 8 }),
        fc.constantFrom('GET', 'HEAD'),
        async (parts, method) => {
          const url = `/log/${parts.map((p) => encodeURI(p).replace(/%25/g, '%')).join('/')}`;
          const res = await app.inject({ method, url });
          expect(res.statusCode, url).toBeLessThan(500);
          if (res.statusCode !== 200 && method === 'GET')
            expect(res.json().error.code).toMatch(/^[A-Z_]+$/);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('when /v1/log is requested', () => {
  it("answers the log's origin, verifier key and published size as JSON", async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/log' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json()).toEqual({ origin: ORIGIN, vkey: log.vkey, size: SIZE });
    expect(log.vkey.startsWith(`${ORIGIN}+`)).toBe(true);
  });

  it('reports the checkpoint origin that the served note carries', async () => {
    const info = (await app.inject({ method: 'GET', url: '/v1/log' })).json();
    const note = fromUtf8((await log.checkpoint())!);
    expect(note.split('\n')[0]).toBe(info.origin);
    expect(note.split('\n')[1]).toBe(String(info.size));
  });
});
