/**
 * The verifier page as built and served, without a browser: one HTML document whose only
 * script and style are inline and allowed by hash in its Content-Security-Policy, which names
 * no other source of code; `npm run build:verifier` writes it; the node serves it at
 * `/verify/` (and `/verify`, `/` redirect there), or a 503 when it cannot be built.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fastify } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifierRoutes } from '../../src/api/routes/verifier.ts';
import { buildVerifierPage, PageBuildError } from '../../src/web/build-page.ts';
import { openApiFixture, type ApiFixture } from '../api/api-fixture.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function inline(html: string, tag: 'script' | 'style'): string[] {
  return [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]!);
}

function cspOf(html: string): Map<string, string[]> {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html);
  expect(m).not.toBeNull();
  return new Map(
    m![1]!.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values];
    }),
  );
}

const hashOf = (text: string) =>
  `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

describe('when the verifier page is built', () => {
  let html: string;

  beforeAll(async () => {
    html = await buildVerifierPage();
  });

  it('inlines one script and one style, each allowed by its hash and nothing else', () => {
    const scripts = inline(html, 'script');
    const styles = inline(html, 'style');
    expect(scripts).toHaveLength(1);
    expect(styles).toHaveLength(1);
    const csp = cspOf(html);
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual([hashOf(scripts[0]!)]);
    expect(csp.get('style-src')).toEqual([hashOf(styles[0]!)]);
    expect(csp.get('worker-src')).toEqual(['blob:']);
    expect(csp.get('connect-src')).toEqual(['http:', 'https:']);
  });

  it('loads nothing from anywhere: no src, no link, no external href', () => {
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<(img|iframe|object|embed)\b/i);
    expect(html).not.toMatch(/\bhref="(?!#)/i);
    expect(html).not.toMatch(/%(CSP|STYLE|SCRIPT|VERSION)%/);
  });

  it('carries the code words, the signature worker and the pure core', () => {
    expect(html).toContain('the entries do not lead to the checkpoint root');
    expect(html).toContain('wattproof.bundle/v1');
    expect(html).toContain('wattproof.trust/v1');
    // The worker's source, inlined as text for a blob: URL.
    expect(html).toMatch(/postMessage/);
  });

  it('is written to a file by npm run build:verifier', async () => {
    const tmp = await tempDir();
    try {
      const out = join(tmp.path, 'v.html');
      await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'scripts', 'build-verifier.ts'), '--out', out],
        { cwd: ROOT },
      );
      const file = await readFile(out, 'utf8');
      expect(inline(file, 'script')).toEqual(inline(html, 'script'));
    } finally {
      await tmp.remove();
    }
  });
});

describe('when a node serves the verifier page', () => {
  let f: ApiFixture;

  beforeAll(async () => {
    f = await openApiFixture();
  });
  afterAll(async () => {
    await f?.close();
  });

  it('serves it at /verify/ as UTF-8 HTML that no other site may frame', async () => {
    const res = await f.app.inject({ method: 'GET', url: '/verify/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toMatch(/^<!doctype html>/i);
    expect(inline(res.body, 'script')).toHaveLength(1);
  });

  it.each(['/verify', '/'])('redirects %s to /verify/', async (url) => {
    const res = await f.app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/verify/');
  });

  it('answers 503 VERIFIER_UNAVAILABLE when the page cannot be built', async () => {
    const app = fastify();
    await app.register(verifierRoutes, {
      page: () => Promise.reject(new PageBuildError('esbuild is not installed')),
    });
    try {
      const res = await app.inject({ method: 'GET', url: '/verify/' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ error: { code: 'VERIFIER_UNAVAILABLE' } });
    } finally {
      await app.close();
    }
  });
});
