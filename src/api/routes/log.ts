/**
 * The log's read-only C2SP tlog-tiles API under `/log/`: the checkpoint, hash tiles and entry
 * bundles (DESIGN.md decisions 3 and 11). Any tlog-tiles client can mirror the log from it.
 */
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import {
  entryBundleWidth,
  hashTileWidth,
  parseTilePath,
  TILE_WIDTH,
  type TileRef,
} from '../../core/tiles/index.ts';
import type { LogReadModel } from '../../log/index.ts';
import { acceptsGzip } from '../accept-encoding.ts';
import { ApiError } from '../errors.ts';
import {
  checkpointResponses,
  noParamsSchema,
  tileParamsSchema,
  tileResponses,
} from '../schemas/log.ts';
import { exactEntryBundle, exactHashTile } from '../tile-body.ts';

const gzip = promisify(gzipCallback);

/** C2SP tlog-tiles "Checkpoints": the checkpoint is mutable, so it is not cached beyond a few seconds. */
export const CHECKPOINT_CACHE_CONTROL = 'no-cache';
/** C2SP tlog-tiles "Merkle Tree": tile and bundle resources are immutable, so caching is long-lived. */
export const TILE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** Options of {@link logRoutes}. */
export interface LogRoutesOptions {
  /** The log to serve. */
  log: LogReadModel;
}

/**
 * Registers, under the plugin's prefix (`/log` in the app):
 * - `GET <prefix>/checkpoint`: the latest signed checkpoint, `text/plain; charset=utf-8`,
 *   `Cache-Control: no-cache`; 404 before the first one (C2SP tlog-tiles "Checkpoints").
 * - `GET <prefix>/tile/<L>/<N>[.p/<W>]`: a hash tile (C2SP tlog-tiles "Merkle Tree").
 * - `GET <prefix>/tile/entries/<N>[.p/<W>]`: an entry bundle, gzip when accepted
 *   (C2SP tlog-tiles "Log entries").
 *
 * Tiles are `application/octet-stream`, immutable. A path that is not canonical tlog-tiles
 * (including any percent-encoding) is 400 `MALFORMED_PATH`; a tile or bundle that the published
 * tree does not (yet) hold with at least W hashes is 404 — a full tile is never stood in for by
 * a partial one. At `.p/<W>` exactly W hashes are served, even once the tile has grown.
 */
export const logRoutes: FastifyPluginAsync<LogRoutesOptions> = async (app, { log }) => {
  // The raw request path is parsed, not fastify's decoded parameter, so `%2F` and other
  // percent-encodings cannot smuggle a non-canonical path past parseTilePath.
  const base = `${app.prefix}/`;

  app.get(
    '/checkpoint',
    {
      schema: {
        summary: 'The latest checkpoint (C2SP tlog-checkpoint)',
        tags: ['public'],
        params: noParamsSchema,
        querystring: noParamsSchema,
        response: checkpointResponses,
      },
    },
    async (_request, reply) => {
      const note = await log.checkpoint();
      if (note === undefined)
        throw new ApiError('NOT_FOUND', 'no checkpoint has been published yet');
      return reply
        .header('content-type', 'text/plain; charset=utf-8')
        .header('cache-control', CHECKPOINT_CACHE_CONTROL)
        .send(asBuffer(note));
    },
  );

  const tileSchema = {
    params: tileParamsSchema,
    querystring: noParamsSchema,
    response: tileResponses,
  };
  const hashTileRoute = {
    schema: { ...tileSchema, tags: ['public'], summary: 'A hash tile (C2SP tlog-tiles)' },
  };
  const entryBundleRoute = {
    schema: { ...tileSchema, tags: ['public'], summary: 'An entry bundle (C2SP tlog-tiles)' },
  };
  const serveTile = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const path = rawPath(request.url);
    const ref = parseTilePath(path.startsWith(base) ? path.slice(base.length) : path);
    const body = await readTile(log, ref);
    reply
      .header('content-type', 'application/octet-stream')
      .header('cache-control', TILE_CACHE_CONTROL);
    if (ref.kind === 'entries') {
      reply.header('vary', 'Accept-Encoding');
      if (acceptsGzip(request.headers['accept-encoding'])) {
        return reply.header('content-encoding', 'gzip').send(await gzip(body));
      }
    }
    return reply.send(asBuffer(body));
  };
  app.get('/tile/*', hashTileRoute, serveTile);
  app.get('/tile/entries/*', entryBundleRoute, serveTile);
};

/**
 * The bytes of the tile or bundle `ref` names, or `NOT_FOUND` when the published tree does not
 * hold it at that width (C2SP tlog-tiles "Partial Tiles"; empty tiles are never served).
 */
async function readTile(log: LogReadModel, ref: TileRef): Promise<Uint8Array> {
  const size = log.publishedSize();
  const current =
    ref.kind === 'hash'
      ? hashTileWidth(ref.level, ref.index, size)
      : entryBundleWidth(ref.index, size);
  const bytes =
    current < ref.width
      ? undefined
      : ref.kind === 'hash'
        ? await log.readHashTile(ref.level, ref.index, ref.width)
        : await log.readEntryBundle(ref.index, ref.width);
  if (bytes === undefined) {
    throw new ApiError('NOT_FOUND', `${describe(ref)} is not in the published tree`);
  }
  return ref.kind === 'hash' ? exactHashTile(bytes, ref.width) : exactEntryBundle(bytes, ref.width);
}

function describe(ref: TileRef): string {
  const what =
    ref.kind === 'hash' ? `hash tile ${ref.level}/${ref.index}` : `entry bundle ${ref.index}`;
  return ref.width === TILE_WIDTH ? `full ${what}` : `${what} of width ${ref.width}`;
}

function rawPath(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}
