/**
 * The first operator token (docs/registry.md §Tokens): on a node's first start, one operator
 * token is created and written to `data/operator.token` (mode 0600), so the operator can use
 * the CLI and API at once. Later starts leave the tokens alone.
 */
import { chmod, open, rename } from 'node:fs/promises';
import type { TokenStore } from './token-store.ts';

/** What {@link bootstrapOperatorToken} did. */
export interface BootstrapResult {
  /** True when a token was created and written now (the first start). */
  readonly created: boolean;
  /** The token file. */
  readonly path: string;
  /** Id of the created token. */
  readonly id?: string;
}

/** Writes `text` to `path` atomically (temporary file, fsync, rename), mode 0600. */
async function writeSecretFile(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.chmod(0o600);
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await chmod(path, 0o600);
}

/**
 * When the node has no token at all, creates an operator token labelled `bootstrap` and writes
 * it, with a newline, to `path` (mode 0600) before committing it. Otherwise does nothing.
 * The composition root calls it once at start and may print the path (never the token).
 */
export async function bootstrapOperatorToken(
  tokens: TokenStore,
  path: string,
): Promise<BootstrapResult> {
  if (tokens.listTokens().length > 0) return { created: false, path };
  const { info } = await tokens.createToken('operator', 'bootstrap', (token) =>
    writeSecretFile(path, `${token}\n`),
  );
  return { created: true, path, id: info.id };
}
