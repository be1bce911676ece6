/**
 * `wattproof tokens create|list|revoke`: the operator's command line for API tokens
 * (docs/registry.md §Keys and tokens on disk; routes in `src/api/routes/tokens.ts`). A created
 * token is printed once: the node keeps only its hash.
 */
import { MAX_LABEL_LENGTH, TOKEN_ROLES } from '../api/index.ts';
import type { TokenJson } from '../api/index.ts';
import {
  EXIT,
  EXIT_USAGE,
  NODE_OPTIONS,
  UsageError,
  jsonText,
  nodeContext,
  nodeOptionsUsage,
  oneOf,
  parseOptions,
  processIo,
  required,
  requestJson,
  runCommand,
  table,
  type ClientIo,
} from './node-client.ts';

/** The roles a token can have, as the CLI lists them. */
const ROLES = [...TOKEN_ROLES].sort();

/** Usage text of `wattproof tokens`. */
export const TOKENS_USAGE = `usage: wattproof tokens <create|list|revoke> [options]

  create  --role ${ROLES.join('|')} --label TEXT
          make a token; it is printed this once (the node keeps only its hash)
  list    every token, without secrets
  revoke  ID   (the 16 hex digits 'list' shows); the last operator token cannot be revoked

options (environment variable in brackets):
${nodeOptionsUsage('operator')}
${EXIT_USAGE}`;

const OPTIONS = {
  ...NODE_OPTIONS,
  role: { type: 'string' },
  label: { type: 'string' },
} as const;

function tokenTable(tokens: readonly TokenJson[]): string {
  if (tokens.length === 0) return 'no tokens\n';
  return table([
    ['ID', 'ROLE', 'CREATED', 'STATUS', 'LABEL'],
    ...tokens.map((t) => [
      t.id,
      t.role,
      t.createdAt,
      t.revoked ? `revoked ${t.revokedAt ?? ''}`.trim() : 'active',
      t.label,
    ]),
  ]);
}

async function tokens(argv: readonly string[], io: ClientIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '-h' || sub === '--help' || sub === 'help') {
    io.stdout(TOKENS_USAGE);
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') {
    throw new UsageError(
      `unknown subcommand "${sub}": must be one of create, list, revoke`,
      TOKENS_USAGE,
    );
  }
  const { values, positionals } = parseOptions(rest, OPTIONS, TOKENS_USAGE, sub === 'revoke');
  if (values.help === true) {
    io.stdout(TOKENS_USAGE);
    return EXIT.ok;
  }
  const json = values.json === true;

  if (sub === 'create') {
    const role = oneOf('role', required(values, 'role', TOKENS_USAGE), ROLES, TOKENS_USAGE);
    const label = required(values, 'label', TOKENS_USAGE);
    if ([...label].length > MAX_LABEL_LENGTH) {
      throw new UsageError(
        `--label must be 1 to ${MAX_LABEL_LENGTH} characters, got ${[...label].length}`,
        TOKENS_USAGE,
      );
    }
    const ctx = await nodeContext(values, io, 'operator', TOKENS_USAGE);
    const t = (await requestJson(ctx, 'POST', '/v1/tokens', { role, label })) as TokenJson & {
      token: string;
    };
    io.stdout(
      json
        ? jsonText(t)
        : `created ${t.role} token ${t.id} (${t.label})\n` +
            `  token ${t.token}\n` +
            '  Store it now: it will not be shown again (the node keeps only its hash).\n' +
            `  Revoke it with: wattproof tokens revoke ${t.id}\n`,
    );
    return EXIT.ok;
  }

  if (sub === 'revoke') {
    if (positionals.length !== 1) {
      throw new UsageError('give exactly one token id: wattproof tokens revoke ID', TOKENS_USAGE);
    }
    const id = positionals[0]!;
    if (!/^[0-9a-f]{16}$/.test(id)) {
      throw new UsageError(
        `"${id}" is not a token id: 16 lower-case hex digits, as 'wattproof tokens list' shows`,
        TOKENS_USAGE,
      );
    }
    const ctx = await nodeContext(values, io, 'operator', TOKENS_USAGE);
    const t = (await requestJson(ctx, 'POST', `/v1/tokens/${id}/revoke`)) as TokenJson;
    io.stdout(json ? jsonText(t) : `revoked ${t.role} token ${t.id} (${t.label})\n`);
    return EXIT.ok;
  }

  const ctx = await nodeContext(values, io, 'operator', TOKENS_USAGE);
  const r = (await requestJson(ctx, 'GET', '/v1/tokens')) as { tokens: TokenJson[] };
  io.stdout(json ? jsonText(r) : tokenTable(r.tokens));
  return EXIT.ok;
}

/**
 * Runs `wattproof tokens …` with `argv` (after `tokens`). Resolves to the exit status
 * (node-client.ts `EXIT`): 0 done, 1 refused or failed, 2 usage error, 3 internal error.
 */
export async function runTokens(
  argv: readonly string[],
  io: ClientIo = processIo(),
): Promise<number> {
  return runCommand('tokens', io, () => tokens(argv, io));
}
