/**
 * `GET /verify/`: the verifier page (docs/verifier.md), one self-contained HTML document that
 * checks a bundle in the browser with no request of its own; the node only hands it out.
 * Built once per process on first request (`src/web/build-page.ts`, esbuild), or, where esbuild
 * is not installed, read from the file `npm run build:verifier` wrote. `GET /verify` and `GET /`
 * redirect to it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { buildVerifierPage, packageRoot, PageBuildError } from '../../web/index.ts';
import { errorBodySchema, errorResponses } from '../schemas/error.ts';

/** Where the page is served. */
export const VERIFIER_PATH = '/verify/';

/** The file `npm run build:verifier` writes, served when the page cannot be built here. */
export const BUILT_VERIFIER_FILE = join(packageRoot(), 'dist', 'verifier.html');

/** Options of {@link verifierRoutes}. */
export interface VerifierRoutesOptions {
  /** The page's HTML (tests); built by `buildVerifierPage` by default. */
  readonly page?: () => Promise<string>;
}

let built: Promise<string> | undefined;

/** The page, built once per process (a failed build is tried again on the next request). */
function defaultPage(): Promise<string> {
  built ??= buildVerifierPage().catch(async (e: unknown) => {
    built = undefined;
    if (!(e instanceof PageBuildError)) throw e;
    try {
      return await readFile(BUILT_VERIFIER_FILE, 'utf8');
    } catch {
      throw e;
    }
  });
  return built;
}

const empty = { type: 'object', additionalProperties: false, properties: {} } as const;

/** Registers `GET /verify/` and the redirects of `GET /verify` and `GET /` (no prefix). */
export const verifierRoutes: FastifyPluginAsync<VerifierRoutesOptions> = async (app, opts) => {
  const page = opts.page ?? defaultPage;
  app.get(
    VERIFIER_PATH,
    {
      schema: {
        summary: 'The verifier page: checks a bundle in the browser, offline',
        tags: ['public'],
        description:
          'One HTML document with its script and style inlined; it makes no request of its own (docs/verifier.md). `npm run build:verifier` writes the same page to a file.',
        params: empty,
        querystring: { type: 'object', properties: {} },
        response: {
          200: {
            description: 'The page.',
            content: { 'text/html': { schema: { type: 'string' } } },
          },
          500: errorResponses[500],
          503: {
            ...errorBodySchema,
            description:
              'The page is not built: this install has neither esbuild nor dist/verifier.html.',
          },
        },
      },
    },
    async (_request, reply) => {
      let html: string;
      try {
        html = await page();
      } catch (e) {
        if (!(e instanceof PageBuildError)) throw e;
        return reply
          .code(503)
          .send({ error: { code: 'VERIFIER_UNAVAILABLE', message: e.message } });
      }
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('content-security-policy', "frame-ancestors 'none'")
        .send(html);
    },
  );
  for (const from of ['/verify', '/']) {
    app.get(from, { schema: { hide: true } }, async (_request, reply) =>
      reply.redirect(VERIFIER_PATH, 302),
    );
  }
};
