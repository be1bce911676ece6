/**
 * API token management (DESIGN.md decision 11; docs/registry.md §Tokens), operator token only:
 * - `POST <prefix>/tokens`: create a token of role `operator` or `issuer` (201; the token is in
 *   the response, once, and never stored);
 * - `GET <prefix>/tokens`: list tokens (never their secrets);
 * - `POST <prefix>/tokens/:id/revoke`: revoke one (200; 404, 409).
 * The app registers the plugin under `/v1`.
 */
import type { FastifyPluginAsync } from 'fastify';
import { requireRole } from '../auth/require-role.ts';
import { MAX_LABEL_LENGTH, TOKEN_ROLES } from '../auth/token-store.ts';
import type { TokenInfo, TokenRole, TokenStore } from '../auth/token-store.ts';
import { bearerSecurity, errorBodySchema, tokenErrorResponses } from '../schemas/error.ts';

/** Options of {@link tokenRoutes}. */
export interface TokenRoutesOptions {
  readonly tokens: TokenStore;
}

/** A token as the API lists it. */
export interface TokenJson {
  id: string;
  role: TokenRole;
  label: string;
  /** ISO 8601 UTC. */
  createdAt: string;
  revoked: boolean;
  revokedAt?: string;
}

const tokenSchema = {
  type: 'object',
  required: ['id', 'role', 'label', 'createdAt', 'revoked'],
  properties: {
    id: { type: 'string', description: 'Public id: 16 hex digits, also inside the token.' },
    role: { type: 'string', enum: TOKEN_ROLES },
    label: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    revoked: { type: 'boolean' },
    revokedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const errors = {
  400: { ...errorBodySchema, description: 'Malformed request.' },
  ...tokenErrorResponses('operator'),
  500: { ...errorBodySchema, description: 'Internal error; details are logged, not sent.' },
} as const;

const noParams = { type: 'object', additionalProperties: false, properties: {} } as const;

/** The API view of a token. */
export function tokenJson(t: TokenInfo): TokenJson {
  const out: TokenJson = {
    id: t.id,
    role: t.role,
    label: t.label,
    createdAt: new Date(t.createdAt).toISOString(),
    revoked: t.revokedAt !== undefined,
  };
  if (t.revokedAt !== undefined) out.revokedAt = new Date(t.revokedAt).toISOString();
  return out;
}

/** Registers the token routes (see the file comment); every route needs an operator token. */
export const tokenRoutes: FastifyPluginAsync<TokenRoutesOptions> = async (app, { tokens }) => {
  app.addHook('onRequest', requireRole(tokens, 'operator'));
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('cache-control', 'no-store');
    return payload;
  });

  app.post<{ Body: { role: TokenRole; label: string } }>(
    '/tokens',
    {
      schema: {
        summary: 'Create a token (shown once)',
        tags: ['operator'],
        security: bearerSecurity,
        params: noParams,
        querystring: noParams,
        body: {
          type: 'object',
          required: ['role', 'label'],
          additionalProperties: false,
          properties: {
            role: { type: 'string', enum: TOKEN_ROLES },
            label: {
              type: 'string',
              minLength: 1,
              maxLength: MAX_LABEL_LENGTH,
              description: 'Who or what the token is for.',
            },
          },
        },
        response: {
          201: {
            ...tokenSchema,
            required: [...tokenSchema.required, 'token'],
            properties: {
              ...tokenSchema.properties,
              token: { type: 'string', description: 'The bearer token; shown only here.' },
            },
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { info, token } = await tokens.createToken(request.body.role, request.body.label);
      return reply.code(201).send({ ...tokenJson(info), token });
    },
  );

  app.get(
    '/tokens',
    {
      schema: {
        summary: 'Every token, without secrets',
        tags: ['operator'],
        security: bearerSecurity,
        params: noParams,
        querystring: noParams,
        response: {
          200: {
            type: 'object',
            required: ['tokens'],
            properties: { tokens: { type: 'array', items: tokenSchema } },
          },
          ...errors,
        },
      },
    },
    async () => ({ tokens: tokens.listTokens().map(tokenJson) }),
  );

  app.post<{ Params: { id: string } }>(
    '/tokens/:id/revoke',
    {
      schema: {
        summary: 'Revoke a token',
        tags: ['operator'],
        security: bearerSecurity,
        params: {
          type: 'object',
          required: ['id'],
          additionalProperties: false,
          properties: { id: { type: 'string', pattern: '^[0-9a-f]{16}$' } },
        },
        querystring: noParams,
        response: {
          200: tokenSchema,
          ...errors,
          404: { ...errorBodySchema, description: 'No such token.' },
          409: {
            ...errorBodySchema,
            description: 'Revoked already, or the last active operator token.',
          },
        },
      },
    },
    async (request) => tokenJson(await tokens.revokeToken(request.params.id)),
  );
};
