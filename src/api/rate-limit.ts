/**
 * The rate limit of the token routes (@fastify/rate-limit): at most N requests a minute per
 * token — per client address for requests without a valid token — on every route that declares
 * the bearer-token `security` (`schemas/error.ts`). Public routes (`/log/*`, proofs, the log
 * description, metrics, docs) are never limited by it. Over the limit: 429 `RATE_LIMITED` with
 * `Retry-After` (RFC 6585 §4; RFC 9110 §10.2.3) and the usual JSON error body.
 */
import { fastifyRateLimit } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bearerToken } from './auth/require-role.ts';
import type { TokenStore } from './auth/token-store.ts';
import { ApiError } from './errors.ts';

/** Requests a minute per token by default. */
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 600;

const WINDOW_MS = 60_000;

/** Options of {@link installTokenRateLimit}. */
export interface TokenRateLimitOptions {
  /** Requests a minute allowed per token (or per address without one). */
  readonly perMinute: number;
  /** Tells valid tokens apart; without it every request is counted per address. */
  readonly tokens?: TokenStore;
}

/** True when the route `request` matched declares the bearer-token security. */
export function isTokenRoute(request: FastifyRequest): boolean {
  const security = (request.routeOptions.schema as { security?: unknown } | undefined)?.security;
  return Array.isArray(security) && security.length > 0;
}

/**
 * The bucket a request counts against: `token:<id>` for an active token, otherwise
 * `address:<client address>` (no token, or a malformed, unknown or revoked one — so guessing
 * tokens is limited per address).
 */
export function rateLimitKey(request: FastifyRequest, tokens: TokenStore | undefined): string {
  const presented = bearerToken(request.headers.authorization);
  const token = presented === undefined ? undefined : tokens?.authenticate(presented);
  return token === undefined ? `address:${request.ip}` : `token:${token.id}`;
}

/**
 * Installs the limit as a root `onRequest` hook, so it runs before any route's token check.
 * Register it before the routes.
 */
export async function installTokenRateLimit(
  app: FastifyInstance,
  opts: TokenRateLimitOptions,
): Promise<void> {
  if (!Number.isSafeInteger(opts.perMinute) || opts.perMinute < 1) {
    throw new RangeError('installTokenRateLimit: perMinute must be a positive integer');
  }
  await app.register(fastifyRateLimit, { global: false });
  const limit = app.rateLimit({
    max: opts.perMinute,
    timeWindow: WINDOW_MS,
    keyGenerator: (request) => rateLimitKey(request, opts.tokens),
    errorResponseBuilder: (_request, context) =>
      new ApiError(
        'RATE_LIMITED',
        `rate limit exceeded: at most ${context.max} requests a minute per token (per client address without one); retry in ${Math.max(1, Math.ceil(context.ttl / 1000))} s`,
      ),
  });
  app.addHook('onRequest', async (request, reply) => {
    if (isTokenRoute(request)) await limit.call(app, request, reply);
  });
}
