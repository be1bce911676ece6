/**
 * `POST /v1/bundles` (issuer token): the evidence bundle (docs/bundle.md) for one or more meters
 * over a period [from, to) of interval starts, built at the newest checkpoint — with the
 * witnesses' cosignatures when the node has witnesses.
 */
import type { FastifyPluginAsync } from 'fastify';
import { fromUtf8 } from '../../core/bytes.ts';
import { buildBundle, type BuildBundleOptions } from '../../bundle/builder.ts';
import { requireRole } from '../auth/require-role.ts';
import type { TokenStore } from '../auth/token-store.ts';
import { errorBodySchema } from '../schemas/error.ts';

/** Options of {@link bundleRoutes}. */
export interface BundleRoutesOptions {
  readonly tokens: TokenStore;
  /** Ledger, log and registry the bundle is built from. */
  readonly source: Pick<BuildBundleOptions, 'ledger' | 'log' | 'registry'>;
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
              items: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$' },
            },
            from: {
              type: 'integer',
              minimum: 0,
              maximum: Number.MAX_SAFE_INTEGER,
              description: 'Unix seconds',
            },
            to: {
              type: 'integer',
              minimum: 1,
              maximum: Number.MAX_SAFE_INTEGER,
              description: 'Unix seconds, exclusive',
            },
          },
        },
        response: {
          200: {
            type: 'object',
            additionalProperties: true,
            description: 'A wattproof.bundle/v1 document.',
          },
          400: { ...errorBodySchema, description: 'A malformed request or an empty period.' },
          401: { ...errorBodySchema, description: 'No or unknown token.' },
          403: { ...errorBodySchema, description: 'The token does not have the issuer role.' },
        },
      },
    },
    async (request) => {
      const note = await opts.checkpoint();
      return buildBundle({
        ...opts.source,
        meters: request.body.meters,
        from: request.body.from,
        to: request.body.to,
        ...(note === undefined ? {} : { checkpoint: fromUtf8(note) }),
      });
    },
  );
};
