/**
 * The few log lines a transport writes: connection changes, reconnect attempts, handler failures.
 */

/** Where a transport writes its log lines (a console, pino, or a test recorder). */
export interface TransportLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

/** Writes to the console with a `[mqtt]` prefix. */
export const consoleLogger: TransportLogger = {
  info: (message) => console.info(`[mqtt] ${message}`),
  warn: (message) => console.warn(`[mqtt] ${message}`),
  error: (message, error) =>
    error === undefined
      ? console.error(`[mqtt] ${message}`)
      : console.error(`[mqtt] ${message}:`, error),
};

/** Discards everything (tests). */
export const silentLogger: TransportLogger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** A short description of an unknown thrown value, for one log line. */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}
