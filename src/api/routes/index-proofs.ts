/**
 * The verifiable index over HTTP (docs/index.md §API; docs/api.md):
 * - `GET <prefix>/index/epoch` (public): the latest index epoch — its number, the log size the
 *   map reflects, the map root — and its log entry (leaf index, salt and bytes), which anyone
 *   checks against a checkpoint with an inclusion proof;
 * - `GET <prefix>/index/signers/:signerId` (issuer token): the map's lookup proof for the
 *   signer's registrations and revocations;
 * - `GET <prefix>/index/meters/:meterId/flags` (issuer token): the same for the meter's flags;
 * - `GET <prefix>/index/meters/:meterId/readings?obis=&period=` (issuer token): the prefix
 *   proof for the meter channel's readings in a UTC year, month, day or hour, with the hours
 *   that hold readings and their values.
 * Every proof is against the latest epoch's root (MPT format, core/vmap). While an epoch is
 * being cut the routes wait for it; if the map is ahead of every committed epoch (a cut whose
 * entry failed), they answer 503 until the next epoch.
 */
import type { FastifyPluginAsync } from 'fastify';
import { toBase64 } from '../../core/bytes.ts';
import {
  meterFlagsIndexKey,
  readingsIndexKey,
  signerIndexKey,
  type UtcPeriod,
} from '../../core/ledger-index/index.ts';
import { bytesEqual } from '../../core/bytes.ts';
import type { MapEntry } from '../../core/vmap/index.ts';
import { requireRole } from '../auth/require-role.ts';
import type { TokenStore } from '../auth/token-store.ts';
import { ApiError } from '../errors.ts';
import { emptyObjectSchema, ID_PATTERN, meterIdSchema } from '../schemas/common.ts';
import {
  bearerSecurity,
  errorBodySchema,
  errorResponses,
  tokenErrorResponses,
} from '../schemas/error.ts';

/** The latest epoch, as the index keeps it. */
export interface IndexEpochView {
  readonly epoch: number;
  readonly logSize: number;
  readonly mapRoot: Uint8Array;
  readonly time: number;
  /** Leaf index of the epoch entry. */
  readonly index: number;
}

/** What the routes read: the node's `LedgerIndexer`. */
export interface IndexSource {
  readonly latest: IndexEpochView | undefined;
  readonly map: {
    readonly root: Uint8Array;
    proveLookup(key: Uint8Array): {
      readonly value: Uint8Array | undefined;
      readonly proof: Uint8Array;
    };
    provePrefix(prefix: Uint8Array): { readonly hash: Uint8Array; readonly proof: Uint8Array };
    scan(prefix: Uint8Array): MapEntry[];
  };
  /** Resolves once no epoch is being cut. */
  settled(): Promise<void>;
}

/** Options of {@link indexRoutes}. */
export interface IndexRoutesOptions {
  readonly index: IndexSource;
  readonly tokens: TokenStore;
  /** The salt and bytes of a log entry (the epoch entry's disclosure). */
  readonly entry: (index: number) => Promise<{ salt: Uint8Array; bytes: Uint8Array } | undefined>;
}

const uint = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const b64 = (description: string) => ({ type: 'string', description }) as const;
const epochProps = {
  epoch: uint,
  logSize: { ...uint, description: 'The map holds exactly the entries at indices below it.' },
  mapRoot: b64('Map root (MPT snapshot hash), base64.'),
  time: { ...uint, description: 'When the epoch was cut, Unix seconds.' },
} as const;
const proofBody = {
  type: 'object',
  required: ['epoch', 'mapRoot', 'key', 'value', 'proof'],
  properties: {
    epoch: uint,
    mapRoot: epochProps.mapRoot,
    key: b64('The index key, base64 (docs/index.md §Keys).'),
    value: {
      type: ['string', 'null'],
      description:
        'Its value (hash chain of the leaf indices filed under it), base64; null when absent.',
    },
    proof: b64('MPT lookup proof, base64: presence steps, or the path proof of absence.'),
  },
} as const;
const unavailable = {
  404: { ...errorBodySchema, description: 'No epoch yet.' },
  503: { ...errorBodySchema, description: 'The map is between epochs; try again shortly.' },
} as const;

/** The schema of a lookup-proof route with one path parameter (issuer token). */
function lookupSchema(summary: string, param: string, schema: object) {
  return {
    summary,
    tags: ['issuer'],
    security: bearerSecurity,
    params: { type: 'object', required: [param], properties: { [param]: schema } },
    querystring: emptyObjectSchema,
    response: {
      200: proofBody,
      ...tokenErrorResponses('issuer'),
      ...errorResponses,
      ...unavailable,
    },
  };
}

/** A UTC period as written in the query: `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or `YYYY-MM-DDTHH`. */
export const PERIOD_PATTERN = '^\\d{4}(-\\d{2}(-\\d{2}(T\\d{2})?)?)?$';

function parsePeriod(s: string): UtcPeriod {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}))?)?)?$/.exec(s);
  if (m === null) throw new ApiError('INVALID_REQUEST', `period "${s}" is not YYYY[-MM[-DD[THH]]]`);
  return {
    year: Number(m[1]),
    ...(m[2] === undefined ? {} : { month: Number(m[2]) }),
    ...(m[3] === undefined ? {} : { day: Number(m[3]) }),
    ...(m[4] === undefined ? {} : { hour: Number(m[4]) }),
  };
}

function hourLabel(key: Uint8Array): string {
  const t = key.subarray(key.length - 5);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${(t[0]! << 8) | t[1]!}-${p2(t[2]!)}-${p2(t[3]!)}T${p2(t[4]!)}`;
}

/** Registers the index routes. */
export const indexRoutes: FastifyPluginAsync<IndexRoutesOptions> = async (app, opts) => {
  const { index } = opts;
  const issuer = requireRole(opts.tokens, 'issuer');

  /** The latest epoch, once the map is at it (see the module comment). */
  const current = async (): Promise<IndexEpochView> => {
    await index.settled();
    const latest = index.latest;
    if (latest === undefined) throw new ApiError('NOT_FOUND', 'the index has no epoch yet');
    if (!bytesEqual(index.map.root, latest.mapRoot)) {
      throw new ApiError('SERVER_BUSY', 'the index is between epochs; try again shortly');
    }
    return latest;
  };
  const lookup = async (key: Uint8Array) => {
    const e = await current();
    const answer = index.map.proveLookup(key);
    return {
      epoch: e.epoch,
      mapRoot: toBase64(e.mapRoot),
      key: toBase64(key),
      value: answer.value === undefined ? null : toBase64(answer.value),
      proof: toBase64(answer.proof),
    };
  };

  app.get(
    '/index/epoch',
    {
      schema: {
        summary: 'The latest index epoch and its log entry',
        tags: ['public'],
        params: emptyObjectSchema,
        querystring: emptyObjectSchema,
        response: {
          200: {
            type: 'object',
            required: ['epoch', 'logSize', 'mapRoot', 'time', 'index', 'salt', 'bytes'],
            properties: {
              ...epochProps,
              index: { ...uint, description: 'Leaf index of the epoch entry.' },
              salt: b64('The entry salt, base64.'),
              bytes: b64('The entry bytes (deterministic CBOR, docs/index.md §Epochs), base64.'),
            },
          },
          ...unavailable,
          500: errorResponses[500],
        },
      },
    },
    async () => {
      const e = await current();
      const entry = await opts.entry(e.index);
      if (entry === undefined) throw new Error(`no private record of epoch entry ${e.index}`);
      return {
        epoch: e.epoch,
        logSize: e.logSize,
        mapRoot: toBase64(e.mapRoot),
        time: e.time,
        index: e.index,
        salt: toBase64(entry.salt),
        bytes: toBase64(entry.bytes),
      };
    },
  );

  app.get<{ Params: { signerId: string } }>(
    '/index/signers/:signerId',
    {
      onRequest: issuer,
      schema: lookupSchema("Lookup proof of a signer's registrations and revocations", 'signerId', {
        type: 'string',
        pattern: ID_PATTERN,
      }),
    },
    async (request) => lookup(signerIndexKey(request.params.signerId)),
  );

  app.get<{ Params: { meterId: string } }>(
    '/index/meters/:meterId/flags',
    {
      onRequest: issuer,
      schema: lookupSchema("Lookup proof of a meter's flags", 'meterId', meterIdSchema),
    },
    async (request) => lookup(meterFlagsIndexKey(request.params.meterId)),
  );

  app.get<{ Params: { meterId: string }; Querystring: { obis: string; period: string } }>(
    '/index/meters/:meterId/readings',
    {
      onRequest: issuer,
      schema: {
        summary: "Prefix proof of a meter channel's readings in a UTC year, month, day or hour",
        tags: ['issuer'],
        security: bearerSecurity,
        params: {
          type: 'object',
          required: ['meterId'],
          properties: { meterId: meterIdSchema },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['obis', 'period'],
          properties: {
            obis: { type: 'string', maxLength: 32, description: 'OBIS code, e.g. 1-0:1.8.0.' },
            period: {
              type: 'string',
              pattern: PERIOD_PATTERN,
              description: 'UTC YYYY[-MM[-DD[THH]]].',
            },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['epoch', 'mapRoot', 'prefix', 'hash', 'proof', 'hours'],
            properties: {
              epoch: uint,
              mapRoot: epochProps.mapRoot,
              prefix: b64('The key prefix of the period, base64.'),
              hash: b64(
                'Hash of the subtree of every key with the prefix (the empty-map hash when none).',
              ),
              proof: b64('MPT prefix proof, base64.'),
              hours: {
                type: 'array',
                description: 'The hours of the period that hold readings, in key order.',
                items: {
                  type: 'object',
                  required: ['hour', 'value'],
                  properties: {
                    hour: { type: 'string', description: 'UTC YYYY-MM-DDTHH.' },
                    value: b64('The hour key’s value, base64.'),
                  },
                },
              },
            },
          },
          ...tokenErrorResponses('issuer'),
          ...errorResponses,
          ...unavailable,
        },
      },
    },
    async (request) => {
      const { meterId } = request.params;
      const prefix = readingsIndexKey(
        meterId,
        request.query.obis,
        parsePeriod(request.query.period),
      );
      const e = await current();
      const answer = index.map.provePrefix(prefix);
      const hours = index.map
        .scan(prefix)
        .map((x) => ({ hour: hourLabel(x.key), value: toBase64(x.value) }));
      return {
        epoch: e.epoch,
        mapRoot: toBase64(e.mapRoot),
        prefix: toBase64(prefix),
        hash: toBase64(answer.hash),
        proof: toBase64(answer.proof),
        hours,
      };
    },
  );
};
