/**
 * Bearer-token authorization for fastify routes (RFC 6750 §2.1, §3): `Authorization: Bearer
 * <token>`; 401 with `WWW-Authenticate: Bearer` without a valid token, 403 with a valid token
 * of another role (DESIGN.md decision 11).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthError } from './errors.ts';
import type { TokenInfo, TokenRole, TokenStore } from './token-store.ts';

/** Realm of the `WWW-Authenticate` challenges (RFC 6750 §3). */
export const AUTH_REALM = 'wattproof';

const authenticated = new WeakMap<FastifyRequest, TokenInfo>();

/** The token a request was authorized with (after a {@link requireRole} hook). */
export function authenticatedToken(request: FastifyRequest): TokenInfo | undefined {
  return authenticated.get(request);
}

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; the scheme is case-insensitive (RFC 9110 §11.1).
const BEARER_RE = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1), if well-formed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = BEARER_RE.exec(header);
  return m === null ? undefined : m[1];
}

function challenge(reply: FastifyReply, error?: 'invalid_token' | 'insufficient_scope'): void {
  reply.header(
    'www-authenticate',
    error === undefined
      ? `Bearer realm="${AUTH_REALM}"`
      : `Bearer realm="${AUTH_REALM}", error="${error}"`,
  );
}

/** A fastify `onRequest` (or `preHandler`) hook. */
export type AuthHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * A hook that lets a request through only with an active token of `role` (or of one of
 * the roles listed). Throws `UNAUTHORIZED` (401; `WWW-Authenticate: Bearer realm="wattproof"`,
 * with `error="invalid_token"` when a token was presented) or `FORBIDDEN` (403;
 * `error="insufficient_scope"`); the app's error handler writes the response.
 * Install it as an `onRequest` hook, so that requests without a valid token are refused before
 * their body is parsed or validated.
 */
export function requireRole(tokens: TokenStore, role: TokenRole | readonly TokenRole[]): AuthHook {
  const allowed: readonly TokenRole[] = typeof role === 'string' ? [role] : role;
  return async function checkBearerToken(request, reply) {
    const header = request.headers.authorization;
    if (header === undefined || header === '') {
      challenge(reply);
      throw new AuthError(
        'UNAUTHORIZED',
        'this route needs a bearer token (Authorization: Bearer <token>)',
      );
    }
    const presented = bearerToken(header);
    const token = presented === undefined ? undefined : tokens.authenticate(presented);
    if (token === undefined) {
      challenge(reply, 'invalid_token');
      throw new AuthError('UNAUTHORIZED', 'the bearer token is malformed, unknown or revoked');
    }
    if (!allowed.includes(token.role)) {
      challenge(reply, 'insufficient_scope');
      throw new AuthError(
        'FORBIDDEN',
        `this route needs a token of role ${allowed.map((r) => `"${r}"`).join(' or ')}, not "${token.role}"`,
      );
    }
    authenticated.set(request, token);
  };
}
