/**
 * Operator routes of the quarantine (docs/formats.md, "Checks and quarantine"):
 * `GET /v1/quarantine` lists refused messages newest first, `GET /v1/quarantine/counts`
 * counts them per reject code. Both require the operator role.
 */
import type { FastifyPluginAsync } from 'fastify';
import { toBase64 } from '../../core/bytes.ts';
import type { Quarantine, QuarantineRecord } from '../../ingest/index.ts';
import type { AuthHook } from '../auth/require-role.ts';
import { emptyObjectSchema } from '../schemas/common.ts';
import { bearerSecurity, errorResponses, tokenErrorResponses } from '../schemas/error.ts';

/** Options of {@link quarantineRoutes}. */
export interface QuarantineRoutesOptions {
  /** The node's quarantine. */
  quarantine: Quarantine;
  /** Lets operators through; answers 401/403 otherwise. Runs as an `onRequest` hook. */
  requireOperator: AuthHook;
}

/** Most records per page. */
export const MAX_QUARANTINE_PAGE = 1000;

const authResponses = tokenErrorResponses('operator');

const listQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    code: {
      type: 'string',
      pattern: '^[A-Z][A-Z0-9_]{0,63}$',
      description:
        'Only records with this precise code (e.g. WRONG_TAG, INTERVAL_OVERLAP) or class ' +
        '(e.g. MALFORMED_COSE, BAD_SIGNATURE).',
    },
    limit: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_QUARANTINE_PAGE,
      default: 100,
      description: 'Most records returned.',
    },
    before: {
      type: 'integer',
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'Only records with a smaller id: the `next` of the previous page.',
    },
    withPayload: {
      type: 'string',
      enum: ['0', '1', 'false', 'true'],
      description: 'Include the stored bytes (base64, at most 64 KiB of them).',
    },
  },
} as const;

const recordSchema = {
  type: 'object',
  required: [
    'id',
    'code',
    'class',
    'message',
    'topic',
    'receivedAt',
    'payloadLength',
    'tier',
    'source',
  ],
  additionalProperties: false,
  properties: {
    id: { type: 'integer', description: 'Record id, increasing with arrival.' },
    code: {
      type: 'string',
      description: 'The precise code (docs/formats.md reject table), e.g. WRONG_TAG.',
    },
    class: {
      type: 'string',
      description: 'The coarse class: the reject code that sets the PUBACK reason.',
    },
    evidence: {
      type: 'object',
      additionalProperties: false,
      description: 'What the refusal points at, where known.',
      properties: {
        field: {
          type: 'string',
          description: 'The offending field, e.g. intervalEnd or RD[1].TM.',
        },
        key: { type: 'integer', description: 'Its CBOR map key in a native reading.' },
        collidesWith: {
          type: 'integer',
          description: 'Leaf index of the accepted reading it collides with.',
        },
      },
    },
    message: { type: 'string', description: 'Why it was refused.' },
    topic: { type: 'string', description: 'MQTT topic it arrived on.' },
    receivedAt: { type: 'integer', description: 'Arrival time, ms since the Unix epoch.' },
    payloadLength: { type: 'integer', description: 'Length of the refused bytes as received.' },
    readingIndex: { type: 'integer', description: 'Position inside a platform batch.' },
    tier: {
      type: 'string',
      enum: ['signed', 'junk'],
      description:
        'signed: a reading whose signature verified, refused by a later rule (kept with up to ' +
        '64 KiB of its bytes); junk: anything else (kept as a hash and a 256-byte prefix).',
    },
    source: {
      type: 'string',
      description: 'Whose quota it counts in: signer:<id>, meter:<id> or platform:<id>.',
    },
    sha256: {
      type: 'string',
      description: 'SHA-256 of the whole refused bytes, base64, where only a prefix is kept.',
    },
    payload: { type: 'string', description: 'Stored bytes, base64 (RFC 4648 §4).' },
  },
} as const;

const countsSchema = {
  type: 'object',
  additionalProperties: { type: 'integer' },
} as const;

const listResponses = {
  200: {
    type: 'object',
    description: 'Quarantined records, newest first.',
    required: ['records'],
    additionalProperties: false,
    properties: {
      records: { type: 'array', items: recordSchema },
      next: { type: 'integer', description: 'Pass as `before` for the next page.' },
    },
  },
  400: errorResponses[400],
  ...authResponses,
  500: errorResponses[500],
} as const;

const countsResponses = {
  200: {
    type: 'object',
    description: 'Records held, capacity, and counts per reject code.',
    required: [
      'records',
      'capacity',
      'bytes',
      'maxBytes',
      'tiers',
      'evicted',
      'recordsByCode',
      'rejectedByCode',
    ],
    additionalProperties: false,
    properties: {
      records: { type: 'integer', description: 'Records held.' },
      capacity: { type: 'integer', description: 'Records kept before the oldest are evicted.' },
      bytes: { type: 'integer', description: 'Bytes held (records as stored, approximately).' },
      maxBytes: { type: 'integer', description: 'The byte budget.' },
      tiers: {
        type: 'object',
        additionalProperties: false,
        required: ['signed', 'junk'],
        properties: Object.fromEntries(
          ['signed', 'junk'].map((t) => [
            t,
            {
              type: 'object',
              additionalProperties: false,
              required: ['records', 'bytes'],
              properties: { records: { type: 'integer' }, bytes: { type: 'integer' } },
            },
          ]),
        ),
        description: 'Records and bytes held per tier.',
      },
      evicted: {
        type: 'object',
        additionalProperties: false,
        required: ['signed', 'junk'],
        properties: { signed: { type: 'integer' }, junk: { type: 'integer' } },
        description: 'Records evicted since the node started, per tier.',
      },
      recordsByCode: { ...countsSchema, description: 'Records held, per class.' },
      rejectedByCode: {
        ...countsSchema,
        description: 'Rejections ever quarantined, per class (evicted ones included).',
      },
    },
  },
  ...authResponses,
  500: errorResponses[500],
} as const;

const noQuerySchema = { type: 'object', additionalProperties: false, properties: {} } as const;

interface ListQuery {
  code?: string;
  limit?: number;
  before?: number;
  withPayload?: '0' | '1' | 'false' | 'true';
}

function view(r: QuarantineRecord): Record<string, unknown> {
  const { payload, sha256, ...rest } = r;
  return {
    ...rest,
    ...(sha256 === undefined ? {} : { sha256: toBase64(sha256) }),
    ...(payload === undefined ? {} : { payload: toBase64(payload) }),
  };
}

/**
 * Registers `GET <prefix>/quarantine?code=&limit=&before=&withPayload=` and
 * `GET <prefix>/quarantine/counts` (the app registers the plugin under `/v1`). Records are
 * listed without their bytes unless `withPayload=1`.
 */
export const quarantineRoutes: FastifyPluginAsync<QuarantineRoutesOptions> = async (
  app,
  { quarantine, requireOperator },
) => {
  app.get<{ Querystring: ListQuery }>(
    '/quarantine',
    {
      onRequest: requireOperator,
      schema: {
        summary: 'Refused messages, newest first',
        tags: ['operator'],
        security: bearerSecurity,
        params: emptyObjectSchema,
        querystring: listQuerySchema,
        response: listResponses,
      },
    },
    async (request, reply) => {
      const q = request.query;
      const page = await quarantine.list({
        ...(q.code === undefined ? {} : { code: q.code }),
        ...(q.before === undefined ? {} : { before: q.before }),
        limit: q.limit ?? 100,
        withPayload: q.withPayload === '1' || q.withPayload === 'true',
      });
      const body = {
        records: page.records.map(view),
        ...(page.next === undefined ? {} : { next: page.next }),
      };
      return reply.header('cache-control', 'no-store').send(body);
    },
  );

  app.get(
    '/quarantine/counts',
    {
      onRequest: requireOperator,
      schema: {
        summary: 'Refused messages counted per reject code',
        tags: ['operator'],
        security: bearerSecurity,
        params: emptyObjectSchema,
        querystring: noQuerySchema,
        response: countsResponses,
      },
    },
    async (_request, reply) => reply.header('cache-control', 'no-store').send(quarantine.counts()),
  );
};
