/**
 * `wattproof devices register|revoke|list|credentials`: the operator's command line for the key
 * registry (docs/registry.md §CLI). It talks to a running node over HTTP with an operator
 * token, so the node's operator key never leaves the node; and it refuses, before any request,
 * a `--public-key` that holds a private key (`private-key-check.ts`), so no signer's secret
 * ever reaches the node.
 */
import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { fromBase64, fromHex, toBase64 } from '../core/bytes.ts';
import type { BrokerCredentialJson, SignerJson } from '../api/index.ts';
import { privateKeyInBytes, privateKeyInText } from './private-key-check.ts';

/** Where the CLI writes and what it reads from its environment (tests pass their own). */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const DEFAULT_NODE = 'http://127.0.0.1:8080';
const DEFAULT_TOKEN_FILE = './data/operator.token';
const TIMEOUT_MS = 30_000;

/** Usage text of `wattproof devices`. */
export const DEVICES_USAGE = `usage: wattproof devices <register|revoke|list|credentials> [options]

  register     --signer-id ID --mode device|platform --key-type Ed25519|P-256|OCMF
               --public-key KEY --meter M [--meter M2 ...] --capacity-w N
               KEY is hex, base64, or the path of a PEM or DER public key file
               (a value made only of hex digits is read as hex); a private key is
               refused before anything is sent (exit status 3)
               prints the signer's MQTT login, shown this once
  revoke       --signer-id ID --reason TEXT   (also ends its MQTT access)
  list
  credentials  --signer-id ID   issue a new MQTT login; the old one stops working

options of every subcommand (environment variable in brackets):
  --node URL         the node's API [WATTPROOF_NODE] (default ${DEFAULT_NODE})
  --token TOKEN      operator token [WATTPROOF_TOKEN]
  --token-file PATH  file holding the token (default ${DEFAULT_TOKEN_FILE})
  --json             print the node's JSON answer
  -h, --help         this text
`;

const OPTIONS = {
  node: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  'signer-id': { type: 'string' },
  mode: { type: 'string' },
  'key-type': { type: 'string' },
  'public-key': { type: 'string' },
  meter: { type: 'string', multiple: true },
  'capacity-w': { type: 'string' },
  reason: { type: 'string' },
} as const;

/** Exit status when `--public-key` holds a private key (nothing was sent). */
export const EXIT_PRIVATE_KEY = 3;

/** A failure to report, with the exit code to return (also for `wattproof broker-config`). */
export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
  }
}

const usage = (message: string): never => {
  throw new CliFailure(`${message}\n\n${DEVICES_USAGE}`, 2);
};

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') usage(`--${name} is required`);
  return v as string;
}

/** The operator token: `--token`, `WATTPROOF_TOKEN`, or the token file. */
export async function resolveToken(
  values: Record<string, unknown>,
  env: CliIo['env'],
): Promise<string> {
  if (typeof values.token === 'string' && values.token !== '') return values.token;
  if (env.WATTPROOF_TOKEN !== undefined && env.WATTPROOF_TOKEN !== '') return env.WATTPROOF_TOKEN;
  const file = typeof values['token-file'] === 'string' ? values['token-file'] : DEFAULT_TOKEN_FILE;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CliFailure(
      `no operator token: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pass --token, set WATTPROOF_TOKEN, or point --token-file at the node's data/operator.token`,
    );
  }
  const token = text.trim();
  if (token === '') throw new CliFailure(`the token file ${file} is empty`);
  return token;
}

function refusePrivate(value: string, isFile: boolean, why: string): never {
  throw new CliFailure(
    `--public-key ${isFile ? `file ${value}` : 'value'} holds a private key (${why}); nothing was ` +
      'sent to the node. Give the public key only, e.g. openssl pkey -in key.pem -pubout -out pub.pem',
    EXIT_PRIVATE_KEY,
  );
}

/**
 * The text to send as `publicKey`: a PEM block as it is; otherwise base64 of the key bytes,
 * read from a file (DER, or a hex/base64 text) or from the value itself (hex, else base64).
 * Throws (exit status {@link EXIT_PRIVATE_KEY}) if the value or file holds a private key of
 * any form `private-key-check.ts` knows, for `keyType`.
 */
export async function publicKeyArgument(value: string, keyType: string): Promise<string> {
  let text = value.trim();
  let isFile = false;
  try {
    isFile = (await stat(value)).isFile();
  } catch {
    isFile = false;
  }
  const checked = (bytes: Uint8Array): Uint8Array => {
    const why = privateKeyInBytes(bytes, keyType);
    if (why !== undefined) refusePrivate(value, isFile, why);
    return bytes;
  };
  const textWhy = (t: string): void => {
    const why = privateKeyInText(t);
    if (why !== undefined) refusePrivate(value, isFile, why);
  };
  if (isFile) {
    const bytes = new Uint8Array(await readFile(value));
    const asText = new TextDecoder().decode(bytes);
    textWhy(asText);
    if (asText.includes('-----BEGIN PUBLIC KEY-----')) return asText;
    // A file of hex or base64 text is read as text; anything else as DER bytes.
    if (!/^[\sA-Za-z0-9+/=]+$/.test(asText)) return toBase64(checked(bytes));
    text = asText.trim();
  } else {
    textWhy(text);
    if (text.includes('-----BEGIN PUBLIC KEY-----')) return text;
  }
  const compact = text.replace(/\s+/g, '');
  const hex = compact.replace(/^0x/i, '');
  if (/^[0-9a-fA-F]+$/.test(hex) && hex.length % 2 === 0) {
    return toBase64(checked(fromHex(hex)));
  }
  try {
    checked(fromBase64(compact));
    return compact;
  } catch (e) {
    if (e instanceof CliFailure) throw e;
    return usage(
      `--public-key: "${value.length > 40 ? `${value.slice(0, 40)}…` : value}" is neither hex, base64, nor a readable PEM or DER file`,
    );
  }
}

/** The node's API base URL: `--node`, `WATTPROOF_NODE`, or the default. */
export function nodeUrl(values: Record<string, unknown>, env: CliIo['env']): string {
  const raw =
    (typeof values.node === 'string' ? values.node : undefined) ??
    env.WATTPROOF_NODE ??
    DEFAULT_NODE;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
    return u.href.replace(/\/+$/, '');
  } catch {
    return usage(`--node: "${raw}" is not an http(s) URL`);
  }
}

interface ErrorBody {
  error?: { code?: string; message?: string };
}

/** One request to the node's API; a failing answer becomes a {@link CliFailure} saying why. */
export async function call(
  base: string,
  token: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const why =
      (e as Error).name === 'TimeoutError'
        ? `no answer within ${TIMEOUT_MS / 1000} s`
        : cause?.code === 'ECONNREFUSED'
          ? 'connection refused'
          : (cause?.code ?? cause?.message ?? (e as Error).message);
    throw new CliFailure(`cannot reach the node at ${base}: ${why} (is it running? see --node)`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (res.ok) return json;
  const err = (json as ErrorBody | undefined)?.error;
  const detail = err?.message ?? (text.slice(0, 200) || res.statusText);
  const code = err?.code === undefined ? '' : ` [${err.code}]`;
  switch (res.status) {
    case 401:
      throw new CliFailure(
        `the node refused the token (401): ${detail}${code}; check --token, WATTPROOF_TOKEN or --token-file`,
      );
    case 403:
      throw new CliFailure(
        `the token is not allowed to do this (403): ${detail}${code}; use an operator token`,
      );
    case 409:
      throw new CliFailure(`conflict (409): ${detail}${code}`);
    case 404:
      throw new CliFailure(`not found (404): ${detail}${code}`);
    case 400:
      throw new CliFailure(`invalid request (400): ${detail}${code}`);
    default:
      throw new CliFailure(`the node answered ${res.status}: ${detail}${code}`);
  }
}

interface ChangeJson {
  signer: SignerJson;
  entry: { index: number; treeSize: number };
  credential?: BrokerCredentialJson;
}

/** The MQTT login, printed once, with the warning that it will not be shown again. */
function credentialText(c: BrokerCredentialJson): string {
  return (
    `  MQTT login  user ${c.username}\n` +
    `              password ${c.password}\n` +
    '  Store the password in the device now: it will not be shown again (the node keeps only\n' +
    `  a hash). A new one: wattproof devices credentials --signer-id ${c.username}\n`
  );
}

function meterList(meters: readonly string[]): string {
  return meters.length <= 3
    ? meters.join(',')
    : `${meters.slice(0, 3).join(',')},… (${meters.length})`;
}

function table(signers: readonly SignerJson[]): string {
  if (signers.length === 0) return 'no signers registered\n';
  const rows = [
    ['SIGNER', 'MODE', 'KEY', 'METERS', 'CAPACITY_W', 'REGISTERED', 'STATUS'],
    ...signers.map((s) => [
      s.signerId,
      s.mode,
      s.keyType,
      meterList(s.meters),
      String(s.ratedCapacityW),
      `${s.registeredAt} (#${s.registrationIndex})`,
      s.revocationIndex === undefined
        ? 'active'
        : `revoked (#${s.revocationIndex}: ${s.revocationReason ?? ''})`,
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return (
    rows
      .map((r) =>
        r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  '),
      )
      .join('\n') + '\n'
  );
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '-h' || sub === '--help' || sub === 'help') {
    io.stdout(DEVICES_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'register' && sub !== 'revoke' && sub !== 'list' && sub !== 'credentials')
    usage(`unknown subcommand "${sub}"`);
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args: rest,
      options: OPTIONS,
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    return usage((e as Error).message);
  }
  if (values.help === true) {
    io.stdout(DEVICES_USAGE);
    return 0;
  }
  const base = nodeUrl(values, io.env);
  const json = values.json === true;

  if (sub === 'register') {
    const capacityText = required(values, 'capacity-w');
    if (!/^[1-9]\d*$/.test(capacityText) || !Number.isSafeInteger(Number(capacityText))) {
      usage(`--capacity-w must be a positive whole number of watts, got "${capacityText}"`);
    }
    const meters = (values.meter as string[] | undefined) ?? [];
    if (meters.length === 0) usage('--meter is required (repeat it for each meter of a platform)');
    const keyType = required(values, 'key-type');
    const body = {
      signerId: required(values, 'signer-id'),
      mode: required(values, 'mode'),
      keyType,
      publicKey: await publicKeyArgument(required(values, 'public-key'), keyType),
      meters,
      ratedCapacityW: Number(capacityText),
    };
    const token = await resolveToken(values, io.env);
    const r = (await call(base, token, 'POST', '/v1/registry/signers', body)) as ChangeJson;
    io.stdout(
      json
        ? `${JSON.stringify(r, null, 2)}\n`
        : `registered ${r.signer.signerId} (${r.signer.mode}, ${r.signer.keyType}) for ${meterList(r.signer.meters)}, ${r.signer.ratedCapacityW} W\n` +
            `  log entry ${r.entry.index}, in the checkpoint of tree size ${r.entry.treeSize}\n` +
            (r.credential === undefined ? '' : credentialText(r.credential)),
    );
    return 0;
  }
  if (sub === 'credentials') {
    const signerId = required(values, 'signer-id');
    const token = await resolveToken(values, io.env);
    const r = (await call(
      base,
      token,
      'POST',
      `/v1/registry/signers/${encodeURIComponent(signerId)}/broker-credential`,
    )) as { credential: BrokerCredentialJson };
    io.stdout(
      json
        ? `${JSON.stringify(r, null, 2)}\n`
        : `new MQTT login for ${r.credential.username}; the previous one no longer works\n` +
            credentialText(r.credential),
    );
    return 0;
  }
  if (sub === 'revoke') {
    const signerId = required(values, 'signer-id');
    const reason = required(values, 'reason');
    const token = await resolveToken(values, io.env);
    const r = (await call(
      base,
      token,
      'POST',
      `/v1/registry/signers/${encodeURIComponent(signerId)}/revoke`,
      { reason },
    )) as ChangeJson;
    io.stdout(
      json
        ? `${JSON.stringify(r, null, 2)}\n`
        : `revoked ${r.signer.signerId} (${reason})\n  log entry ${r.entry.index}, in the checkpoint of tree size ${r.entry.treeSize}\n`,
    );
    return 0;
  }
  const token = await resolveToken(values, io.env);
  const r = (await call(base, token, 'GET', '/v1/registry/signers')) as { signers: SignerJson[] };
  io.stdout(json ? `${JSON.stringify(r, null, 2)}\n` : table(r.signers));
  return 0;
}

/**
 * Runs `wattproof devices …` with `argv` (after `devices`). Returns the exit code: 0 done,
 * 1 failed (node unreachable, token refused, conflict, …), 2 usage error, 3
 * ({@link EXIT_PRIVATE_KEY}) `--public-key` holds a private key and nothing was sent. Never
 * throws for a failure it can describe.
 */
export async function runDevices(
  argv: string[],
  io: CliIo = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
  },
): Promise<number> {
  try {
    return await run(argv, io);
  } catch (e) {
    if (e instanceof CliFailure) {
      io.stderr(`wattproof devices: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}
