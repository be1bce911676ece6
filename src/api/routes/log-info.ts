/**
 * `GET /v1/log`: the log's identity — origin and verifier key — and its published size, so a
 * client can configure itself before fetching the checkpoint (C2SP tlog-checkpoint, signed-note).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { LogReadModel } from '../../log/index.ts';
import { logInfoResponses, noParamsSchema } from '../schemas/log.ts';

/** Body of `GET /v1/log`. */
export interface LogInfo {
  /** Checkpoint origin line (C2SP tlog-checkpoint). */
  origin: string;
  /** Verifier key in C2SP signed-note form `name+keyid+base64(0x01‖pub)`. */
  vkey: string;
  /** Tree size of the latest published checkpoint (0 before the first). */
  size: number;
}

/** Options of {@link logInfoRoutes}. */
export interface LogInfoRoutesOptions {
  /** The log to describe. */
  log: LogReadModel;
}

/** Registers `GET <prefix>/log` (`/v1/log` in the app), JSON, `Cache-Control: no-cache`. */
export const logInfoRoutes: FastifyPluginAsync<LogInfoRoutesOptions> = async (app, { log }) => {
  app.get(
    '/log',
    {
      schema: {
        summary: "The log's origin, verifier key and published size",
        tags: ['public'],
        params: noParamsSchema,
        querystring: noParamsSchema,
        response: logInfoResponses,
      },
    },
    async (_request, reply) => {
      const body: LogInfo = { origin: log.origin, vkey: log.vkey, size: log.publishedSize() };
      return reply.header('cache-control', 'no-cache').send(body);
    },
  );
};
