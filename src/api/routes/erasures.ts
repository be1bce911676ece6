/**
 * Erasure (right to erasure, GDPR Art. 17; docs/operations.md §Erasure), operator token only:
 * - `POST <prefix>/erasures` `{ meterId, from, to, reason? }`: deletes the entry bytes and salts
 *   of the meter's readings with interval start in [from, to) and records the request (201);
 *   the public log and every proof stay as they were; repeating it erases nothing more;
 * - `GET <prefix>/erasures?after=&limit=`: the audit records, oldest first.
 * The app registers the plugin under `/v1`.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Ledger } from '../../ledger/index.ts';
import type { ErasureRecord } from '../../ledger/index.ts';
import type { Registry } from '../../registry/index.ts';
import { authenticatedToken, requireRole } from '../auth/require-role.ts';
import type { TokenStore } from '../auth/token-store.ts';
import { ApiError } from '../errors.ts';
import { assertKnownMeters } from '../meters.ts';
import { emptyObjectSchema, fromSchema, meterIdSchema, toSchema } from '../schemas/common.ts';
import { bearerSecurity, errorBodySchema, tokenErrorResponses } from '../schemas/error.ts';

/** Options of {@link erasureRoutes}. */
export interface ErasureRoutesOptions {
  readonly tokens: TokenStore;
  readonly ledger: Pick<Ledger, 'erase' | 'erasures'>;
  readonly registry: Pick<Registry, 'list'>;
}

/** Longest reason, in characters. */
export const MAX_ERASURE_REASON = 200;
/** Most audit records on one page. */
export const MAX_ERASURES_PAGE = 1000;

/** An erasure as the API shows it. */
export interface ErasureJson {
  id: number;
  meterId: string;
  from: number;
  to: number;
  reason?: string;
  requestedBy: { tokenId: string; label: string };
  /** ISO 8601 UTC. */
  erasedAt: string;
  matched: number;
  erased: number;
}

const uint = { type: 'integer', minimum: 0 } as const;

const erasureSchema = {
  type: 'object',
  required: ['id', 'meterId', 'from', 'to', 'requestedBy', 'erasedAt', 'matched', 'erased'],
  additionalProperties: false,
  properties: {
    id: { ...uint, description: 'Audit record id, increasing from 1.' },
    meterId: { type: 'string' },
    from: { ...uint, description: 'Unix seconds, inclusive.' },
    to: { ...uint, description: 'Unix seconds, exclusive.' },
    reason: { type: 'string' },
    requestedBy: {
      type: 'object',
      required: ['tokenId', 'label'],
      additionalProperties: false,
      properties: {
        tokenId: { type: 'string', description: 'Id of the operator token that asked.' },
        label: { type: 'string', description: "The token's label at the time." },
      },
    },
    erasedAt: { type: 'string', format: 'date-time' },
    matched: { ...uint, description: 'Readings of the meter in the period, erased now or before.' },
    erased: { ...uint, description: 'Readings this request erased (0 when repeated).' },
  },
} as const;

const errors = {
  400: { ...errorBodySchema, description: 'A malformed request or an empty period.' },
  ...tokenErrorResponses('operator'),
  500: { ...errorBodySchema, description: 'Internal error; details are logged, not sent.' },
} as const;

/** The API view of an audit record. */
export function erasureJson(r: ErasureRecord): ErasureJson {
  return {
    id: r.id,
    meterId: r.meterId,
    from: r.from,
    to: r.to,
    ...(r.reason === undefined ? {} : { reason: r.reason }),
    requestedBy: { tokenId: r.requestedBy.tokenId, label: r.requestedBy.label },
    erasedAt: new Date(r.erasedAt).toISOString(),
    matched: r.matched,
    erased: r.erased,
  };
}

interface EraseBody {
  meterId: string;
  from: number;
  to: number;
  reason?: string;
}

/** Registers the erasure routes (see the file comment). */
export const erasureRoutes: FastifyPluginAsync<ErasureRoutesOptions> = async (app, opts) => {
  app.addHook('onRequest', requireRole(opts.tokens, 'operator'));
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('cache-control', 'no-store');
    return payload;
  });

  app.post<{ Body: EraseBody }>(
    '/erasures',
    {
      schema: {
        summary: "Erase a meter's readings over a period",
        tags: ['operator'],
        security: bearerSecurity,
        params: emptyObjectSchema,
        querystring: emptyObjectSchema,
        body: {
          type: 'object',
          required: ['meterId', 'from', 'to'],
          additionalProperties: false,
          properties: {
            meterId: meterIdSchema,
            from: fromSchema,
            to: toSchema,
            reason: {
              type: 'string',
              minLength: 1,
              maxLength: MAX_ERASURE_REASON,
              description: 'Why: a ticket or case reference, kept in the audit record.',
            },
          },
        },
        response: {
          201: erasureSchema,
          ...errors,
          404: { ...errorBodySchema, description: 'No registered signer lists the meter.' },
        },
      },
    },
    async (request, reply) => {
      const { meterId, from, to, reason } = request.body;
      if (to <= from) throw new ApiError('INVALID_REQUEST', 'body/to must be greater than from');
      assertKnownMeters(opts.registry, [meterId]);
      const token = authenticatedToken(request)!;
      const record = await opts.ledger.erase({
        meterId,
        from,
        to,
        requestedBy: { tokenId: token.id, label: token.label },
        ...(reason === undefined ? {} : { reason }),
      });
      return reply.code(201).send(erasureJson(record));
    },
  );

  app.get<{ Querystring: { after?: number; limit?: number } }>(
    '/erasures',
    {
      schema: {
        summary: 'The erasure audit records, oldest first',
        tags: ['operator'],
        security: bearerSecurity,
        params: emptyObjectSchema,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            after: {
              ...uint,
              maximum: Number.MAX_SAFE_INTEGER,
              description: 'Only records with a greater id: the `next` of the previous page.',
            },
            limit: {
              type: 'integer',
              minimum: 1,
              maximum: MAX_ERASURES_PAGE,
              default: 100,
              description: 'Most records returned.',
            },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['erasures'],
            additionalProperties: false,
            properties: {
              erasures: { type: 'array', items: erasureSchema },
              next: { type: 'integer', description: 'Pass as `after` for the next page.' },
            },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 100;
      const page = await opts.ledger.erasures({
        ...(request.query.after === undefined ? {} : { after: request.query.after }),
        limit: limit + 1,
      });
      const shown = page.slice(0, limit);
      return {
        erasures: shown.map(erasureJson),
        ...(page.length > limit ? { next: shown[shown.length - 1]!.id } : {}),
      };
    },
  );
};
