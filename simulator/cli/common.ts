/**
 * What the simulator's commands share: output streams, number and token options.
 */
import { readFile } from 'node:fs/promises';
import { SimulatorError } from '../errors.ts';

/** Where a command writes and what it reads from its environment (tests pass their own). */
export interface SimIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal (the progress line is redrawn in place). */
  readonly stderrIsTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The process's streams and environment. */
export const processIo: SimIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  stderrIsTTY: process.stderr.isTTY === true,
  env: process.env,
};

/** The default broker and node of a local `wattproof start`. */
export const DEFAULT_MQTT_URL = 'mqtt://127.0.0.1:1883';
export const DEFAULT_NODE_URL = 'http://127.0.0.1:8080';
export const DEFAULT_TOKEN_FILE = './data/operator.token';

/** Parses a number option within `[min, max]`; integers only unless `fraction`. */
export function numberOption(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
  fraction = false,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (
    value.trim() === '' ||
    !Number.isFinite(n) ||
    (!fraction && !Number.isInteger(n)) ||
    n < min ||
    n > max
  ) {
    throw new SimulatorError(
      'INVALID_OPTION',
      `--${name} must be a ${fraction ? 'number' : 'whole number'} from ${min} to ${max}, got "${value}"`,
    );
  }
  return n;
}

/** A time given as an ISO 8601 date/time or Unix seconds. */
export function timeOption(name: string, value: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(ms)) {
    throw new SimulatorError(
      'INVALID_OPTION',
      `--${name}: "${value}" is neither an ISO 8601 date nor Unix seconds`,
    );
  }
  return Math.floor(ms / 1000);
}

/**
 * The operator token: `--operator-token`, else `WATTPROOF_TOKEN`, else the token file (the
 * node's `operator.token`); undefined when none is found and `required` is false.
 */
export async function operatorToken(
  values: { 'operator-token'?: string | undefined; 'token-file'?: string | undefined },
  env: SimIo['env'],
  required: boolean,
): Promise<string | undefined> {
  if (values['operator-token']) return values['operator-token'];
  if (env.WATTPROOF_TOKEN) return env.WATTPROOF_TOKEN;
  const file = values['token-file'] ?? DEFAULT_TOKEN_FILE;
  try {
    const token = (await readFile(file, 'utf8')).trim();
    if (token !== '') return token;
  } catch (e) {
    if (!required) return undefined;
    throw new SimulatorError(
      'NO_TOKEN',
      `no operator token: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pass --operator-token, set WATTPROOF_TOKEN, point --token-file at the node's data/operator.token, or use --print-commands`,
    );
  }
  if (!required) return undefined;
  throw new SimulatorError('NO_TOKEN', `the token file ${file} is empty`);
}
