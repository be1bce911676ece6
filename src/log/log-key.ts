/**
 * The log's signing key on disk: one file holding the C2SP signed-note private key string
 * (`PRIVATE+KEY+<origin>+<keyid>+base64(0x01‖seed)`), created on first start with mode 0600
 * and refused if anyone but its owner can read it.
 */
import { chmod, open, readFile, stat } from 'node:fs/promises';
import { WattproofError } from '../core/errors.ts';
import { decodeEd25519SignerKey } from '../core/note/index.ts';
import { ed25519Signer, generateEd25519Key, vkeyOf, type NoteSigner } from '../core/note/index.ts';
import { opensslNoteSigner } from '../node-fast/index.ts';

/** Reasons the key file cannot be used. */
export type LogKeyErrorCode =
  'KEY_FILE_UNREADABLE' | 'KEY_FILE_EXPOSED' | 'KEY_FILE_INVALID' | 'KEY_ORIGIN_MISMATCH';

/** The log key file is missing, unreadable, readable by others, malformed or for another origin. */
export class LogKeyError extends WattproofError<LogKeyErrorCode> {}

/** The loaded log key. */
export interface LogKey {
  readonly signer: NoteSigner;
  /** Verifier key, `origin+keyid+base64(0x01‖pub)`. */
  readonly vkey: string;
  /** True when this call created the file. */
  readonly created: boolean;
}

/**
 * Loads the log key at `path`, or creates a fresh Ed25519 key named `origin` there when no
 * file exists. The file is created exclusively (never overwriting) with mode 0600.
 */
export function loadOrCreateLogKey(path: string, origin: string): Promise<LogKey> {
  return loadOrCreateNoteKey(path, origin, 'log key');
}

/**
 * Loads the Ed25519 signed-note private key at `path` (any key of the node: the log key, the
 * operator key), or creates one named `name` there when no file exists. Same rules as
 * {@link loadOrCreateLogKey}: mode 0600, refused if exposed, malformed or named otherwise.
 */
export async function loadOrCreateNoteKey(
  path: string,
  origin: string,
  what = 'key',
): Promise<LogKey> {
  let created = false;
  try {
    const { skey } = generateEd25519Key(origin);
    const fh = await open(path, 'wx', 0o600);
    try {
      await fh.writeFile(`${skey}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await chmod(path, 0o600);
    created = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new LogKeyError(
        'KEY_FILE_UNREADABLE',
        `cannot create the ${what} file ${path}: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
  }
  let text: string;
  try {
    const st = await stat(path);
    if ((st.mode & 0o077) !== 0) {
      throw new LogKeyError(
        'KEY_FILE_EXPOSED',
        `the ${what} file ${path} is readable by others (mode ${(st.mode & 0o777).toString(8)}); run: chmod 600 ${path}`,
      );
    }
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof LogKeyError) throw e;
    throw new LogKeyError(
      'KEY_FILE_UNREADABLE',
      `cannot read the ${what} file ${path}: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
  const skey = text.trim();
  let signer: NoteSigner;
  let vkey: string;
  try {
    // Checked by the core, signing through OpenSSL (the same signatures, faster).
    signer = opensslNoteSigner(ed25519Signer(skey), decodeEd25519SignerKey(skey).seed);
    vkey = vkeyOf(skey);
  } catch (e) {
    throw new LogKeyError(
      'KEY_FILE_INVALID',
      `the ${what} file ${path} does not hold a signed-note Ed25519 private key`,
      {
        cause: e,
      },
    );
  }
  if (signer.name !== origin) {
    throw new LogKeyError(
      'KEY_ORIGIN_MISMATCH',
      `the ${what} file ${path} is for origin "${signer.name}", but it must be "${origin}"`,
    );
  }
  return { signer, vkey, created };
}
