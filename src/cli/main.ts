/**
 * The `wattproof` command line. `wattproof start` runs a node on embedded defaults; every
 * setting has a flag and an environment variable (`wattproof start --help`).
 */
import { isWattproofError } from '../core/errors.ts';
import { runWitness } from '../../anchors/witness/cli.ts';
import { runDevices } from './devices.ts';
import { runStart } from './start.ts';
import { runVerify } from './verify.ts';

const USAGE = `usage: wattproof <command> [options]

commands:
  start     run an ingest node: MQTT in, checks, the Merkle log, receipts, HTTP API
  devices   register, revoke and list device and platform keys (wattproof devices --help)
  verify    check an evidence bundle offline against the log key (wattproof verify --help)
  witness   run a C2SP tlog-witness witness that cosigns log checkpoints (wattproof witness --help)

Run 'wattproof <command> --help' for a command's options.
`;

/** Runs the CLI with `argv` (without the node and script paths). */
export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return runStart(rest);
    case 'witness':
      return runWitness(rest);
    case 'devices':
      process.exitCode = await runDevices(rest);
      return;
    case 'verify':
      process.exitCode = await runVerify(rest);
      return;
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (isWattproofError(e)) {
    process.stderr.write(`wattproof: ${e.message} [${e.code}]\n`);
  } else if (
    e instanceof TypeError &&
    (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
  ) {
    process.stderr.write(`wattproof: ${e.message}\n\n${USAGE}`);
  } else {
    process.stderr.write(`wattproof: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
  }
  process.exit(1);
});
