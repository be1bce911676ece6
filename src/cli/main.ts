/**
 * The `wattproof` command line. `wattproof start` runs a node on embedded defaults; every
 * setting has a flag and an environment variable (`wattproof start --help`).
 */
import { isWattproofError } from '../core/errors.ts';

const USAGE = `usage: wattproof <command> [options]

commands:
  start     run an ingest node: MQTT in, checks, the Merkle log, receipts, HTTP API
  devices   register, revoke and list device and platform keys (wattproof devices --help)
  broker-config
            the broker access rules as Mosquitto password, ACL and conf files
            (wattproof broker-config --help)
  tokens    create, list and revoke API tokens (operator)
  readings  a meter's readings over a period, every page (issuer)
  bundle    request an evidence bundle and save it to a file (issuer)
  quarantine
            refused messages and their counts (operator)
  erase     erase a meter's readings over a period, right to erasure (operator)
  sign-reading
            sign a test reading with a meter's key file; --keygen makes such a key
  verify    check an evidence bundle offline against the log key (wattproof verify --help)
  audit-index
            rebuild the verifiable index from the log and check every epoch; 'export' writes
            the operator's export of the entries (wattproof audit-index --help)
  certify   certificate, GO and Scope 2 figures from a verified bundle (wattproof certify --help)
  witness   run a C2SP tlog-witness witness that cosigns log checkpoints (wattproof witness --help)
  evm       the EVM anchor's account address and contract deployment (wattproof evm --help)

Run 'wattproof <command> --help' for a command's options; every command is in docs/cli.md.
`;

/** Runs the CLI with `argv` (without the node and script paths). */
export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    // Each command's modules load only when it runs: `verify` never loads the server.
    case 'start':
      return (await import('./start.ts')).runStart(rest);
    case 'witness':
      return (await import('../../anchors/witness/cli.ts')).runWitness(rest);
    case 'evm':
      return (await import('../../anchors/evm/cli.ts')).runEvm(rest);
    case 'devices':
      process.exitCode = await (await import('./devices.ts')).runDevices(rest);
      return;
    case 'broker-config':
      process.exitCode = await (await import('./broker-config.ts')).runBrokerConfig(rest);
      return;
    case 'tokens':
      process.exitCode = await (await import('./tokens.ts')).runTokens(rest);
      return;
    case 'readings':
      process.exitCode = await (await import('./readings.ts')).runReadings(rest);
      return;
    case 'bundle':
      process.exitCode = await (await import('./bundle.ts')).runBundle(rest);
      return;
    case 'quarantine':
      process.exitCode = await (await import('./quarantine.ts')).runQuarantine(rest);
      return;
    case 'audit-index':
      process.exitCode = await (await import('./audit-index.ts')).runAuditIndex(rest);
      return;
    case 'erase':
      process.exitCode = await (await import('./erase.ts')).runErase(rest);
      return;
    case 'sign-reading':
      process.exitCode = await (await import('./sign-reading.ts')).runSignReading(rest);
      return;
    case 'verify':
      process.exitCode = await (await import('./verify.ts')).runVerify(rest);
      return;
    case 'certify':
      process.exitCode = await (await import('./certify.ts')).runCertify(rest);
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
