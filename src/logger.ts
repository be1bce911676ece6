/**
 * The node's logger: the few lines its parts write (transport connection changes, reconnect
 * attempts, handler failures, anchor attempts, configuration warnings). Each console line
 * names its component: `[mqtt]`, `[api]`, `[ingest]`, `[anchors]` ….
 */

/** Where a part writes its log lines (a console, pino, or a test recorder). */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

/**
 * A logger for each part, by component name (`mqtt`, `api`, `anchors` …): how the composition
 * root gives every part lines of its own. `consoleLogger` is one.
 */
export type LoggerFactory = (component: string) => Logger;

/** Writes to the console, each line prefixed with `[component]`. */
export function consoleLogger(component: string): Logger {
  const prefix = `[${component}]`;
  return {
    info: (message) => console.info(`${prefix} ${message}`),
    warn: (message) => console.warn(`${prefix} ${message}`),
    error: (message, error) =>
      error === undefined
        ? console.error(`${prefix} ${message}`)
        : console.error(`${prefix} ${message}:`, error),
  };
}

/** Discards everything (tests). */
export const silentLogger: Logger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** A silent logger for every component (tests, embedding). */
export const silentLoggers: LoggerFactory = () => silentLogger;

/** A short description of an unknown thrown value, for one log line. */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}
