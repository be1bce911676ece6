/**
 * The one place that maps error codes to HTTP statuses, and the error and not-found handlers
 * that write every error response as `{ error: { code, message } }` (DESIGN.md decision 11).
 * Details of 5xx errors are logged, never sent.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WattproofError } from '../core/errors.ts';

/**
 * Reasons the HTTP API itself fails a request or fails to start:
 * - `NOT_FOUND`: no such route or resource (404).
 * - `METER_NOT_FOUND`: no registered signer lists the meter (404).
 * - `INVALID_REQUEST`: a parameter, body or cursor that the route refuses (400).
 * - `PAYLOAD_TOO_LARGE`, `UNSUPPORTED_MEDIA_TYPE`: the body (413, 415).
 * - `RATE_LIMITED`: too many requests with one token, or from one address without one (429).
 * - `TOO_MANY_IN_FLIGHT`: the token already has its share of expensive requests running (429).
 * - `SERVER_BUSY`: the node already serves as many expensive requests as it allows (503).
 * - `INTERNAL_ERROR`: anything else (500, details logged, never sent).
 * - `PORT_IN_USE`, `LISTEN_FAILED`, `INVALID_TLS`, `INVALID_ACCESS_LOG`: the server cannot
 *   start (a taken port, a TLS file or access log that cannot be opened; not in responses).
 */
export type ApiErrorCode =
  | 'NOT_FOUND'
  | 'METER_NOT_FOUND'
  | 'INVALID_REQUEST'
  | 'RATE_LIMITED'
  | 'TOO_MANY_IN_FLIGHT'
  | 'SERVER_BUSY'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'INTERNAL_ERROR'
  | 'PORT_IN_USE'
  | 'LISTEN_FAILED'
  | 'INVALID_TLS'
  | 'INVALID_ACCESS_LOG';

/** An error raised by the HTTP layer (`src/api/`). */
export class ApiError extends WattproofError<ApiErrorCode> {}

/** The body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/**
 * HTTP status for each {@link WattproofError} `code` that may reach a client. A code not listed
 * here is a server fault: 500, details hidden.
 */
export const HTTP_STATUS_BY_CODE: Readonly<Record<string, number>> = Object.freeze({
  // api
  INVALID_REQUEST: 400,
  NOT_FOUND: 404,
  METER_NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  TOO_MANY_IN_FLIGHT: 429,
  SERVER_BUSY: 503,
  // bundle: more entries or bytes than one bundle may hold (the message says how to split)
  BUNDLE_TOO_LARGE: 422,
  // core/tiles: a tile path that is not canonical C2SP tlog-tiles, or coordinates out of range
  MALFORMED_PATH: 400,
  INVALID_TILE: 400,
  // api/auth: bearer tokens (RFC 6750 §3.1) and token management
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  TOKEN_NOT_FOUND: 404,
  TOKEN_REVOKED: 409,
  LAST_OPERATOR_TOKEN: 409,
  // core/registry: a registration or revocation field that breaks the format
  INVALID_FIELD: 400,
  // core/ledger-index: an index key part (id, OBIS code, period) that is not canonical
  INVALID_KEY_PART: 400,
  // log: an index or size beyond the published tree
  OUT_OF_RANGE: 404,
  // registry: requests that conflict with what is registered
  SIGNER_NOT_FOUND: 404,
  SIGNER_EXISTS: 409,
  SIGNER_REVOKED: 409,
});

/** Codes for client errors that fastify raises itself (they carry a `statusCode`). */
const CODE_BY_FASTIFY_STATUS: Readonly<Record<number, ApiErrorCode>> = {
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

const INTERNAL_MESSAGE = 'internal server error';
const MAX_ECHOED_PATH = 200;
const MAX_MESSAGE = 500;

/** What to send for an error: status, code and a message that is safe to show. */
export interface ErrorResponse {
  status: number;
  code: string;
  message: string;
}

/**
 * Maps any thrown value to the response a client gets. A {@link WattproofError} with a listed
 * code keeps its code and message; a fastify validation error becomes 400 `INVALID_REQUEST`
 * with fastify's precise message (e.g. `params/* must NOT have more than 128 characters`);
 * other fastify 4xx errors keep their status; everything else is 500 `INTERNAL_ERROR`.
 */
export function errorResponseFor(error: unknown): ErrorResponse {
  if (error instanceof WattproofError) {
    const status = HTTP_STATUS_BY_CODE[error.code];
    if (status !== undefined) return { status, code: error.code, message: error.message };
    return internal();
  }
  if (isFastifyError(error)) {
    if (error.validation !== undefined) {
      return { status: 400, code: 'INVALID_REQUEST', message: error.message };
    }
    const status = error.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return {
        status,
        code: CODE_BY_FASTIFY_STATUS[status] ?? 'INVALID_REQUEST',
        message: error.message,
      };
    }
  }
  return internal();
}

function internal(): ErrorResponse {
  return { status: 500, code: 'INTERNAL_ERROR', message: INTERNAL_MESSAGE };
}

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && typeof (error as Partial<FastifyError>).code === 'string';
}

/**
 * Writes an error response. Headers a handler may already have set for a success (caching,
 * encoding, content type) are replaced: errors are never cached (a missing tile appears later).
 */
export function sendError(reply: FastifyReply, response: ErrorResponse): FastifyReply {
  const message =
    response.message.length > MAX_MESSAGE
      ? `${response.message.slice(0, MAX_MESSAGE)}…`
      : response.message;
  const body: ErrorBody = { error: { code: response.code, message } };
  reply.removeHeader('content-encoding');
  reply.removeHeader('vary');
  return reply
    .code(response.status)
    .header('content-type', 'application/json; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(body);
}

function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const response = errorResponseFor(error);
  if (response.code === 'INTERNAL_ERROR') request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: response.code }, response.message);
  return sendError(reply, response);
}

/**
 * fastify's `frameworkErrors` option: errors raised before routing (a URL that is not valid
 * percent-encoding, `FST_ERR_BAD_URL`) get the same JSON shape as every other error.
 */
export function frameworkErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  handleError(error, request, reply);
}

/**
 * Installs the error handler and the JSON 404 handler on the root instance. Call it before
 * registering routes so every plugin inherits it.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => handleError(error, request, reply));
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '';
    const shown = path.length > MAX_ECHOED_PATH ? `${path.slice(0, MAX_ECHOED_PATH)}…` : path;
    return sendError(reply, {
      status: 404,
      code: 'NOT_FOUND',
      message: `no route for ${request.method} ${shown}`,
    });
  });
}
