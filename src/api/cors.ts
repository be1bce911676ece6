/**
 * Cross-origin reads of the public routes (Fetch Standard §3.2, "CORS protocol"): the log
 * (`/log/*`, C2SP tlog-tiles), its description (`/v1/log`) and the proofs (`/v1/proofs/*`)
 * answer `Access-Control-Allow-Origin: *`, and a CORS preflight to them gets its answer, so that
 * a verifier page hosted elsewhere (or opened from disk) and monitors in other origins can read
 * them. They need no credentials, and `*` never lets a browser send any (§3.2.5). Token routes
 * stay same-origin: no CORS header at all, a preflight to them is the JSON 404 of any unknown
 * route, and a browser page of another origin can neither read them nor send them a token.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Methods a cross-origin page may use on a public route. */
export const CORS_METHODS = 'GET, HEAD';

/** Request headers a cross-origin page may send to a public route (conditional requests). */
export const CORS_REQUEST_HEADERS = 'Accept, Cache-Control, If-Modified-Since, If-None-Match';

/** How long a browser may cache a preflight answer, seconds. */
export const CORS_MAX_AGE_SECONDS = 86_400;

/**
 * True for the paths of the public routes: `/log/…`, `/v1/log` and `/v1/proofs/…` (query
 * string ignored).
 */
export function isCorsPath(url: string): boolean {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return path.startsWith('/log/') || path === '/v1/log' || path.startsWith('/v1/proofs/');
}

/** A CORS preflight (Fetch §3.2.2): OPTIONS with `Origin` and `Access-Control-Request-Method`. */
function isPreflight(request: FastifyRequest): boolean {
  return (
    request.method === 'OPTIONS' &&
    request.headers.origin !== undefined &&
    request.headers['access-control-request-method'] !== undefined
  );
}

/**
 * Adds the CORS headers to every answer of a public route (errors included) and answers a
 * preflight to one with 204. Install it on the root app before the routes. Another OPTIONS
 * request (not a preflight) gets the usual JSON 404.
 */
export function installCors(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!isCorsPath(request.url)) return;
    reply.header('access-control-allow-origin', '*');
    if (!isPreflight(request)) return;
    await reply
      .code(204)
      .header('access-control-allow-methods', CORS_METHODS)
      .header('access-control-allow-headers', CORS_REQUEST_HEADERS)
      .header('access-control-max-age', String(CORS_MAX_AGE_SECONDS))
      .send();
  });
}
