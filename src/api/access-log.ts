/**
 * The access log (docs/api.md §Access log): one JSON line per request once its connection has
 * answered or gone — time, method, route pattern, status, duration, client address, and the
 * id and role of the token it was authorized with. Never the token itself, the query or the
 * body: a cursor or a meter id in a URL stays out of the log too.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticatedToken } from './auth/require-role.ts';

/** One line of the access log. */
export interface AccessLogLine {
  /** When the request arrived, ISO 8601 UTC. */
  readonly time: string;
  readonly method: string;
  /** The route pattern (`/v1/meters/:meterId/readings`), or null when no route matched. */
  readonly route: string | null;
  readonly status: number;
  /** From arrival to the end of the answer (or of the connection), ms. */
  readonly durationMs: number;
  /** The client address (the forwarded one from a trusted proxy: `--trust-proxy`). */
  readonly client: string;
  /** Token id and role, or null for a request without a valid token. */
  readonly tokenId: string | null;
  readonly role: string | null;
  /** True when the connection closed before the answer was complete. */
  readonly aborted: boolean;
}

/** Where lines go: a function given each line (without the newline). */
export type AccessLogSink = (line: string) => void;

/** The access-log line of `request`, answered with `status`. */
export function accessLogLine(
  request: FastifyRequest,
  status: number,
  startedAt: number,
  durationMs: number,
  aborted: boolean,
): AccessLogLine {
  const token = authenticatedToken(request);
  return {
    time: new Date(startedAt).toISOString(),
    method: request.method,
    route: request.routeOptions.url ?? null,
    status,
    durationMs: Math.round(durationMs * 1000) / 1000,
    client: request.ip,
    tokenId: token?.id ?? null,
    role: token?.role ?? null,
    aborted,
  };
}

/** Writes one line to `sink` for every request of `app` (register before the routes). */
export function installAccessLog(app: FastifyInstance, sink: AccessLogSink): void {
  app.addHook('onRequest', async (request, reply) => {
    const startedAt = Date.now();
    const t0 = performance.now();
    const res = reply.raw;
    res.once('close', () => {
      const aborted = !res.writableFinished;
      const line = accessLogLine(
        request,
        res.statusCode,
        startedAt,
        performance.now() - t0,
        aborted,
      );
      try {
        sink(JSON.stringify(line));
      } catch {
        // A failing sink must not fail requests.
      }
    });
  });
}
