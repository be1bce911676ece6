/**
 * `GET <prefix>/export/entries?from=&limit=` (operator token): the log's private records in
 * index order — each entry's kind, salt and exact bytes (a chained reading's link apart), or,
 * for an erased one, the index keys it keeps — so that an auditor given the export rebuilds the
 * verifiable index from the log and checks every epoch (`wattproof audit-index`,
 * docs/index.md §Audit). Up to the published tree size; paged by leaf index.
 */
import type { FastifyPluginAsync } from 'fastify';
import { toBase64 } from '../../core/bytes.ts';
import type { EntryRecord } from '../../ledger/index.ts';
import { requireRole } from '../auth/require-role.ts';
import type { TokenStore } from '../auth/token-store.ts';
import { emptyObjectSchema } from '../schemas/common.ts';
import { bearerSecurity, errorResponses, tokenErrorResponses } from '../schemas/error.ts';

/** Most entries on one page. */
export const MAX_EXPORT_PAGE = 1000;

/** Options of {@link exportRoutes}. */
export interface ExportRoutesOptions {
  readonly tokens: TokenStore;
  /** The private records of leaves [from, to) that exist, in index order. */
  readonly records: (
    from: number,
    to: number,
  ) => AsyncIterable<{ readonly index: number; readonly record: EntryRecord }>;
  readonly publishedSize: () => number;
}

/** One exported entry. */
export type ExportedEntryJson =
  | { index: number; kind: number; salt: string; bytes: string; link?: string }
  | { index: number; kind: number; erased: true; indexKeys: string[] };

const uint = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;

/** Registers the export route. */
export const exportRoutes: FastifyPluginAsync<ExportRoutesOptions> = async (app, opts) => {
  app.get<{ Querystring: { from?: number; limit?: number } }>(
    '/export/entries',
    {
      onRequest: requireRole(opts.tokens, 'operator'),
      schema: {
        summary: "The log's private records (kind, salt, bytes), for an audit of the index",
        tags: ['operator'],
        security: bearerSecurity,
        params: emptyObjectSchema,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: { ...uint, description: 'First leaf index (default 0).' },
            limit: { type: 'integer', minimum: 1, maximum: MAX_EXPORT_PAGE },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['size', 'entries'],
            properties: {
              size: { ...uint, description: 'The published tree size the export goes up to.' },
              entries: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['index', 'kind'],
                  properties: {
                    index: uint,
                    kind: uint,
                    salt: { type: 'string' },
                    bytes: { type: 'string' },
                    link: { type: 'string' },
                    erased: { type: 'boolean' },
                    indexKeys: { type: 'array', items: { type: 'string' } },
                  },
                },
              },
              next: { ...uint, description: 'The `from` of the next page, when there is one.' },
            },
          },
          ...tokenErrorResponses('operator'),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const size = opts.publishedSize();
      const from = Math.min(request.query.from ?? 0, size);
      const to = Math.min(size, from + (request.query.limit ?? MAX_EXPORT_PAGE));
      const entries: ExportedEntryJson[] = [];
      for await (const { index, record } of opts.records(from, to)) {
        entries.push(
          record.erased
            ? {
                index,
                kind: record.kind,
                erased: true,
                indexKeys: (record.indexKeys ?? []).map(toBase64),
              }
            : {
                index,
                kind: record.kind,
                salt: toBase64(record.salt),
                bytes: toBase64(record.bytes),
                ...(record.link === undefined ? {} : { link: toBase64(record.link) }),
              },
        );
      }
      return { size, entries, ...(to < size ? { next: to } : {}) };
    },
  );
};
