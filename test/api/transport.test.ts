/**
 * The API's transport through real sockets on 127.0.0.1 (docs/api.md §Transport): HTTPS with
 * a self-signed certificate made by `openssl req -x509`, a dribbled body cut off by the
 * request timeout, the connection cap, the access log (never the token), and `--trust-proxy`
 * giving each forwarded client its own rate bucket — only behind the proxies named.
 */
import { request as httpsRequest } from 'node:https';
import { connect, type Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { isWattproofError } from '../../src/core/errors.ts';
import type { HttpSettings } from '../../src/api/http-settings.ts';
import { isLoopbackHost, parseTrustProxy, plaintextWarning } from '../../src/api/http-settings.ts';
import { bundleRoutes } from '../../src/api/routes/bundles.ts';
import { startServer, type RunningServer } from '../../src/api/server.ts';
import { openApiTransport } from '../../src/api/transport.ts';
import { selfSignedCertificate } from '../helpers/self-signed.ts';
import { tempDir } from '../helpers/tmp-dir.ts';
import { openApiFixture, type ApiFixture } from './api-fixture.ts';

describe('when the API runs on real sockets', () => {
  let f: ApiFixture;
  let tmp: { path: string; remove: () => Promise<void> };
  const running: { app: FastifyInstance; server: RunningServer }[] = [];

  async function serve(
    http: Partial<HttpSettings>,
    extra: { accessLog?: (line: string) => void; rateLimitPerMinute?: number } = {},
  ): Promise<RunningServer> {
    const app = await buildApp({
      log: f.log,
      tokens: f.tokens,
      http,
      ...extra,
      routes: async (a) => {
        await a.register(bundleRoutes, {
          prefix: '/v1',
          tokens: f.tokens,
          source: f,
          checkpoint: () => f.log.checkpoint(),
        });
      },
    });
    const server = await startServer(app, { host: '127.0.0.1', port: 0 });
    running.push({ app, server });
    return server;
  }

  beforeAll(async () => {
    f = await openApiFixture();
    tmp = await tempDir();
  });
  afterAll(async () => {
    for (const r of running) await r.server.close();
    await f?.close();
    await tmp?.remove();
  });

  it('serves HTTPS with --tls-cert and --tls-key', async () => {
    const files = await selfSignedCertificate(tmp.path, 'api');
    const transport = await openApiTransport({
      httpTls: { certFile: files.cert, keyFile: files.key },
    });
    const server = await serve(transport.http);
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = await readFile(files.cert);
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpsRequest(`${server.url}/v1/log`, { ca }, (r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).origin).toBe(f.log.origin);
    // Plain HTTP to the HTTPS port gets no API answer.
    const plain = await fetch(server.url.replace('https:', 'http:') + '/v1/log').then(
      (r) => r.status,
      () => 'refused',
    );
    expect(plain).not.toBe(200);
  });

  it("refuses a key that is not the certificate's with INVALID_TLS", async () => {
    const one = await selfSignedCertificate(tmp.path, 'one');
    const two = await selfSignedCertificate(tmp.path, 'two');
    const e = await openApiTransport({ httpTls: { certFile: one.cert, keyFile: two.key } }).catch(
      (x: unknown) => x,
    );
    expect(isWattproofError(e, 'INVALID_TLS')).toBe(true);
    const missing = await openApiTransport({
      httpTls: { certFile: `${tmp.path}/none.crt`, keyFile: one.key },
    }).catch((x: unknown) => x);
    expect(isWattproofError(missing, 'INVALID_TLS')).toBe(true);
  });

  it('cuts off an authenticated client that dribbles its body', async () => {
    const server = await serve({
      headersTimeoutMs: 500,
      requestTimeoutMs: 1_000,
      timeoutCheckIntervalMs: 200,
    });
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const started = Date.now();
    socket.write(
      `POST /v1/bundles HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${f.issuer}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
    );
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    const dribble = setInterval(() => socket.writable && socket.write(' '), 100);
    await new Promise((r) => socket.once('close', r));
    clearInterval(dribble);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(4_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes connections beyond the cap as they arrive', async () => {
    const server = await serve({ maxConnections: 2 });
    const { port } = new URL(server.url);
    const open = async (): Promise<{ s: Socket; closed: () => boolean }> => {
      const s = connect(Number(port), '127.0.0.1');
      let closed = false;
      s.on('close', () => (closed = true));
      s.on('error', () => undefined);
      await new Promise((r) => s.once('connect', r));
      return { s, closed: () => closed };
    };
    const first = await open();
    const second = await open();
    const third = await open();
    await new Promise((r) => setTimeout(r, 300));
    expect([first.closed(), second.closed(), third.closed()]).toEqual([false, false, true]);
    first.s.destroy();
    second.s.destroy();
  });

  it('logs one JSON line per request with the token id and role, never the token', async () => {
    const lines: string[] = [];
    const server = await serve({}, { accessLog: (l) => lines.push(l) });
    await fetch(`${server.url}/v1/log`);
    await fetch(`${server.url}/v1/bundles`, {
      method: 'POST',
      headers: { authorization: `Bearer ${f.issuer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ meters: ['nobody'], from: 0, to: 1 }),
    });
    await fetch(`${server.url}/nowhere?secret=1`);
    await new Promise((r) => setTimeout(r, 50));
    expect(lines).toHaveLength(3);
    const [log, bundle, none] = lines.map((l) => JSON.parse(l));
    expect(log).toMatchObject({
      method: 'GET',
      route: '/v1/log',
      status: 200,
      client: '127.0.0.1',
    });
    expect(log).toMatchObject({ tokenId: null, role: null, aborted: false });
    const [, id] = /^wpt_([^_]+)_/.exec(f.issuer)!;
    expect(bundle).toMatchObject({
      method: 'POST',
      route: '/v1/bundles',
      status: 404,
      tokenId: id,
    });
    expect(bundle.role).toBe('issuer');
    expect(typeof bundle.durationMs).toBe('number');
    expect(Number.isNaN(Date.parse(bundle.time))).toBe(false);
    expect(none).toMatchObject({ route: null, status: 404 });
    const secret = f.issuer.slice(f.issuer.lastIndexOf('_') + 1);
    for (const l of lines) {
      expect(l).not.toContain(f.issuer);
      expect(l).not.toContain(secret);
      expect(l).not.toContain('secret=1');
    }
  });

  it('gives each forwarded client its own rate bucket only behind a trusted proxy', async () => {
    const lines: string[] = [];
    const trusted = await serve(
      { trustProxy: parseTrustProxy('127.0.0.1') },
      { rateLimitPerMinute: 2, accessLog: (l) => lines.push(l) },
    );
    const untrusted = await serve({}, { rateLimitPerMinute: 2 });
    const from = (server: RunningServer, client: string) =>
      fetch(`${server.url}/v1/bundles`, {
        method: 'POST',
        headers: { 'x-forwarded-for': client, 'content-type': 'application/json' },
        body: '{}',
      }).then((r) => r.status);
    expect([await from(trusted, '203.0.113.7'), await from(trusted, '203.0.113.7')]).toEqual([
      401, 401,
    ]);
    expect(await from(trusted, '203.0.113.7')).toBe(429);
    expect(await from(trusted, '203.0.113.8')).toBe(401);
    expect(JSON.parse(lines[0]!).client).toBe('203.0.113.7');
    // Without --trust-proxy the header is ignored: every client is the proxy.
    expect([await from(untrusted, '203.0.113.7'), await from(untrusted, '203.0.113.8')]).toEqual([
      401, 401,
    ]);
    expect(await from(untrusted, '203.0.113.9')).toBe(429);
  });
});

describe('when the API is bound where others can reach it', () => {
  it('warns without TLS on a non-loopback address only', () => {
    expect(plaintextWarning('0.0.0.0', false)).toContain('without TLS');
    expect(plaintextWarning('192.0.2.10', false)).toContain('--tls-cert');
    expect(plaintextWarning('0.0.0.0', true)).toBeUndefined();
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) {
      expect(isLoopbackHost(h)).toBe(true);
      expect(plaintextWarning(h, false)).toBeUndefined();
    }
  });

  it('parses --trust-proxy lists and refuses what is not an address', () => {
    expect(parseTrustProxy('10.0.0.1, 10.0.0.0/8,fd00::/8,loopback')).toEqual([
      '10.0.0.1',
      '10.0.0.0/8',
      'fd00::/8',
      'loopback',
    ]);
    for (const bad of ['proxy.example', '10.0.0.0/33', '10.0.0.1/8/1', ',']) {
      expect(() => parseTrustProxy(bad)).toThrow(RangeError);
    }
  });
});
