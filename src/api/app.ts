/**
 * Builds the HTTP API (DESIGN.md decision 11) without listening: `server.ts` listens, tests
 * call `app.inject`.
 */
import { fastify, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { LogReadModel } from '../log/index.ts';
import { installAccessLog, type AccessLogSink } from './access-log.ts';
import type { TokenStore } from './auth/token-store.ts';
import { installCors } from './cors.ts';
import { frameworkErrorHandler, installErrorHandling } from './errors.ts';
import { DEFAULT_HTTP_SETTINGS, fastifyServerOptions, type HttpSettings } from './http-settings.ts';
import { registerDocsUi, registerOpenApi } from './openapi.ts';
import { DEFAULT_RATE_LIMIT_PER_MINUTE, installTokenRateLimit } from './rate-limit.ts';
import { recordRoutes } from './route-catalog.ts';
import { logInfoRoutes } from './routes/log-info.ts';
import { logRoutes } from './routes/log.ts';

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  /** The log served under `/log/` (C2SP tlog-tiles) and described at `/v1/log`. */
  log: LogReadModel;
  /** fastify's `logger` option: `false` (the default), `true`, or pino options. */
  logger?: FastifyServerOptions['logger'];
  /** Registers the node's other routes (registry, tokens, quarantine, metrics, …). */
  routes?: (app: FastifyInstance) => Promise<void>;
  /** The node's tokens, so the rate limit counts per token (per address without it). */
  tokens?: TokenStore;
  /** Requests a minute per token on the token routes (default 600). */
  rateLimitPerMinute?: number;
  /** TLS, timeouts, connection cap, body limit, trusted proxies (default {@link DEFAULT_HTTP_SETTINGS}). */
  http?: Partial<HttpSettings>;
  /** Where the access log goes, one JSON line per request (`access-log.ts`); none when absent. */
  accessLog?: AccessLogSink;
}

/**
 * Builds the API app: `/log/checkpoint`, `/log/tile/...` and `/v1/log`, then `opts.routes`,
 * with one error handler mapping error codes to statuses (`errors.ts`), a JSON 404 for unknown
 * routes (methods other than GET and HEAD on the log routes included), the rate limit of the
 * token routes (`rate-limit.ts`), CORS on the public routes (`cors.ts`), and the OpenAPI
 * document at `/docs/json` with its page at `/docs` (`openapi.ts`). Every route is recorded
 * (`route-catalog.ts`). The transport settings (`http-settings.ts`) shape the server it will
 * listen with, and the access log (`access-log.ts`) sees every request, those the rate limit
 * refuses included. Never listens.
 */
export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const http = { ...DEFAULT_HTTP_SETTINGS, ...opts.http };
  const app = fastify({
    ...fastifyServerOptions(http),
    logger: opts.logger ?? false,
    frameworkErrors: frameworkErrorHandler,
  });
  app.server.maxConnections = http.maxConnections;
  if (opts.accessLog !== undefined) installAccessLog(app, opts.accessLog);
  recordRoutes(app);
  installErrorHandling(app);
  installCors(app);
  await registerOpenApi(app);
  await installTokenRateLimit(app, {
    perMinute: opts.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE,
    ...(opts.tokens === undefined ? {} : { tokens: opts.tokens }),
  });
  await app.register(logRoutes, { prefix: '/log', log: opts.log });
  await app.register(logInfoRoutes, { prefix: '/v1', log: opts.log });
  if (opts.routes) await opts.routes(app);
  await registerDocsUi(app);
  return app;
}
