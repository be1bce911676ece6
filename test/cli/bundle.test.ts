import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBundle } from '../../src/cli/bundle.ts';
import { EXIT } from '../../src/cli/node-client.ts';
import { runVerify } from '../../src/cli/verify.ts';
import { tempDir } from '../helpers/tmp-dir.ts';
import { readingsNode, run, T0, type ReadingsNode } from './role-cli-harness.ts';

let n: ReadingsNode;
let tmp: { path: string; remove: () => Promise<void> };

beforeAll(async () => {
  n = await readingsNode('bu', 6);
  tmp = await tempDir('wattproof-bundle-cli-');
});
afterAll(async () => {
  await n?.close();
  await tmp?.remove();
});

const PERIOD = () => ['--from', new Date(T0 * 1000).toISOString(), '--to', String(T0 + 4 * 900)];

const bundle = (args: string[], token: string | null = n.issuer) =>
  run(runBundle, [...args, ...n.at, ...(token === null ? [] : ['--token', token])]);

describe('when an issuer saves a bundle', () => {
  it('saves plain JSON that verifies with the command it prints', async () => {
    const out = `${tmp.path}/plain.json`;
    const r = await bundle(['--meter', n.meter, ...PERIOD(), '--out', out]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.err).toMatch(/bundle: [\d.]+ (bytes|kB|MB) received \(gzip\)/);
    const bytes = await readFile(out);
    expect(bytes[0]).toBe(0x7b); // "{": gunzipped, though the node sent it gzipped
    const command = /^ {2}wattproof verify (.*)$/m.exec(r.out)![1]!.split(' ');
    expect(command).toEqual([out, '--log-key', n.t.node.vkey]);
    const v = await run(runVerify, [...command, '--json']);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.out).summary.totals).toMatchObject({ readings: 4, importWh: 2000 });
  });

  it('saves gzipped JSON with --gzip, and --json says what it saved', async () => {
    const plain = `${tmp.path}/plain-2.json`;
    const gz = `${tmp.path}/bundle.json.gz`;
    expect((await bundle(['--meter', n.meter, ...PERIOD(), '--out', plain])).code).toBe(0);
    const r = await bundle(['--meter', n.meter, ...PERIOD(), '--out', gz, '--gzip', '--json']);
    expect(r.code).toBe(EXIT.ok);
    const raw = await readFile(gz);
    expect([raw[0], raw[1]]).toEqual([0x1f, 0x8b]);
    expect(JSON.parse(gunzipSync(raw).toString())).toEqual(
      JSON.parse((await readFile(plain)).toString()),
    );
    const body = JSON.parse(r.out);
    expect(body).toMatchObject({
      file: gz,
      bytes: raw.length,
      gzip: true,
      meters: [n.meter],
      from: T0,
      to: T0 + 3600,
      logKey: n.t.node.vkey,
    });
  });

  it('fails for an unknown meter (404) and leaves no file behind', async () => {
    const dir = await tempDir('wattproof-bundle-none-');
    try {
      const r = await bundle(['--meter', 'nobody', ...PERIOD(), '--out', `${dir.path}/b.json`]);
      expect(r.code).toBe(EXIT.failed);
      expect(r.err).toContain('[METER_NOT_FOUND]');
      expect(await readdir(dir.path)).toEqual([]);
    } finally {
      await dir.remove();
    }
  });

  it('fails with 403 for an operator token and without any token', async () => {
    const out = `${tmp.path}/never.json`;
    const op = await bundle(['--meter', n.meter, ...PERIOD(), '--out', out], n.operator);
    expect(op.code).toBe(EXIT.failed);
    expect(op.err).toContain('(403)');
    expect(op.err).toContain('needs an issuer token');
    const none = await bundle(['--meter', n.meter, ...PERIOD(), '--out', out], null);
    expect(none.code).toBe(EXIT.failed);
    expect(none.err).toContain('no issuer token');
  });

  it('refuses bad input before any request', async () => {
    const out = `${tmp.path}/never.json`;
    const date = await bundle([
      '--meter',
      n.meter,
      '--from',
      '2026-13-01',
      '--to',
      String(T0),
      '--out',
      out,
    ]);
    expect(date.code).toBe(EXIT.usage);
    expect(date.err).toContain('--from');
    const twice = await bundle(['--meter', n.meter, '--meter', n.meter, ...PERIOD(), '--out', out]);
    expect(twice.code).toBe(EXIT.usage);
    expect((await bundle(['--meter', n.meter, ...PERIOD()])).err).toContain('--out is required');
  });
});

describe('when the node answers with or without gzip', () => {
  const doc = JSON.stringify({ format: 'wattproof.bundle/v1', padding: 'x'.repeat(100_000) });
  let server: Server;
  let url: string;
  let mode: 'gzip' | 'identity' | 'truncated' = 'identity';
  let acceptEncoding: string | undefined;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/v1/log') {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({ origin: 'example/log', vkey: 'example/log+01234567+AAAA', size: 1 }),
        );
        return;
      }
      req.resume();
      acceptEncoding = req.headers['accept-encoding'];
      if (mode === 'gzip') {
        res.setHeader('content-encoding', 'gzip');
        res.end(gzipSync(doc));
      } else if (mode === 'identity') {
        res.setHeader('content-length', String(doc.length));
        res.end(doc);
      } else {
        res.setHeader('content-length', String(doc.length));
        res.write(doc.slice(0, 1000));
        setTimeout(() => res.destroy(), 20);
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  const save = (out: string, gzip: boolean) =>
    run(runBundle, [
      '--meter',
      'm1',
      '--from',
      '0',
      '--to',
      '900',
      '--out',
      out,
      ...(gzip ? ['--gzip'] : []),
      '--node',
      url,
      '--token',
      'wpt_x',
    ]);

  it.each([
    ['gzip', false],
    ['gzip', true],
    ['identity', false],
    ['identity', true],
  ] as const)('an answer in %s, saved with --gzip %s, holds the same JSON', async (m, gzip) => {
    mode = m;
    const out = `${tmp.path}/fake-${m}-${gzip}.json`;
    const r = await save(out, gzip);
    expect(r.err).not.toContain('wattproof bundle:');
    expect(r.code).toBe(EXIT.ok);
    expect(acceptEncoding).toBe('gzip');
    const raw = await readFile(out);
    expect(raw[0] === 0x1f && raw[1] === 0x8b).toBe(gzip);
    expect((gzip ? gunzipSync(raw) : raw).toString()).toBe(doc);
  });

  it('fails on an answer cut short and leaves no file behind', async () => {
    mode = 'truncated';
    const dir = await tempDir('wattproof-bundle-cut-');
    try {
      const r = await save(`${dir.path}/b.json`, false);
      expect(r.code).toBe(EXIT.failed);
      expect(r.err).toContain('was not saved');
      expect(await readdir(dir.path)).toEqual([]);
    } finally {
      await dir.remove();
    }
  });
});
