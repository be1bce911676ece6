/**
 * What the role commands (`bundle`, `tokens`, `readings`, `quarantine`, `erase`,
 * `sign-reading`) share, so that they read alike (docs/cli.md §Conventions): the node and token
 * options and their environment variables, exit statuses, time arguments (ISO 8601 or Unix
 * seconds), "must be one of …" checks, requests to the node's API with errors that say which
 * token to use, progress on standard error, and tables. The I/O types and the failure class
 * are those of `wattproof devices` (`devices.ts`).
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { formatUtc } from '../core/bundle/index.ts';
import { isValidMeterId } from '../core/reading/index.ts';
import type { TokenRole } from '../api/index.ts';
import { CliFailure, type CliIo } from './devices.ts';

/**
 * Exit statuses of the role commands: done; refused or failed (by the node, or a file that
 * cannot be written); a usage error (nothing was sent); an internal error of the CLI itself.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 3 } as const;

/** {@link CliIo} with what the role commands also need: terminals, bytes, a question. */
export interface ClientIo extends CliIo {
  /** Standard error is a terminal: progress redraws one line. */
  readonly stderrIsTTY?: boolean;
  /** Standard input is a terminal: a command may ask for confirmation. */
  readonly stdinIsTTY?: boolean;
  /** Standard output is a terminal: binary output is refused. */
  readonly stdoutIsTTY?: boolean;
  /** Writes bytes to standard output (a signed reading for a pipe). */
  readonly stdoutBytes?: (bytes: Uint8Array) => void;
  /** Asks a question on the terminal and resolves to the answer. */
  readonly ask?: (question: string) => Promise<string>;
  /** Milliseconds now (progress pacing; tests pass their own). */
  readonly now?: () => number;
}

/** The process's own standard streams and environment. */
export function processIo(): ClientIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    stderrIsTTY: process.stderr.isTTY === true,
    stdinIsTTY: process.stdin.isTTY === true,
    stdoutIsTTY: process.stdout.isTTY === true,
    stdoutBytes: (b) => process.stdout.write(b),
    ask: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
    now: () => Date.now(),
  };
}

/** Default API base URL (`--node`, `WATTPROOF_NODE`). */
export const DEFAULT_NODE = 'http://127.0.0.1:8080';
/** Where an operator token is read from when none is given: the node's first token. */
export const DEFAULT_OPERATOR_TOKEN_FILE = './data/operator.token';
const TIMEOUT_MS = 30_000;

/** The options every command that talks to a node takes (parseArgs specs). */
export const NODE_OPTIONS = {
  node: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Their usage lines, for a command that needs a token of `role`. */
export function nodeOptionsUsage(role: TokenRole): string {
  const file =
    role === 'operator'
      ? `file holding the token (default ${DEFAULT_OPERATOR_TOKEN_FILE})`
      : 'file holding the token';
  return `  --node URL           the node's API [WATTPROOF_NODE] (default ${DEFAULT_NODE})
  --token TOKEN        ${role} token [WATTPROOF_TOKEN]
  --token-file PATH    ${file}
  --json               print JSON instead of text
  -h, --help           this text
`;
}

/** The exit status lines every usage text ends with. */
export const EXIT_USAGE = `exit status: 0 done, 1 refused or failed, 2 usage error (nothing sent), 3 internal error
`;

/** A usage error: exit status 2, the message followed by the command's usage text. */
export class UsageError extends CliFailure {
  constructor(message: string, usageText: string) {
    super(`${message}\n\n${usageText}`, EXIT.usage);
  }
}

/**
 * Runs a command's body and turns what it throws into an exit status: a {@link CliFailure}
 * is reported as `wattproof <command>: <message>` with its status; anything else is an
 * internal error (status 3), reported with its stack. Never rejects.
 */
export async function runCommand(
  command: string,
  io: Pick<CliIo, 'stderr'>,
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body();
  } catch (e) {
    try {
      if (e instanceof CliFailure) {
        io.stderr(`wattproof ${command}: ${e.message}\n`);
        return e.exitCode;
      }
      const why = e instanceof Error ? (e.stack ?? e.message) : String(e);
      io.stderr(`wattproof ${command}: internal error: ${why}\n`);
    } catch {
      // Nowhere left to report it: the exit status still says what happened.
    }
    return e instanceof CliFailure ? e.exitCode : EXIT.internal;
  }
}

/** Parsed flags and positionals; a parse error becomes a {@link UsageError}. */
export function parseOptions<O extends NonNullable<ParseArgsConfig['options']>>(
  argv: readonly string[],
  options: O,
  usageText: string,
  allowPositionals = false,
): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const r = parseArgs({ args: [...argv], options, strict: true, allowPositionals });
    return { values: r.values as Record<string, unknown>, positionals: r.positionals };
  } catch (e) {
    throw new UsageError((e as Error).message, usageText);
  }
}

/** The value of `--name`, or a usage error saying it is required. */
export function required(values: Record<string, unknown>, name: string, usageText: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`, usageText);
  return v;
}

/** `value` if it is one of `allowed`, else a usage error "--name must be one of …". */
export function oneOf<T extends string>(
  name: string,
  value: string,
  allowed: readonly T[],
  usageText: string,
): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${value}"`, usageText);
}

/** A whole number from `min` to `max` given as `--name`, or a usage error. */
export function wholeNumber(
  name: string,
  value: string,
  min: number,
  max: number,
  usageText: string,
): number {
  const n = /^(0|[1-9]\d*)$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(
      `--${name} must be a whole number from ${min} to ${max}, got "${value}"`,
      usageText,
    );
  }
  return n;
}

/** A meter id given as `--name` (docs/formats.md, payload key 1), or a usage error. */
export function meterId(name: string, value: string, usageText: string): string {
  if (isValidMeterId(value)) return value;
  throw new UsageError(
    `--${name}: "${value}" is not a meter id (1-64 characters of A-Z a-z 0-9 . _ : -, starting with a letter or digit)`,
    usageText,
  );
}

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A time argument as Unix seconds: either Unix seconds (digits only) or an ISO 8601 date or
 * date-time in UTC or with an offset (ISO 8601-1:2019 §5.4; RFC 3339 §5.6): `2026-11-30`
 * (midnight UTC), `2026-11-30T12:00Z`, `2026-11-30T12:00:00+01:00`. A time of day needs its
 * zone, and fractions of a second must be zero: readings are whole seconds. Any other value,
 * or a date that does not exist (`2026-02-30`), is a usage error.
 */
export function timeArgument(name: string, value: string, usageText: string): number {
  const bad = (why: string): never => {
    throw new UsageError(
      `--${name}: "${value}" ${why}; give Unix seconds or an ISO 8601 date or time such as 2026-11-30, 2026-11-30T12:00Z or 2026-11-30T12:00:00+01:00`,
      usageText,
    );
  };
  if (/^\d+$/.test(value)) {
    const n = Number(value);
    if (!Number.isSafeInteger(n)) bad('is too large');
    return n;
  }
  const m = ISO_TIME.exec(value);
  if (m === null) return bad('is neither Unix seconds nor an ISO 8601 date');
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  if (h !== undefined && zone === undefined) bad('has a time of day but no zone (Z or +hh:mm)');
  if (fraction !== undefined && /[1-9]/.test(fraction)) bad('is not a whole second');
  const parts = [y, mo, d, h ?? '0', mi ?? '0', s ?? '0'].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [year, month, day, hour, minute, second] = parts;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const back = new Date(ms);
  if (
    back.getUTCFullYear() !== year ||
    back.getUTCMonth() !== month - 1 ||
    back.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    bad('is not a date and time that exists');
  }
  let offset = 0;
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    const oh = Number(z[2]);
    const om = Number(z[3]);
    if (oh > 23 || om > 59) bad('has an offset that does not exist');
    offset = (z[1] === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  const seconds = ms / 1000 - offset;
  if (seconds < 0) bad('is before 1970');
  return seconds;
}

/** `--from` and `--to` of a period `[from, to)`, checked: `to` after `from`. */
export function periodArguments(
  values: Record<string, unknown>,
  usageText: string,
): { from: number; to: number } {
  const from = timeArgument('from', required(values, 'from', usageText), usageText);
  const to = timeArgument('to', required(values, 'to', usageText), usageText);
  if (to <= from) {
    throw new UsageError(
      `--to (${iso(to)}) must be after --from (${iso(from)}): the period is [from, to)`,
      usageText,
    );
  }
  return { from, to };
}

/** Unix seconds as ISO 8601 UTC, minutes only when the seconds are zero. */
export function iso(seconds: number): string {
  return formatUtc(seconds).replace(/:00Z$/, 'Z');
}

/** The node to talk to and the token to show it. */
export interface NodeContext {
  readonly base: string;
  readonly token: string;
  readonly role: TokenRole;
}

/** The node's API base URL: `--node`, `WATTPROOF_NODE`, or {@link DEFAULT_NODE}. */
export function nodeBase(
  values: Record<string, unknown>,
  env: CliIo['env'],
  usageText: string,
): string {
  const raw =
    (typeof values.node === 'string' ? values.node : undefined) ??
    (env.WATTPROOF_NODE === '' ? undefined : env.WATTPROOF_NODE) ??
    DEFAULT_NODE;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UsageError(`--node: "${raw}" is not an http(s) URL`, usageText);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new UsageError(`--node: "${raw}" is not an http(s) URL`, usageText);
  }
  return u.href.replace(/\/+$/, '');
}

/**
 * The token: `--token`, else `WATTPROOF_TOKEN`, else the file `--token-file` (for an
 * operator command by default the node's `./data/operator.token`). A missing token is a
 * failure (status 1) that says where a token comes from.
 */
export async function resolveToken(
  values: Record<string, unknown>,
  env: CliIo['env'],
  role: TokenRole,
): Promise<string> {
  if (typeof values.token === 'string' && values.token !== '') return values.token;
  if (env.WATTPROOF_TOKEN !== undefined && env.WATTPROOF_TOKEN !== '') return env.WATTPROOF_TOKEN;
  const given = typeof values['token-file'] === 'string' ? values['token-file'] : undefined;
  const file = given ?? (role === 'operator' ? DEFAULT_OPERATOR_TOKEN_FILE : undefined);
  const how =
    role === 'operator'
      ? "pass --token, set WATTPROOF_TOKEN, or point --token-file at the node's data/operator.token"
      : 'pass --token, set WATTPROOF_TOKEN or give --token-file (an operator makes one: wattproof tokens create --role issuer --label NAME)';
  if (file === undefined) throw new CliFailure(`no issuer token: ${how}`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new CliFailure(`no ${role} token: cannot read ${file} (${why}); ${how}`);
  }
  const token = text.trim();
  if (token === '') throw new CliFailure(`the token file ${file} is empty`);
  return token;
}

/** The node and token of a command that needs `role`. */
export async function nodeContext(
  values: Record<string, unknown>,
  io: Pick<CliIo, 'env'>,
  role: TokenRole,
  usageText: string,
): Promise<NodeContext> {
  const base = nodeBase(values, io.env, usageText);
  return { base, token: await resolveToken(values, io.env, role), role };
}

/** Why a request did not reach the node, as a failure. */
export function unreachable(base: string, e: unknown): CliFailure {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const code = (e as { code?: string }).code;
  const why =
    (e as Error).name === 'TimeoutError'
      ? `no answer within ${TIMEOUT_MS / 1000} s`
      : cause?.code === 'ECONNREFUSED' || code === 'ECONNREFUSED'
        ? 'connection refused'
        : (cause?.code ?? cause?.message ?? code ?? (e as Error).message);
  return new CliFailure(`cannot reach the node at ${base}: ${why} (is it running? see --node)`);
}

/**
 * The failure of a node's error answer (docs/api.md §Errors: `{ error: { code, message } }`),
 * saying what to do: which token a 401 or 403 needs, when to retry a 429 or 503.
 */
export function answerFailure(
  ctx: NodeContext,
  status: number,
  text: string,
  retryAfter: string | null,
): CliFailure {
  let err: { code?: string; message?: string } | undefined;
  try {
    err = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
  } catch {
    err = undefined;
  }
  const detail = err?.message ?? (text.slice(0, 200) || `status ${status}`);
  const code = err?.code === undefined ? '' : ` [${err.code}]`;
  const retry = retryAfter === null ? '' : `; retry after ${retryAfter} s`;
  switch (status) {
    case 401:
      return new CliFailure(
        `the node refused the token (401): ${detail}${code}; check --token, WATTPROOF_TOKEN or --token-file`,
      );
    case 403:
      return new CliFailure(
        `the token is not allowed to do this (403): ${detail}${code}; this needs an ${ctx.role} token`,
      );
    case 400:
      return new CliFailure(`invalid request (400): ${detail}${code}`);
    case 404:
      return new CliFailure(`not found (404): ${detail}${code}`);
    case 409:
      return new CliFailure(`conflict (409): ${detail}${code}`);
    case 422:
      return new CliFailure(`refused (422): ${detail}${code}`);
    case 429:
    case 503:
      return new CliFailure(`the node is busy (${status}): ${detail}${code}${retry}`);
    default:
      return new CliFailure(`the node answered ${status}: ${detail}${code}`);
  }
}

/** One JSON request to the node's API; an error answer becomes a failure saying why. */
export async function requestJson(
  ctx: NodeContext,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${ctx.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ctx.token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    throw unreachable(ctx.base, e);
  }
  const text = await res.text();
  if (!res.ok) throw answerFailure(ctx, res.status, text, res.headers.get('retry-after'));
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new CliFailure(`the node's answer to ${method} ${path} is not JSON`);
  }
}

/** The log's identity from the public `GET /v1/log`: origin, verifier key, size. */
export async function logInfo(
  base: string,
): Promise<{ origin: string; vkey: string; size: number }> {
  let res: Response;
  try {
    res = await fetch(`${base}/v1/log`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    throw unreachable(base, e);
  }
  if (!res.ok) throw new CliFailure(`GET /v1/log answered ${res.status}`);
  return (await res.json()) as { origin: string; vkey: string; size: number };
}

/**
 * Progress of long work on standard error: on a terminal one line redrawn in place; elsewhere
 * a line at most every {@link Progress.intervalMs} (none in the first one), and always the
 * last one.
 */
export class Progress {
  /** Least time between two lines off a terminal. */
  static readonly intervalMs = 2000;
  private last: number;
  private shown = false;

  constructor(private readonly io: Pick<ClientIo, 'stderr' | 'stderrIsTTY' | 'now'>) {
    // Off a terminal, work shorter than the interval shows only its last line.
    this.last = this.clock();
  }

  private clock(): number {
    return this.io.now?.() ?? Date.now();
  }

  /** Reports `text` (e.g. "readings: 3000"). */
  update(text: string): void {
    if (this.io.stderrIsTTY === true) {
      this.io.stderr(`\r${text}\u001b[K`);
      this.shown = true;
      return;
    }
    const now = this.clock();
    if (now - this.last < Progress.intervalMs) return;
    this.last = now;
    this.io.stderr(`${text}\n`);
  }

  /** Reports the final `text` and ends the line. */
  done(text: string): void {
    if (this.io.stderrIsTTY === true) this.io.stderr(`\r${text}\u001b[K\n`);
    else this.io.stderr(`${text}\n`);
    this.shown = false;
  }

  /** Clears a redrawn line (when the work failed). */
  clear(): void {
    if (this.shown) this.io.stderr('\r\u001b[K');
    this.shown = false;
  }
}

/** Rows as aligned columns: a header row first, the last column not padded. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return (
    rows
      .map((r) =>
        r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  '),
      )
      .join('\n') + '\n'
  );
}

/** `value` as indented JSON and a newline (`--json`). */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** A byte count for people: bytes, kB or MB (SI). */
export function byteSize(n: number): string {
  if (n < 10_000) return `${n} bytes`;
  if (n < 1_000_000) return `${(n / 1e3).toFixed(1)} kB`;
  return `${(n / 1e6).toFixed(1)} MB`;
}
