/**
 * `GET /v1/meters/:meterId/readings?from=&to=&limit=&cursor=` (issuer token): a meter's
 * readings with interval start in [from, to), in (interval start, leaf index) order, a page at
 * a time. Each reading carries its figures (decoded from its exact bytes by the core's
 * `readingFigures`, as a verifier would) and its entry bytes and salt, so that it can be
 * checked against its public leaf; an erased reading is `{ index, erased: true, erasedAt }`.
 * A page ends early, with its `next` cursor, once it holds {@link MAX_READINGS_PAGE_BYTES};
 * at most a few pages are read at once per token and in all (`../in-flight.ts`).
 */
import type { FastifyPluginAsync } from 'fastify';
import { toBase64 } from '../../core/bytes.ts';
import { readingFigures } from '../../core/bundle/index.ts';
import type { ChannelFigures } from '../../core/reading/index.ts';
import type { TrustMode } from '../../core/registry/index.ts';
import type { Ledger } from '../../ledger/index.ts';
import type { Registry } from '../../registry/index.ts';
import { StorageError } from '../../storage/index.ts';
import { authenticatedToken, requireRole } from '../auth/require-role.ts';
import type { TokenStore } from '../auth/token-store.ts';
import { ApiError } from '../errors.ts';
import { InFlightLimiter, type InFlightLimits } from '../in-flight.ts';
import { assertKnownMeters } from '../meters.ts';
import { ReadingsCursor } from '../readings-cursor.ts';
import { fromSchema, meterIdSchema, toSchema } from '../schemas/common.ts';
import { bearerSecurity, errorBodySchema, tokenErrorResponses } from '../schemas/error.ts';

/** Most readings on one page. */
export const MAX_READINGS_PAGE = 1000;
/** Readings on a page when `limit` is not given. */
export const DEFAULT_READINGS_PAGE = 100;
/**
 * Most bytes of readings on one page (their JSON, estimated from the stored bytes): a page that
 * reaches it ends there, with `next`, however many readings `limit` allowed.
 */
export const MAX_READINGS_PAGE_BYTES = 4 * 1024 * 1024;
/** Pages read at once by default: four per token, sixteen in all. */
export const DEFAULT_READINGS_IN_FLIGHT: InFlightLimits = Object.freeze({ perKey: 4, total: 16 });

/** Options of {@link readingRoutes}. */
export interface ReadingRoutesOptions {
  readonly tokens: TokenStore;
  readonly ledger: Pick<Ledger, 'meterEntries' | 'record'>;
  /** Only entries below the published size are listed (each has an inclusion proof). */
  readonly log: { publishedSize(): number };
  readonly registry: Pick<Registry, 'get' | 'list'>;
  /** Cursor key (tests); a fresh random one by default. */
  readonly cursorKey?: Uint8Array;
  /** Pages read at once (default {@link DEFAULT_READINGS_IN_FLIGHT}); or a shared limiter. */
  readonly inFlight?: InFlightLimits | InFlightLimiter;
}

/** A live reading as listed. */
export interface ReadingJson {
  index: number;
  erased: false;
  /**
   * Entry kind: 1 COSE_Sign1 reading, 2 OCMF record, 3 and 4 the same chained
   * (docs/log-format.md §Leaf).
   */
  kind: number;
  intervalStart: number;
  intervalEnd: number;
  sequence: number;
  /** Its register channels (OBIS, interval, register and energy in milli-Wh), each on its own timeline. */
  channels: ChannelFigures[];
  trustMode: TrustMode;
  signerId: string;
  /** Base64 (RFC 4648 §4) of the 32-byte salt. */
  salt: string;
  /** Base64 of the exact signed bytes (for a chained kind, the entry bytes after the link). */
  bytes: string;
  /** A chained reading's 40-byte link, base64: the entry bytes are `link ‖ bytes`. */
  link?: string;
}

/** An erased reading as listed. */
export interface ErasedReadingJson {
  index: number;
  erased: true;
  intervalStart: number;
  /** ISO 8601 UTC. */
  erasedAt: string;
}

interface Query {
  from: number;
  to: number;
  limit?: number;
  cursor?: string;
}

const uint = { type: 'integer', minimum: 0 } as const;

const liveSchema = {
  type: 'object',
  required: [
    'index',
    'erased',
    'kind',
    'intervalStart',
    'intervalEnd',
    'sequence',
    'channels',
    'trustMode',
    'signerId',
    'salt',
    'bytes',
  ],
  additionalProperties: false,
  properties: {
    index: { ...uint, description: 'Leaf index.' },
    erased: { type: 'boolean', const: false },
    kind: {
      type: 'integer',
      description: '1 COSE_Sign1 reading, 2 OCMF record; 3 and 4 the same, chained.',
    },
    intervalStart: { ...uint, description: 'Unix seconds.' },
    intervalEnd: { ...uint, description: 'Unix seconds.' },
    sequence: uint,
    channels: {
      type: 'array',
      description:
        'One per register channel (a native reading has one; an OCMF record one per energy ' +
        'register read over an interval, none for a begin-only record).',
      items: {
        type: 'object',
        required: ['obis', 'intervalStart', 'intervalEnd', 'registerMilliWh', 'energyMilliWh'],
        additionalProperties: false,
        properties: {
          obis: { type: 'string', description: 'OBIS code, e.g. 1-0:1.8.0 (import).' },
          intervalStart: { ...uint, description: 'Unix seconds.' },
          intervalEnd: { ...uint, description: 'Unix seconds.' },
          registerMilliWh: { ...uint, description: 'Register at the interval end, milli-Wh.' },
          energyMilliWh: { ...uint, description: 'Energy of the interval, milli-Wh (exact).' },
        },
      },
    },
    trustMode: { type: 'string', enum: ['device', 'platform'] },
    signerId: { type: 'string' },
    salt: { type: 'string', description: 'Base64 of the 32-byte salt.' },
    bytes: {
      type: 'string',
      description: 'Base64 of the exact signed bytes (for a chained kind, after the link).',
    },
    link: {
      type: 'string',
      description:
        "A chained reading's 40-byte link (docs/log-format.md §Chained readings), base64; " +
        'the committed entry bytes are link ‖ bytes.',
    },
  },
} as const;

const erasedSchema = {
  type: 'object',
  required: ['index', 'erased', 'intervalStart', 'erasedAt'],
  additionalProperties: false,
  properties: {
    index: { ...uint, description: 'Leaf index; the public leaf stays in the log.' },
    erased: { type: 'boolean', const: true },
    intervalStart: { ...uint, description: 'Unix seconds.' },
    erasedAt: { type: 'string', format: 'date-time' },
  },
} as const;

/** Registers `GET <prefix>/meters/:meterId/readings` (see the file comment). */
export const readingRoutes: FastifyPluginAsync<ReadingRoutesOptions> = async (app, opts) => {
  const cursors = new ReadingsCursor(opts.cursorKey);
  const inFlight =
    opts.inFlight instanceof InFlightLimiter
      ? opts.inFlight
      : new InFlightLimiter('readings pages', opts.inFlight ?? DEFAULT_READINGS_IN_FLIGHT);

  app.get<{ Params: { meterId: string }; Querystring: Query }>(
    '/meters/:meterId/readings',
    {
      onRequest: requireRole(opts.tokens, 'issuer'),
      schema: {
        summary: "A meter's readings over a period, paginated",
        tags: ['issuer'],
        security: bearerSecurity,
        params: {
          type: 'object',
          required: ['meterId'],
          additionalProperties: false,
          properties: { meterId: meterIdSchema },
        },
        querystring: {
          type: 'object',
          required: ['from', 'to'],
          additionalProperties: false,
          properties: {
            from: fromSchema,
            to: toSchema,
            limit: {
              type: 'integer',
              minimum: 1,
              maximum: MAX_READINGS_PAGE,
              default: DEFAULT_READINGS_PAGE,
              description: 'Most readings on the page.',
            },
            cursor: {
              type: 'string',
              maxLength: 64,
              description: 'The `next` of the previous page (same meterId, from and to).',
            },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['meterId', 'from', 'to', 'readings'],
            additionalProperties: false,
            properties: {
              meterId: { type: 'string' },
              from: uint,
              to: uint,
              readings: { type: 'array', items: { oneOf: [liveSchema, erasedSchema] } },
              next: {
                type: 'string',
                description: 'Cursor of the next page; absent on the last page.',
              },
            },
          },
          400: { ...errorBodySchema, description: 'A malformed parameter, period or cursor.' },
          ...tokenErrorResponses('issuer'),
          404: { ...errorBodySchema, description: 'No registered signer lists the meter.' },
          500: { ...errorBodySchema, description: 'Internal error; details are logged, not sent.' },
        },
      },
    },
    async (request, reply) => {
      const { meterId } = request.params;
      const { from, to, cursor } = request.query;
      const limit = request.query.limit ?? DEFAULT_READINGS_PAGE;
      if (to <= from) {
        throw new ApiError('INVALID_REQUEST', 'querystring/to must be greater than from');
      }
      const q = { meterId, from, to };
      const after = cursor === undefined ? undefined : cursors.open(q, cursor);
      assertKnownMeters(opts.registry, [meterId]);
      const signal = inFlight.hold(
        request,
        reply,
        `token:${authenticatedToken(request)?.id ?? request.ip}`,
      );
      const size = opts.log.publishedSize();
      const readings: (ReadingJson | ErasedReadingJson)[] = [];
      let next: string | undefined;
      let last = after;
      let bytes = 0;
      for await (const e of opts.ledger.meterEntries(meterId, from, to, after)) {
        if (e.index >= size) continue;
        if (readings.length === limit || bytes >= MAX_READINGS_PAGE_BYTES) {
          next = cursors.make(q, last!);
          break;
        }
        if (signal.aborted) break; // the client went away: stop reading
        const r = await readingJson(opts, e.index, e.intervalStart);
        readings.push(r);
        bytes += r.erased ? 100 : 400 + r.bytes.length + (r.link?.length ?? 0);
        last = e;
      }
      return reply
        .header('cache-control', 'no-store')
        .send({ meterId, from, to, readings, ...(next === undefined ? {} : { next }) });
    },
  );
};

async function readingJson(
  opts: ReadingRoutesOptions,
  index: number,
  intervalStart: number,
): Promise<ReadingJson | ErasedReadingJson> {
  const r = await opts.ledger.record(index);
  if (r === undefined) {
    throw new StorageError('STORE_CORRUPT', `no private record for entry ${index}`);
  }
  if (r.erased) {
    return { index, erased: true, intervalStart, erasedAt: new Date(r.erasedAt).toISOString() };
  }
  const f = readingFigures(r.kind, r.bytes, index);
  const trustMode = opts.registry.get(f.signerId)?.mode ?? r.meta.trustMode;
  if (trustMode === undefined) {
    throw new ApiError('INTERNAL_ERROR', `entry ${index}: no trust mode for ${f.signerId}`);
  }
  return {
    index,
    erased: false,
    kind: r.kind,
    intervalStart: f.intervalStart,
    intervalEnd: f.intervalEnd,
    sequence: f.sequence,
    channels: f.channels.map((c) => ({ ...c })),
    trustMode,
    signerId: f.signerId,
    salt: toBase64(r.salt),
    bytes: toBase64(r.bytes),
    ...(r.link === undefined ? {} : { link: toBase64(r.link) }),
  };
}
