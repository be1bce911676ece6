/**
 * Configuration of a wattproof node: command-line flags over environment variables over
 * embedded defaults, so that `npm start` needs nothing set.
 */
import { WattproofError } from '../core/errors.ts';

/** A node's settings. */
export interface NodeConfig {
  /** Folder for the log database and key (created if missing). */
  readonly dataDir: string;
  /** The log's origin line and key name (C2SP tlog-checkpoint). */
  readonly origin: string;
  /** HTTP listen address. */
  readonly httpHost: string;
  /** HTTP listen port (0 picks a free one). */
  readonly httpPort: number;
}

/** The embedded defaults. */
export const DEFAULT_CONFIG: NodeConfig = {
  dataDir: './data',
  origin: 'wattproof.example/local',
  httpHost: '127.0.0.1',
  httpPort: 8080,
};

/** A setting that cannot be used. */
export class ConfigError extends WattproofError<'INVALID_CONFIG'> {}

/** Parses a TCP port (0..65535) given on the command line or in the environment. */
export function parsePort(name: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) {
    throw new ConfigError(
      'INVALID_CONFIG',
      `${name} must be a port number from 0 to 65535, got "${value}"`,
    );
  }
  return n;
}

/** Checks an origin: non-empty, no whitespace or `+` (it is also the key name, C2SP signed-note). */
export function checkOrigin(origin: string): string {
  if (origin.length === 0 || /[\s+]/u.test(origin)) {
    throw new ConfigError(
      'INVALID_CONFIG',
      `origin "${origin}" must be non-empty, without spaces or "+"`,
    );
  }
  return origin;
}
