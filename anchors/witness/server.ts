/**
 * The witness's HTTP interface (c2sp.org/tlog-witness §HTTP Interface) on fastify:
 * `POST /add-checkpoint` with the submission prefix at the root, and `GET /` describing the
 * witness (name, cosigner vkey, logs and their latest cosigned sizes).
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Witness } from './witness.ts';

/** Largest add-checkpoint body accepted: 63 proof lines and a note with many signatures. */
export const MAX_REQUEST_BYTES = 64 * 1024;

/** Options of {@link buildWitnessApp}. */
export interface WitnessAppOptions {
  /** POSIX seconds for cosignature timestamps; the system clock by default. */
  readonly now?: () => number;
  /** fastify's `logger` option. */
  readonly logger?: FastifyServerOptions['logger'];
}

const infoSchema = {
  response: {
    200: {
      type: 'object',
      required: ['name', 'vkey', 'logs'],
      properties: {
        name: { type: 'string' },
        vkey: { type: 'string' },
        logs: {
          type: 'array',
          items: {
            type: 'object',
            required: ['origin', 'size'],
            properties: { origin: { type: 'string' }, size: { type: 'integer' } },
          },
        },
      },
    },
  },
} as const;

/**
 * Builds the witness app; it does not listen (see `startServer` in src/api/server.ts). The body
 * of add-checkpoint is read as raw bytes whatever its content type, as the spec defines none.
 */
export function buildWitnessApp(
  witness: Witness,
  options: WitnessAppOptions = {},
): FastifyInstance {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: MAX_REQUEST_BYTES });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.get('/', { schema: infoSchema }, async () => ({
    name: witness.name,
    vkey: witness.vkey,
    logs: await witness.latest(),
  }));

  app.post('/add-checkpoint', async (req, reply) => {
    const raw = req.body;
    const body = raw instanceof Uint8Array ? raw : new Uint8Array(0);
    const res = await witness.addCheckpoint(body, now());
    if (res.code !== undefined) req.log.warn({ code: res.code }, 'add-checkpoint refused');
    return reply.code(res.status).type(res.contentType).send(res.body);
  });
  return app;
}
