/**
 * The EVM anchoring key on disk: one file holding a secp256k1 private key as 64 hex digits
 * (with or without `0x`, one line), mode 0600, refused if anyone but its owner can read it.
 * The file is never created here: the account must be funded on the chain before use, so the
 * operator makes the key (e.g. `cast wallet new`, or any wallet's raw-key export) and funds its
 * address.
 */
import { readFile, stat } from 'node:fs/promises';
import { privateKeyToAccount } from 'viem/accounts';
import type { Address, Hex } from 'viem';
import { WattproofError } from '../../src/core/errors.ts';

/**
 * Why the EVM key file cannot be used (the same codes as the log key file's).
 *
 * - `KEY_FILE_UNREADABLE`: the file is missing or cannot be read.
 * - `KEY_FILE_EXPOSED`: group or others have any permission on it.
 * - `KEY_FILE_INVALID`: it does not hold one valid secp256k1 private key in hex.
 */
export type EvmKeyErrorCode = 'KEY_FILE_UNREADABLE' | 'KEY_FILE_EXPOSED' | 'KEY_FILE_INVALID';

/** The EVM key file is missing, unreadable, readable by others or malformed. */
export class EvmKeyError extends WattproofError<EvmKeyErrorCode> {}

/** A loaded EVM key. */
export interface EvmKey {
  readonly privateKey: Hex;
  /** The account's address, EIP-55 checksummed. */
  readonly address: Address;
}

/** Loads the EVM private key at `path` (see the module comment for the rules). */
export async function loadEvmKey(path: string): Promise<EvmKey> {
  let text: string;
  try {
    const st = await stat(path);
    if ((st.mode & 0o077) !== 0) {
      throw new EvmKeyError(
        'KEY_FILE_EXPOSED',
        `the EVM key file ${path} is readable by others (mode ${(st.mode & 0o777).toString(8)}); run: chmod 600 ${path}`,
      );
    }
    if (!st.isFile() || st.size > 1024) {
      throw new EvmKeyError('KEY_FILE_INVALID', `the EVM key file ${path} is not a small file`);
    }
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof EvmKeyError) throw e;
    throw new EvmKeyError(
      'KEY_FILE_UNREADABLE',
      `cannot read the EVM key file ${path}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  const body = text.trim();
  const hex = body.startsWith('0x') || body.startsWith('0X') ? body.slice(2) : body;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new EvmKeyError(
      'KEY_FILE_INVALID',
      `the EVM key file ${path} does not hold a private key of 64 hex digits`,
    );
  }
  const privateKey = `0x${hex.toLowerCase()}` as Hex;
  try {
    return { privateKey, address: privateKeyToAccount(privateKey).address };
  } catch (e) {
    // zero or not below the secp256k1 group order
    throw new EvmKeyError('KEY_FILE_INVALID', `the EVM key file ${path} holds an invalid key`, {
      cause: e,
    });
  }
}
