import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { ApiError } from '../../src/api/errors.ts';
import { startServer } from '../../src/api/server.ts';
import { memoryLog } from './memory-log.ts';

describe('when the server starts', () => {
  it('listens on a free port and answers', async () => {
    const server = await startServer(await buildApp({ log: memoryLog(1) }), {
      host: '127.0.0.1',
      port: 0,
    });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${server.url}/v1/log`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ size: 1 });
    } finally {
      await server.close();
    }
  });

  it('rejects a taken port with PORT_IN_USE naming the port', async () => {
    const first = await startServer(await buildApp({ log: memoryLog(1) }), {
      host: '127.0.0.1',
      port: 0,
    });
    const port = Number(new URL(first.url).port);
    const second = await buildApp({ log: memoryLog(1) });
    try {
      const error = await startServer(second, { host: '127.0.0.1', port }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).code).toBe('PORT_IN_USE');
      expect((error as ApiError).message).toContain(String(port));
      expect((error as ApiError).message).toContain('--port');
      expect((error as ApiError).evidence).toEqual({ host: '127.0.0.1', port });
    } finally {
      await second.close();
      await first.close();
    }
  });
});

describe('when a raw request carries dot segments', () => {
  // inject (like a browser) resolves `..` before sending; a raw client does not.
  function rawGet(url: string, path: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(`${url}${path}`, { method: 'GET', path }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('rejects them with 400 MALFORMED_PATH rather than resolving them', async () => {
    const server = await startServer(await buildApp({ log: memoryLog(300) }), {
      host: '127.0.0.1',
      port: 0,
    });
    try {
      for (const path of [
        '/log/tile/0/../0/000',
        '/log/tile/entries/../0/000',
        '/log/tile/0/./000',
      ]) {
        const res = await rawGet(server.url, path);
        expect(res.status, path).toBe(400);
        expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'MALFORMED_PATH' } });
      }
      expect((await rawGet(server.url, '/log/tile/0/000')).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
