import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvmKeyError, loadEvmKey } from '../../../anchors/evm/index.ts';
import { tempDir } from '../../helpers/tmp-dir.ts';

const KEY = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';

let dir: { path: string; remove: () => Promise<void> };

beforeAll(async () => {
  dir = await tempDir('wattproof-evm-key-');
});

afterAll(async () => {
  await dir?.remove();
});

async function keyFile(name: string, text: string, mode = 0o600): Promise<string> {
  const path = join(dir.path, name);
  await writeFile(path, text, { mode });
  await chmod(path, mode);
  return path;
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(EvmKeyError);
  return (e as EvmKeyError).code;
}

describe('when loading the EVM key file', () => {
  it('loads a 0600 file with or without 0x and derives the address', async () => {
    const address = privateKeyToAccount(KEY).address;
    await expect(loadEvmKey(await keyFile('a.key', `${KEY}\n`))).resolves.toEqual({
      privateKey: KEY,
      address,
    });
    await expect(
      loadEvmKey(await keyFile('b.key', `  ${KEY.slice(2).toUpperCase()}  \n`)),
    ).resolves.toEqual({ privateKey: KEY, address });
  });

  it('rejects a file readable by group or others with KEY_FILE_EXPOSED', async () => {
    expect(await codeOf(loadEvmKey(await keyFile('g.key', KEY, 0o640)))).toBe('KEY_FILE_EXPOSED');
    expect(await codeOf(loadEvmKey(await keyFile('o.key', KEY, 0o604)))).toBe('KEY_FILE_EXPOSED');
  });

  it('rejects malformed keys with KEY_FILE_INVALID', async () => {
    const bad = [
      '',
      KEY.slice(0, -2),
      `${KEY}00`,
      `${KEY.slice(0, -1)}g`,
      `${KEY}\n${KEY}`,
      `0x${'00'.repeat(32)}`,
      // the secp256k1 group order n: not a valid scalar
      '0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141',
      'PRIVATE+KEY+example.org+1a2b3c4d+AQ==',
    ];
    for (const [i, text] of bad.entries()) {
      expect(await codeOf(loadEvmKey(await keyFile(`bad${i}.key`, text))), text).toBe(
        'KEY_FILE_INVALID',
      );
    }
  });

  it('rejects a missing file with KEY_FILE_UNREADABLE', async () => {
    expect(await codeOf(loadEvmKey(join(dir.path, 'missing.key')))).toBe('KEY_FILE_UNREADABLE');
  });
});
