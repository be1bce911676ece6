import { execFile } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANCHOR_RUNTIME_CODE_HEX, runEvm } from '../../../anchors/evm/index.ts';
import { startGanache, type RunningGanache } from '../../helpers/ganache.ts';
import { tempDir } from '../../helpers/tmp-dir.ts';
import { clients, rejectsWith } from './fixtures.ts';

let node: RunningGanache;
let dir: { path: string; remove: () => Promise<void> };
let keyFile: string;

beforeAll(async () => {
  node = await startGanache();
  dir = await tempDir('wattproof-evm-cli-');
  keyFile = join(dir.path, 'evm.key');
  await writeFile(keyFile, `${node.privateKey}\n`, { mode: 0o600 });
  await chmod(keyFile, 0o600);
});

afterAll(async () => {
  await node?.close();
  await dir?.remove();
});

async function run(argv: string[]): Promise<string[]> {
  const lines: string[] = [];
  await runEvm(argv, (l) => lines.push(l));
  return lines;
}

describe('when running the evm commands', () => {
  it('prints the key file account with address', async () => {
    expect(await run(['address', '--key-file', keyFile])).toEqual([
      privateKeyToAccount(node.privateKey).address,
    ]);
  });

  it('deploys the anchor contract with deploy', async () => {
    const [line] = await run([
      'deploy',
      '--rpc',
      node.rpcUrl,
      '--chain-id',
      String(node.chainId),
      '--key-file',
      keyFile,
    ]);
    const address = /^anchor contract (0x[0-9a-fA-F]{40}) on chain 1337, deployed by 0x/.exec(
      line ?? '',
    )?.[1];
    expect(address, line).toBeDefined();
    const { pub } = clients(node.rpcUrl);
    expect(await pub.getCode({ address: address as `0x${string}` })).toBe(ANCHOR_RUNTIME_CODE_HEX);
  });

  it('rejects missing or bad flags with ANCHOR_CONFIG', async () => {
    await rejectsWith(run(['deploy', '--key-file', keyFile]), 'ANCHOR_CONFIG');
    await rejectsWith(
      run(['deploy', '--rpc', node.rpcUrl, '--chain-id', 'x', '--key-file', keyFile]),
      'ANCHOR_CONFIG',
    );
    await rejectsWith(
      run(['deploy', '--rpc', node.rpcUrl, '--chain-id', '246', '--key-file', keyFile]),
      'ANCHOR_CONFIG',
    );
    await rejectsWith(run(['address']), 'ANCHOR_CONFIG');
    await rejectsWith(run(['mint', '--key-file', keyFile]), 'ANCHOR_CONFIG');
  });

  it('runs as a script', { timeout: 90_000 }, async () => {
    const exec = promisify(execFile);
    const script = join(import.meta.dirname, '../../../anchors/evm/cli.ts');
    const { stdout } = await exec(process.execPath, [
      '--import',
      'tsx',
      script,
      'address',
      '--key-file',
      keyFile,
    ]);
    expect(stdout.trim()).toBe(privateKeyToAccount(node.privateKey).address);
  });
});
