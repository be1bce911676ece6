/**
 * Builds the HTTP API (DESIGN.md decision 11) without listening: `server.ts` listens, tests
 * call `app.inject`.
 */
import { fastify, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { LogReadModel } from '../log/read-model.ts';
import { frameworkErrorHandler, installErrorHandling } from './errors.ts';
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
}

/**
 * Builds the API app: `/log/checkpoint`, `/log/tile/...` and `/v1/log`, with one error handler
 * mapping error codes to statuses (`errors.ts`) and a JSON 404 for unknown routes. Methods other
 * than GET and HEAD get that same 404. Never listens.
 */
export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const app = fastify({
    logger: opts.logger ?? false,
    frameworkErrors: frameworkErrorHandler,
  });
  installErrorHandling(app);
  await app.register(logRoutes, { prefix: '/log', log: opts.log });
  await app.register(logInfoRoutes, { prefix: '/v1', log: opts.log });
  if (opts.routes) await opts.routes(app);
  return app;
}
