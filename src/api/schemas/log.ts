/**
 * Schemas of the C2SP tlog-tiles routes (`/log/...`) and of `GET /v1/log`. Binary responses
 * are described with their content type and headers so the contract is documented; fastify
 * sends their bytes untouched.
 */
import { errorResponses } from './error.ts';

/**
 * Longest tile path accepted after `tile/` (or `tile/entries/`). The longest canonical path
 * for an index below 2^64 is well under this.
 */
export const MAX_TILE_PATH_LENGTH = 128;

const cacheHeader = (description: string) => ({ type: 'string', description }) as const;

/** Params of routes without path parameters (`/log/checkpoint`, `/v1/log`): none. */
export const noParamsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {},
} as const;

/** Params of `/log/tile/*` and `/log/tile/entries/*`: the rest of the path (C2SP tlog-tiles). */
export const tileParamsSchema = {
  type: 'object',
  required: ['*'],
  additionalProperties: false,
  properties: {
    '*': {
      type: 'string',
      minLength: 1,
      maxLength: MAX_TILE_PATH_LENGTH,
      description:
        '`<N>[.p/<W>]`, or `<L>/<N>[.p/<W>]` for hash tiles; N in 3-digit groups, all but the last prefixed `x`.',
    },
  },
} as const;

/** Responses of `GET /log/checkpoint` (C2SP tlog-tiles "Checkpoints"). */
export const checkpointResponses = {
  200: {
    description: 'The latest checkpoint, a C2SP signed note.',
    headers: { 'cache-control': cacheHeader('no-cache: the checkpoint is mutable.') },
    content: { 'text/plain; charset=utf-8': { schema: { type: 'string' } } },
  },
  404: errorResponses[404],
  500: errorResponses[500],
} as const;

/** Responses of the hash tile and entry bundle routes (C2SP tlog-tiles "Merkle Tree", "Log entries"). */
export const tileResponses = {
  200: {
    description:
      'Exactly W hashes (32 bytes each) or W uint16-length-prefixed entries; W = 256 for a full tile.',
    headers: {
      'cache-control': cacheHeader('public, max-age=31536000, immutable'),
      'content-encoding': cacheHeader('gzip, for entry bundles when the client accepts it.'),
      vary: cacheHeader('Accept-Encoding, for entry bundles.'),
    },
    content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
  },
  400: errorResponses[400],
  404: errorResponses[404],
  500: errorResponses[500],
} as const;

/** Responses of `GET /v1/log`. */
export const logInfoResponses = {
  200: {
    type: 'object',
    description: "The log's identity and its published size.",
    required: ['origin', 'vkey', 'size'],
    additionalProperties: false,
    properties: {
      origin: { type: 'string', description: 'Checkpoint origin line (C2SP tlog-checkpoint).' },
      vkey: {
        type: 'string',
        description: 'Verifier key, C2SP signed-note form `name+keyid+base64(0x01‖pub)`.',
      },
      size: {
        type: 'integer',
        minimum: 0,
        description: 'Tree size of the latest published checkpoint.',
      },
    },
  },
  500: errorResponses[500],
} as const;
