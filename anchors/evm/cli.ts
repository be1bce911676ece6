/**
 * The EVM anchoring commands: `address` prints the account of a key file (the one to fund),
 * `deploy` deploys the anchor contract with it. `wattproof evm <address|deploy> [options]`, or
 * `node --import tsx anchors/evm/cli.ts <address|deploy> [options]`.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isWattproofError } from '../../src/core/errors.ts';
import { AnchorError } from '../anchor.ts';
import { deployAnchorContract } from './deploy.ts';
import { loadEvmKey } from './key.ts';

/** Usage text of the EVM commands. */
export const EVM_USAGE = `usage: wattproof evm address --key-file FILE
       wattproof evm deploy --rpc URL --chain-id N --key-file FILE [--confirmations N]

  address          print the account address of the key file (fund it before anchoring)
  deploy           deploy the anchor contract and print its address
  --rpc URL        JSON-RPC endpoint, http(s)
  --chain-id N     EIP-155 chain id the endpoint must serve (Energy Web Chain 246, Ethereum 1)
  --key-file FILE  secp256k1 private key, 64 hex digits, mode 0600
  --confirmations N  blocks to wait for, the including one counted (default 1)
  -h, --help       this text
`;

const OPTIONS = {
  rpc: { type: 'string' },
  'chain-id': { type: 'string' },
  'key-file': { type: 'string' },
  confirmations: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function positive(flag: string, value: string | undefined, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  const n = Number(value);
  if (value === undefined || !/^[0-9]+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new AnchorError('ANCHOR_CONFIG', `${flag} must be a positive integer\n\n${EVM_USAGE}`);
  }
  return n;
}

/**
 * Runs `wattproof evm <address|deploy> …` with `argv`, writing results to `out`. Throws
 * `ANCHOR_CONFIG` for missing or bad flags, and the errors of {@link loadEvmKey} and
 * {@link deployAnchorContract}.
 */
export async function runEvm(
  argv: string[],
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: OPTIONS,
    strict: true,
    allowPositionals: true,
  });
  const [command, ...extra] = positionals;
  if (values.help === true || command === undefined) {
    out(EVM_USAGE.trimEnd());
    return;
  }
  if (extra.length > 0 || (command !== 'address' && command !== 'deploy')) {
    throw new AnchorError(
      'ANCHOR_CONFIG',
      `unknown command "${positionals.join(' ')}"\n\n${EVM_USAGE}`,
    );
  }
  const keyFile = values['key-file'];
  if (keyFile === undefined)
    throw new AnchorError('ANCHOR_CONFIG', `--key-file is required\n\n${EVM_USAGE}`);
  const key = await loadEvmKey(keyFile);
  if (command === 'address') {
    out(key.address);
    return;
  }
  if (values.rpc === undefined)
    throw new AnchorError('ANCHOR_CONFIG', `--rpc is required\n\n${EVM_USAGE}`);
  const chainId = positive('--chain-id', values['chain-id']);
  const address = await deployAnchorContract({
    rpcUrl: values.rpc,
    chainId,
    privateKey: key.privateKey,
    confirmations: positive('--confirmations', values.confirmations, 1),
  });
  out(`anchor contract ${address} on chain ${chainId}, deployed by ${key.address}`);
}

function isMain(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  runEvm(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(
      isWattproofError(e) ? `evm: ${e.message} [${e.code}]\n` : `evm: ${(e as Error).message}\n`,
    );
    process.exit(1);
  });
}
