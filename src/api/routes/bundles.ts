/**
 * `POST /v1/bundles` (issuer token): the evidence bundle (docs/bundle.md) for one or more meters
 * over a period [from, to) of interval starts, built at the newest checkpoint — with the
 * witnesses' cosignatures when the node has witnesses. Every meter must be listed by a
 * registered signer (404 otherwise); erased readings are in the bundle as erased entries.
 */
import type { FastifyPluginAsync } from 'fastify';
import { fromUtf8 } from '../../core/bytes.ts';
import { buildBundle, type BuildBundleOptions } from '../../bundle/builder.ts';
import { requireRole } from '../auth/require-role.ts';
import type { TokenStore } from '../auth/token-store.ts';
import { ApiError } from '../errors.ts';
import { assertKnownMeters } from '../meters.ts';
import { emptyObjectSchema, fromSchema, meterIdSchema, toSchema } from '../schemas/common.ts';
import { bearerSecurity, errorBodySchema, tokenErrorResponses } from '../schemas/error.ts';

/** Options of {@link bundleRoutes}. */
export interface BundleRoutesOptions {
  readonly tokens: TokenStore;
  /** Ledger, log and registry the bundle is built from. */
  readonly source: Pick<BuildBundleOptions, 'ledger' | 'log' | 'registry' | 'anchors'>;
  /** The newest checkpoint note to build at (cosigned if possible). */
  readonly checkpoint: () => Promise<Uint8Array | undefined>;
}

const MAX_METERS = 100;

/** Registers `POST <prefix>/bundles`. */
export const bundleRoutes: FastifyPluginAsync<BundleRoutesOptions> = async (app, opts) => {
  app.post<{ Body: { meters: string[]; from: number; to: number } }>(
    '/bundles',
    {
      onRequest: requireRole(opts.tokens, 'issuer'),
      schema: {
        summary: 'The evidence bundle of one or more meters over a period',
        security: bearerSecurity,
        params: emptyObjectSchema,
        querystring: emptyObjectSchema,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['meters', 'from', 'to'],
          properties: {
            meters: {
              type: 'array',
              minItems: 1,
              maxItems: MAX_METERS,
              uniqueItems: true,
              items: meterIdSchema,
            },
            from: fromSchema,
            to: toSchema,
          },
        },
        response: {
          200: {
            type: 'object',
            additionalProperties: true,
            description: 'A wattproof.bundle/v1 document.',
          },
          400: { ...errorBodySchema, description: 'A malformed request or an empty period.' },
          ...tokenErrorResponses('issuer'),
          404: { ...errorBodySchema, description: 'No registered signer lists a meter.' },
          500: { ...errorBodySchema, description: 'Internal error; details are logged, not sent.' },
        },
      },
    },
    async (request, reply) => {
      const { meters, from, to } = request.body;
      if (to <= from) throw new ApiError('INVALID_REQUEST', 'body/to must be greater than from');
      assertKnownMeters(opts.source.registry, meters);
      const note = await opts.checkpoint();
      const bundle = await buildBundle({
        ...opts.source,
        meters,
        from,
        to,
        ...(note === undefined ? {} : { checkpoint: fromUtf8(note) }),
      });
      return reply.header('cache-control', 'no-store').send(bundle);
    },
  );
};
