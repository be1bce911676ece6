/**
 * Listens with an app built by `app.ts`. The only file in `src/api/` that opens a socket.
 */
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.ts';

/** Where to listen. */
export interface ListenOptions {
  /** Interface to bind, e.g. `127.0.0.1` or `0.0.0.0`. */
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
}

/** A listening server. */
export interface RunningServer {
  /** Base URL the server answers on, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Stops listening and closes the app. */
  close(): Promise<void>;
}

/**
 * Starts listening. A taken port throws {@link ApiError} `PORT_IN_USE` naming the port and how
 * to choose another; any other listen failure throws `LISTEN_FAILED` with the cause attached.
 * On failure the app is left to the caller to close.
 */
export async function startServer(
  app: FastifyInstance,
  opts: ListenOptions,
): Promise<RunningServer> {
  let url: string;
  try {
    url = await app.listen({ host: opts.host, port: opts.port });
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    if (code === 'EADDRINUSE') {
      throw new ApiError(
        'PORT_IN_USE',
        `port ${opts.port} on ${opts.host} is already in use; choose another with --port <n> (0 picks a free port)`,
        { cause: e, evidence: { host: opts.host, port: opts.port } },
      );
    }
    throw new ApiError(
      'LISTEN_FAILED',
      `cannot listen on ${opts.host}:${opts.port}: ${String(code ?? e)}`,
      {
        cause: e,
        evidence: { host: opts.host, port: opts.port },
      },
    );
  }
  return { url, close: () => app.close() };
}
