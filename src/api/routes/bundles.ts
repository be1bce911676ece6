/**
 * `POST /v1/bundles` (issuer token): the evidence bundle (docs/bundle.md) for one or more meters
 * over a period [from, to) of interval starts, built at the newest checkpoint — with the
 * witnesses' cosignatures when the node has witnesses. Every meter must be listed by a
 * registered signer (404 otherwise); erased readings are in the bundle as erased entries.
 *
 * The bundle is streamed (docs/bundle.md §Delivery): measured first, refused with 422
 * `BUNDLE_TOO_LARGE` beyond the limits (the message says how to split the request), then
 * written from the store as the client reads it, gzipped when the client accepts gzip
 * (RFC 9110 §8.4.1.3, §12.5.3). At most a few bundles are served at once (`in-flight.ts`),
 * and the work stops when the client goes away.
 */
import { Readable, pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { FastifyPluginAsync } from 'fastify';
import { fromUtf8 } from '../../core/bytes.ts';
import { streamBundle } from '../../bundle/index.ts';
import { DEFAULT_BUNDLE_LIMITS, type BundleLimits } from '../../bundle/index.ts';
import type { BuildBundleOptions } from '../../bundle/index.ts';
import { acceptsGzip } from '../accept-encoding.ts';
import { authenticatedToken, requireRole } from '../auth/require-role.ts';
import type { TokenStore } from '../auth/token-store.ts';
import { ApiError } from '../errors.ts';
import { InFlightLimiter, type InFlightLimits } from '../in-flight.ts';
import { assertKnownMeters } from '../meters.ts';
import { emptyObjectSchema, fromSchema, meterIdSchema, toSchema } from '../schemas/common.ts';
import { bearerSecurity, errorBodySchema, tokenErrorResponses } from '../schemas/error.ts';

/** Most meters in one bundle request. */
export const MAX_BUNDLE_METERS = 100;

/** Bundles served at once by default: one per token, two in all (a node has few cores). */
export const DEFAULT_BUNDLE_IN_FLIGHT: InFlightLimits = Object.freeze({ perKey: 1, total: 2 });

/** Options of {@link bundleRoutes}. */
export interface BundleRoutesOptions {
  readonly tokens: TokenStore;
  /** Ledger, log and registry the bundle is built from. */
  readonly source: Pick<BuildBundleOptions, 'ledger' | 'log' | 'registry' | 'anchors' | 'index'>;
  /** The newest checkpoint note to build at (cosigned if possible). */
  readonly checkpoint: () => Promise<Uint8Array | undefined>;
  /** What one bundle may hold (default {@link DEFAULT_BUNDLE_LIMITS}). */
  readonly limits?: BundleLimits;
  /** Bundles served at once (default {@link DEFAULT_BUNDLE_IN_FLIGHT}); or a shared limiter. */
  readonly inFlight?: InFlightLimits | InFlightLimiter;
}

/** Registers `POST <prefix>/bundles`. */
export const bundleRoutes: FastifyPluginAsync<BundleRoutesOptions> = async (app, opts) => {
  const limits = opts.limits ?? DEFAULT_BUNDLE_LIMITS;
  const inFlight =
    opts.inFlight instanceof InFlightLimiter
      ? opts.inFlight
      : new InFlightLimiter('bundle requests', opts.inFlight ?? DEFAULT_BUNDLE_IN_FLIGHT);
  app.post<{ Body: { meters: string[]; from: number; to: number } }>(
    '/bundles',
    {
      onRequest: requireRole(opts.tokens, 'issuer'),
      schema: {
        summary: 'The evidence bundle of one or more meters over a period',
        tags: ['issuer'],
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
              maxItems: MAX_BUNDLE_METERS,
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
            description:
              'A wattproof.bundle/v1 document, streamed; gzipped when the request accepts gzip.',
          },
          400: { ...errorBodySchema, description: 'A malformed request or an empty period.' },
          ...tokenErrorResponses('issuer'),
          404: { ...errorBodySchema, description: 'No registered signer lists a meter.' },
          422: {
            ...errorBodySchema,
            description:
              'The bundle would hold more entries or bytes than the limits; the message says how to split the request.',
          },
          503: {
            ...errorBodySchema,
            description: 'The node serves as many bundles as it allows; retry after Retry-After.',
          },
          500: { ...errorBodySchema, description: 'Internal error; details are logged, not sent.' },
        },
      },
    },
    async (request, reply) => {
      const { meters, from, to } = request.body;
      if (to <= from) throw new ApiError('INVALID_REQUEST', 'body/to must be greater than from');
      assertKnownMeters(opts.source.registry, meters);
      const token = authenticatedToken(request);
      const signal = inFlight.hold(request, reply, `token:${token?.id ?? request.ip}`);
      const note = await opts.checkpoint();
      const bundle = await streamBundle({
        ...opts.source,
        meters,
        from,
        to,
        limits,
        signal,
        ...(note === undefined ? {} : { checkpoint: fromUtf8(note) }),
      });
      const body = Readable.from(bytesOf(bundle.text), { objectMode: false });
      reply
        .header('content-type', 'application/json; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('vary', 'accept-encoding');
      if (!acceptsGzip(request.headers['accept-encoding'])) {
        return reply.header('content-length', String(bundle.byteLength)).send(body);
      }
      // pipeline destroys both streams when either fails or the response goes away.
      const gzip = pipeline(body, createGzip(), () => undefined);
      return reply.header('content-encoding', 'gzip').send(gzip);
    },
  );
};

async function* bytesOf(text: AsyncIterable<string>): AsyncGenerator<Buffer> {
  for await (const chunk of text) yield Buffer.from(chunk, 'utf8');
}
